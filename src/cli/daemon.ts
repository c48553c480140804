// `dnet daemon [flags]`: runs the daemon in this process until SIGTERM/SIGINT.

import { runDaemon } from "../daemon/daemon.js";
import { isLogLevel } from "../daemon/logging.js";
import { UsageError, parse, str, strs, type Command } from "./common.js";

const USAGE = "dnet daemon [--socket PATH] [--tcp HOST:PORT] [--data-dir DIR] [--netns-dir DIR] [--firewall nftables|iptables|none] [--dns IP]... [--default-address-pool base=CIDR,size=N]... [--cluster-store etcd://HOST:PORT] [--advertise-addr IP] [--plugin-name NAME] [--log-format text|json] [--log-level debug|info|warn|error] [--request-timeout SECONDS] [--max-body-bytes N] [--max-connections N]";

function parsePool(spec: string): { base: string; size: number } {
  const kv = Object.fromEntries(spec.split(",").map((part) => {
    const eq = part.indexOf("=");
    return eq < 0 ? [part, ""] : [part.slice(0, eq), part.slice(eq + 1)];
  }));
  const size = Number(kv["size"]);
  if (typeof kv["base"] !== "string" || kv["base"] === "" || !Number.isInteger(size) || size < 1 || size > 128) {
    throw new UsageError(`invalid --default-address-pool ${JSON.stringify(spec)}: use base=CIDR,size=N`);
  }
  return { base: kv["base"], size };
}

export const daemon: Command = async (args) => {
  const p = parse(args, {
    socket: { type: "string" }, tcp: { type: "string" }, "data-dir": { type: "string" }, "netns-dir": { type: "string" },
    "etc-netns-dir": { type: "string" }, firewall: { type: "string" }, dns: { type: "string", multiple: true },
    "default-address-pool": { type: "string", multiple: true }, "cluster-store": { type: "string" }, "advertise-addr": { type: "string" },
    "plugin-name": { type: "string" }, "plugins-dir": { type: "string" }, "plugin-tcp-allow": { type: "string", multiple: true }, "log-format": { type: "string" }, "log-level": { type: "string" },
    "request-timeout": { type: "string" }, "max-body-bytes": { type: "string" }, "max-connections": { type: "string" },
  }, USAGE);
  if (p.positionals.length > 0) throw new UsageError(`"dnet daemon" accepts no arguments (usage: ${USAGE})`);
  const firewall = str(p, "firewall") ?? "nftables";
  if (firewall !== "nftables" && firewall !== "iptables" && firewall !== "none") throw new UsageError(`invalid --firewall ${JSON.stringify(firewall)}`);
  const logFormat = str(p, "log-format") ?? "text";
  if (logFormat !== "text" && logFormat !== "json") throw new UsageError(`invalid --log-format ${JSON.stringify(logFormat)}: use text or json`);
  const logLevel = str(p, "log-level") ?? "info";
  if (!isLogLevel(logLevel)) throw new UsageError(`invalid --log-level ${JSON.stringify(logLevel)}`);
  const opt = <K extends string>(key: K, flagName: string): Partial<Record<K, string>> => {
    const v = str(p, flagName);
    return v === undefined ? {} : ({ [key]: v } as Record<K, string>);
  };
  const pools = strs(p, "default-address-pool").map(parsePool);
  const num = (flagName: string, min: number): number | undefined => {
    const v = str(p, flagName);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new UsageError(`invalid --${flagName} ${JSON.stringify(v)}`);
    return n;
  };
  const timeoutS = num("request-timeout", 0.1);
  const maxBody = num("max-body-bytes", 1);
  const maxConnections = num("max-connections", 1);
  const handle = await runDaemon({
    ...opt("socket", "socket"), ...opt("tcp", "tcp"), ...opt("dataDir", "data-dir"), ...opt("netnsDir", "netns-dir"),
    ...opt("etcNetnsDir", "etc-netns-dir"), ...opt("clusterStore", "cluster-store"), ...opt("advertiseAddr", "advertise-addr"),
    ...opt("pluginName", "plugin-name"), ...opt("pluginsDir", "plugins-dir"), pluginTcpAllow: strs(p, "plugin-tcp-allow"), firewall, dns: strs(p, "dns"), logFormat, logLevel, handleSignals: true,
    ...(pools.length === 0 ? {} : { defaultAddressPools: pools }),
    ...(timeoutS === undefined ? {} : { requestTimeoutMs: Math.round(timeoutS * 1000) }),
    ...(maxBody === undefined ? {} : { maxBodyBytes: Math.floor(maxBody) }),
    ...(maxConnections === undefined ? {} : { maxConnections: Math.floor(maxConnections) }),
  });
  await handle.stopped;
  return 0;
};
