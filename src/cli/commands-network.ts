// The `dnet network …` rows of the command table: names, flags, operands and loaders (no implementation).

import { operand, opt, opts, sw, type CommandDef } from "./command-def.js";

const NETWORK = operand("NETWORK", { complete: "network" });
const NETWORKS = operand("NETWORK", { complete: "network", repeat: true });
const FORMAT_LS = opt("format", "FORMAT", "Format the output: table, json, \"table TEMPLATE\" or a Go template ({{.ID}} {{.Name}} {{.Driver}} {{.Scope}} {{.IPv6}} {{.Internal}} {{.Labels}} {{.Label \"KEY\"}} {{.CreatedAt}})");

export const NETWORK_COMMANDS: readonly CommandDef[] = [
  {
    path: ["network", "connect"], summary: "Connect a sandbox to a network",
    flags: [
      opt("ip", "IP", "IPv4 address for the sandbox on this network"),
      opt("ip6", "IP", "IPv6 address for the sandbox on this network"),
      opts("alias", "NAME", "Extra DNS name of the sandbox on this network"),
    ],
    operands: [NETWORK, operand("SANDBOX", { complete: "sandbox" })],
    load: async () => (await import("./network-connect.js")).networkConnect,
  },
  {
    path: ["network", "create"], summary: "Create a network",
    flags: [
      opt("driver", "DRIVER", "Driver that manages the network (or a plugin's name)", { short: "d", default: "bridge", choices: ["bridge", "macvlan", "ipvlan", "overlay", "host", "null"] }),
      opts("subnet", "CIDR", "Subnet of an address pool"),
      opts("gateway", "IP", "Gateway of the subnet it falls in"),
      opts("ip-range", "CIDR", "Allocate addresses from this part of its subnet"),
      opts("aux-address", "NAME=IP", "Address the IPAM driver must not hand out"),
      sw("ipv6", "Enable IPv6"),
      sw("internal", "Restrict external access to the network"),
      sw("attachable", "Accepted for Docker compatibility (every network is attachable)"),
      opt("ipam-driver", "NAME", "IPAM driver", { default: "default", choices: ["default", "null"] }),
      opts("ipam-opt", "KEY=VALUE", "IPAM driver option"),
      opts("opt", "KEY=VALUE", "Driver option (com.docker.network.bridge.name=br0, …)", { short: "o" }),
      opts("label", "KEY=VALUE", "Label of the network"),
    ],
    operands: [operand("NETWORK")],
    load: async () => (await import("./network-create.js")).networkCreate,
  },
  {
    path: ["network", "disconnect"], summary: "Disconnect a sandbox from a network",
    flags: [sw("force", "Also when the sandbox is gone", "f")],
    operands: [NETWORK, operand("SANDBOX", { complete: "sandbox" })],
    load: async () => (await import("./network-disconnect.js")).networkDisconnect,
  },
  {
    path: ["network", "inspect"], summary: "Show details of one or more networks",
    flags: [opt("format", "TEMPLATE", "Format each network with a Go template ({{.Name}}, {{json .IPAM.Config}}, …), or json for one line", { short: "f" })],
    operands: [NETWORKS],
    load: async () => (await import("./network-inspect.js")).networkInspect,
  },
  {
    path: ["network", "ls"], aliases: ["list"], summary: "List networks",
    flags: [
      opts("filter", "KEY=VALUE", "Show only matching networks (driver, id, label, name, scope, type=custom|builtin)", { short: "f" }),
      FORMAT_LS,
      sw("no-trunc", "Do not truncate network IDs"),
      sw("quiet", "Only print network IDs", "q"),
    ],
    operands: [],
    load: async () => (await import("./network-ls.js")).networkLs,
  },
  {
    path: ["network", "prune"], summary: "Remove every custom network no sandbox is connected to",
    flags: [sw("force", "Do not ask for confirmation", "f")],
    operands: [],
    load: async () => (await import("./network-prune.js")).networkPrune,
  },
  {
    path: ["network", "rm"], aliases: ["remove"], summary: "Remove one or more networks",
    flags: [],
    operands: [NETWORKS],
    load: async () => (await import("./network-rm.js")).networkRm,
  },
];
