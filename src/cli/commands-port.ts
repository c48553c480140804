// The `dnet port …` rows of the command table: a sandbox's published ports, shown (`dnet port`, as
// `docker port`), added and removed while it runs.

import { operand, type CommandDef } from "./command-def.js";

const SANDBOX = operand("SANDBOX", { complete: "sandbox" });
const SPEC = operand("[HOSTIP:][HOSTPORT[-END]:]PORT[-END][/PROTO]");

export const PORT_COMMANDS: readonly CommandDef[] = [
  {
    path: ["port"], summary: "List where a sandbox's ports are published on the host (like docker port)",
    flags: [],
    operands: [SANDBOX, operand("PORT[/PROTO]", { optional: true })],
    load: async () => (await import("./port.js")).port,
  },
  {
    path: ["port", "add"], summary: "Publish one more port of a running sandbox",
    flags: [],
    operands: [SANDBOX, SPEC],
    load: async () => (await import("./port-add.js")).portAdd,
  },
  {
    path: ["port", "rm"], aliases: ["remove"], summary: "Stop publishing a port of a running sandbox",
    flags: [],
    operands: [SANDBOX, SPEC],
    load: async () => (await import("./port-rm.js")).portRm,
  },
];
