// `dnet daemon [flags]`: runs the daemon in this process until SIGTERM/SIGINT. The only command besides
// `system cleanup` that loads the library (through src/daemon/).

import { setFlagsFromString } from "node:v8";
import { MAX_DNS_THREADS, runDaemon } from "../daemon/daemon.js";
import { isLogLevel } from "../daemon/logging.js";
import { UsageError, flag, str, strs, type Command } from "./common.js";

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

/** `kv.cacertfile=/a,kv.certfile=/b` (also repeated flags) → pairs; the daemon checks the keys. */
function parseStoreOpts(specs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of specs.flatMap((s) => s.split(","))) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new UsageError(`invalid --cluster-store-opt ${JSON.stringify(part)}: use KEY=VALUE`);
    out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/** `--dns-threads`: digits only (Number() takes "", "0x2" and "1e1"), 0 to MAX_DNS_THREADS. */
function dnsThreadCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,3}$/.test(text) || Number(text) > MAX_DNS_THREADS) {
    throw new UsageError(`invalid --dns-threads ${JSON.stringify(text)}: use a whole number from 0 to ${MAX_DNS_THREADS}`);
  }
  return Number(text);
}

/**
 * V8 lets the old generation grow to up to 4× what survived the last full collection before it collects
 * again; under a burst of connects the daemon (~20 MiB live with 1,000 endpoints) then held 65–95 MiB of
 * heap, mostly garbage, for the ~30 s until V8's memory reducer ran. 1.2× keeps it near what is live
 * (bench:scale) at no cost measured on the API's connect/disconnect path. The flag is read at every full
 * collection, so setting it here, in the daemon's own process (never in a library user's), takes effect.
 */
export const DAEMON_HEAP_GROWING_PERCENT = 20;

export const daemon: Command = async (p) => {
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
  const storeOpts = parseStoreOpts(strs(p, "cluster-store-opt"));
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
  const dataPathPort = num("data-path-port", 1);
  const firewallCheckS = num("firewall-check-interval", 0.01);
  const dnsThreads = dnsThreadCount(str(p, "dns-threads"));
  const uiAllowRemote = flag(p, "ui-allow-remote");
  if (uiAllowRemote && str(p, "ui") === undefined) throw new UsageError("--ui-allow-remote needs --ui HOST:PORT");
  setFlagsFromString(`--heap-growing-percent=${DAEMON_HEAP_GROWING_PERCENT}`);
  const handle = await runDaemon({
    ...opt("socket", "socket"), ...opt("tcp", "tcp"), ...opt("dataDir", "data-dir"), ...opt("netnsDir", "netns-dir"),
    ...opt("etcNetnsDir", "etc-netns-dir"), ...opt("clusterStore", "cluster-store"), ...opt("advertiseAddr", "advertise-addr"),
    ...opt("pluginName", "plugin-name"), ...opt("bridge", "bridge"), ...opt("ui", "ui"), uiAllowRemote, ...opt("pluginsDir", "plugins-dir"), pluginTcpAllow: strs(p, "plugin-tcp-allow"), firewall, dns: strs(p, "dns"), logFormat, logLevel, handleSignals: true,
    ...(pools.length === 0 ? {} : { defaultAddressPools: pools }),
    ...(storeOpts.size === 0 ? {} : { clusterStoreOptions: storeOpts }),
    ...(timeoutS === undefined ? {} : { requestTimeoutMs: Math.round(timeoutS * 1000) }),
    ...(maxBody === undefined ? {} : { maxBodyBytes: Math.floor(maxBody) }),
    ...(maxConnections === undefined ? {} : { maxConnections: Math.floor(maxConnections) }),
    ...(dataPathPort === undefined ? {} : { dataPathPort }),
    ...(dnsThreads === undefined ? {} : { dnsThreads }),
    ...(firewallCheckS === undefined ? {} : { firewallCheckMs: Math.round(firewallCheckS * 1000) }),
    ...(flag(p, "firewall-poll-only") ? { firewallWatch: false } : {}),
  });
  await handle.stopped;
  return 0;
};
