// The command table of `dnet`: every command with its flags, operands and the loader of its implementation.
// Help, flag parsing, the man page, docs/cli.md and the shell completions are all generated from it, so it
// stays data: implementations are imported only when their command runs (`dnet version` stays fast).

import { opt, opts, operand, sw, type CommandDef, type CommandTable, type FlagDef, type GroupDef } from "./command-def.js";
import { NETWORK_COMMANDS } from "./commands-network.js";
import { PORT_COMMANDS } from "./commands-port.js";
import { SANDBOX_COMMANDS } from "./commands-sandbox.js";

const GLOBAL_FLAGS: readonly FlagDef[] = [
  opt("host", "unix://PATH|tcp://HOST:PORT", "Daemon socket to talk to; DNET_HOST when not given", { short: "H", default: "unix:///run/dnet/dnet.sock" }),
  sw("help", "Print usage", "h"),
  sw("version", "Print the version and exit", "v"),
];

const GROUPS: readonly GroupDef[] = [
  { name: "network", summary: "Manage networks" },
  { name: "port", summary: "Show, add and remove the published ports of a sandbox" },
  { name: "sandbox", summary: "Manage sandboxes (network namespaces)" },
  { name: "system", summary: "Manage dnet on this host" },
];

const DIRS: readonly FlagDef[] = [
  opt("socket", "PATH", "API socket", { default: "/run/dnet/dnet.sock", complete: "file" }),
  opt("data-dir", "DIR", "State directory (SQLite database inside)", { default: "/var/lib/dnet", complete: "file" }),
  opt("netns-dir", "DIR", "Where sandbox network namespaces are mounted", { default: "/run/netns", complete: "file" }),
  opt("etc-netns-dir", "DIR", "Where sandbox hosts and resolv.conf go; /etc/netns with the default --netns-dir, else NETNS-DIR-etc", { complete: "file" }),
];

const OTHER_COMMANDS: readonly CommandDef[] = [
  {
    path: ["completion"], summary: "Print a shell completion script (bash or zsh)",
    flags: [], operands: [operand("SHELL", { choices: ["bash", "zsh"] })],
    load: async () => (await import("./completion.js")).completion,
  },
  {
    path: ["daemon"], summary: "Run the dnet daemon (the HTTP API on a unix socket) in the foreground",
    flags: [
      ...DIRS,
      opt("tcp", "HOST:PORT", "Also serve the API on TCP (anyone who reaches it controls the host's networking)"),
      opt("ui", "HOST:PORT", "Also serve a read-only web page of the live topology and metrics there (a loopback address, e.g. 127.0.0.1:8080)"),
      sw("ui-allow-remote", "Let --ui listen on an address that is not loopback (anyone who reaches it sees this host's networks)"),
      opt("firewall", "BACKEND", "Firewall backend", { default: "nftables", choices: ["nftables", "iptables", "none"], strict: true }),
      opt("firewall-check-interval", "SECONDS", "How often the firewall is polled for drift; changes nftables announces are repaired at once (default: 10, or 1 with --firewall-poll-only)"),
      sw("firewall-poll-only", "Do not watch nftables changes: find drift by polling only"),
      opts("dns", "IP", "Upstream name server of the embedded DNS; the host's resolv.conf when not given"),
      opt("dns-threads", "N", "Threads serving the embedded DNS, 0-16; 0 serves on the daemon's main thread: ~11 MiB less memory per thread, fewer queries/s (default: 2, or 1 on one core)"),
      opt("bridge", "NAME", "Name of the predefined bridge network's device, or none for no bridge network", { default: "dnet0" }),
      opts("default-address-pool", "base=CIDR,size=N", "Pool that networks without --subnet get subnets from"),
      opt("cluster-store", "etcd://HOST:PORT", "Global store for multi-host networks"),
      opts("cluster-store-opt", "KEY=VALUE", "Cluster store option: kv.cacertfile, kv.certfile, kv.keyfile (TLS to etcd), discovery.ttl (seconds a silent host stays listed, default 10); comma-separated or repeated"),
      opt("advertise-addr", "IP", "Address other hosts reach this one on"),
      opt("data-path-port", "PORT", "UDP port of overlay networks' VXLAN traffic, 1024-49151 (the same on every host)", { default: "4789" }),
      opt("plugin-name", "NAME", "Also serve dnet's drivers to dockerd as the plugin NAME"),
      opt("plugins-dir", "DIR", "Where Docker plugins are looked for and the served plugin's socket goes (instead of Docker's directories)"),
      opts("plugin-tcp-allow", "HOST:PORT", "A non-loopback TCP address a plugin spec file may name"),
      opt("log-format", "FORMAT", "Log format", { default: "text", choices: ["text", "json"], strict: true }),
      opt("log-level", "LEVEL", "Least important log level printed", { default: "info", choices: ["debug", "info", "warn", "error"], strict: true }),
      opt("request-timeout", "SECONDS", "Longest time a request may take to arrive", { default: "30" }),
      opt("max-body-bytes", "N", "Largest request body accepted", { default: "1048576" }),
      opt("max-connections", "N", "Most client connections served at once (default: 1024, at most half the fd limit)"),
    ],
    operands: [],
    load: async () => (await import("./daemon.js")).daemon,
  },
  {
    path: ["events"], summary: "Print the daemon's events as they happen, until interrupted",
    flags: [
      opts("filter", "KEY=VALUE", "Show only matching events (type, event, network, sandbox, container); repeated keys match any value", { short: "f" }),
      opt("format", "FORMAT", "Format each event with a Go template ({{.Type}} {{.Action}} {{.Actor.ID}}), or json"),
    ],
    operands: [],
    load: async () => (await import("./events.js")).events,
  },
  {
    path: ["system", "cleanup"], summary: "Remove every kernel object and file dnet made on this host (to uninstall it)",
    flags: [...DIRS, sw("dry-run", "Only list what would be removed"), sw("force", "Do not ask for confirmation", "f")],
    operands: [],
    load: async () => (await import("./system-cleanup.js")).systemCleanup,
  },
  {
    path: ["topology"], summary: "Show networks, bridges, sandboxes, addresses and published ports as a tree or a picture",
    flags: [opt("svg", "FILE", "Draw the topology as an SVG picture into FILE", { complete: "file" }), opt("dot", "FILE", "Write the topology as a graphviz graph into FILE", { complete: "file" })],
    operands: [],
    load: async () => (await import("./topology.js")).topology,
  },
  {
    path: ["version"], summary: "Print the client's and the daemon's versions",
    flags: [], operands: [],
    load: async () => (await import("./version.js")).version,
  },
];

/** `dnet help COMMAND`: completion offers the first words of commands. */
const HELP: CommandDef = {
  path: ["help"], summary: "Print help about a command",
  flags: [],
  operands: [operand("COMMAND", {
    optional: true, repeat: true,
    choices: [...new Set(["help", ...[...OTHER_COMMANDS, ...NETWORK_COMMANDS, ...PORT_COMMANDS, ...SANDBOX_COMMANDS].map((d) => d.path[0] as string)])].sort(),
  })],
  load: async () => (await import("./help.js")).help,
};

const byPath = (a: CommandDef, b: CommandDef): number => (a.path.join(" ") < b.path.join(" ") ? -1 : 1);

export const COMMAND_TABLE: CommandTable = {
  commands: [...OTHER_COMMANDS, HELP, ...NETWORK_COMMANDS, ...PORT_COMMANDS, ...SANDBOX_COMMANDS].sort(byPath),
  groups: GROUPS,
  globalFlags: GLOBAL_FLAGS,
};
