// The `dnet sandbox …` and `dnet run` rows of the command table (a sandbox is a container's network stack).

import { operand, opt, opts, sw, type CommandDef, type FlagDef } from "./command-def.js";

const SANDBOX = operand("SANDBOX", { complete: "sandbox" });
const SANDBOXES = operand("SANDBOX", { complete: "sandbox", repeat: true });

/** The flags `sandbox create` and `run` share. */
export const SANDBOX_FLAGS: readonly FlagDef[] = [
  opt("hostname", "NAME", "Host name inside the sandbox (its hosts file)"),
  opt("domainname", "NAME", "Domain name inside the sandbox"),
  opts("dns", "IP", "Name server for the sandbox's resolv.conf"),
  opts("dns-search", "DOMAIN", "Search domain for the sandbox's resolv.conf"),
  opts("dns-option", "OPTION", "Option line for the sandbox's resolv.conf"),
  opts("add-host", "NAME:IP", "Extra line of the sandbox's hosts file"),
  opts("publish", "[HOSTIP:][HOSTPORT[-END]:]PORT[/PROTO]", "Publish a port of the sandbox on the host (on its first network)", { short: "p" }),
  opts("network", "NET[:ALIAS,...]", "Connect to a network, with DNS aliases", { complete: "network" }),
];

const FORMAT_LS = opt("format", "FORMAT", "Format the output: table, json, \"table TEMPLATE\" or a Go template ({{.ID}} {{.Name}} {{.Networks}} {{.Addresses}} {{.Ports}} {{.CreatedAt}})");

export const SANDBOX_COMMANDS: readonly CommandDef[] = [
  {
    path: ["sandbox", "create"], summary: "Create a sandbox (a network namespace with its hosts and resolv.conf)",
    flags: SANDBOX_FLAGS,
    operands: [operand("NAME")],
    load: async () => (await import("./sandbox-create.js")).sandboxCreate,
  },
  {
    path: ["sandbox", "exec"], summary: "Run a command in a sandbox's network namespace, with its hosts and resolv.conf",
    flags: [],
    operands: [SANDBOX, operand("CMD", { complete: "command" }), operand("ARG", { optional: true, repeat: true, complete: "file" })],
    interspersed: false,
    load: async () => (await import("./sandbox-exec.js")).sandboxExec,
  },
  {
    path: ["sandbox", "inspect"], summary: "Show details of one or more sandboxes",
    flags: [opt("format", "TEMPLATE", "Format each sandbox with a Go template ({{.Key}}, {{range .Endpoints}}…{{end}}), or json for one line", { short: "f" })],
    operands: [SANDBOXES],
    load: async () => (await import("./sandbox-inspect.js")).sandboxInspect,
  },
  {
    path: ["sandbox", "ls"], aliases: ["list"], summary: "List sandboxes",
    flags: [FORMAT_LS, sw("no-trunc", "Do not truncate sandbox IDs"), sw("quiet", "Only print sandbox IDs", "q")],
    operands: [],
    load: async () => (await import("./sandbox-ls.js")).sandboxLs,
  },
  {
    path: ["sandbox", "rm"], aliases: ["remove"], summary: "Remove one or more sandboxes",
    flags: [sw("force", "Also when still connected to networks (disconnects them)", "f")],
    operands: [SANDBOXES],
    load: async () => (await import("./sandbox-rm.js")).sandboxRm,
  },
  {
    path: ["run"], summary: "Run a command in a new sandbox",
    flags: [opt("name", "NAME", "Name of the sandbox (default: run-RANDOM)"), sw("rm", "Remove the sandbox when the command exits"), ...SANDBOX_FLAGS],
    operands: [operand("CMD", { complete: "command" }), operand("ARG", { optional: true, repeat: true, complete: "file" })],
    interspersed: false,
    load: async () => (await import("./run.js")).run,
  },
];
