// Finding a plugin by name as Docker's pkg/plugins does: a unix socket in the sockets directory, else a
// `.spec` (one URL) or `.json` (address and TLS files) in the spec directories; retried with Docker's
// back-off while nothing is there. Addresses are checked: a unix socket path, or a TCP address that is
// loopback or listed.

import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { tryParseIp } from "../types/index.js";
import { PluginError, PluginErrorCodes } from "./errors.js";
import { validatePluginName } from "./names.js";

export interface PluginDirs {
  /** Where `NAME.sock` and `NAME/NAME.sock` are looked for. */
  readonly sockets: readonly string[];
  /** Where `NAME.spec`, `NAME/NAME.spec`, `NAME.json`, `NAME/NAME.json` are looked for, in order. */
  readonly specs: readonly string[];
}

/** Docker's directories (a rootful daemon's). */
export const DOCKER_PLUGIN_DIRS: PluginDirs = Object.freeze({
  sockets: Object.freeze(["/run/docker/plugins"]),
  specs: Object.freeze(["/etc/docker/plugins", "/usr/lib/docker/plugins"]),
});

/** One directory for everything (`--plugins-dir`): sockets, specs and json files. */
export function pluginDirsUnder(dir: string): PluginDirs {
  return Object.freeze({ sockets: Object.freeze([dir]), specs: Object.freeze([dir]) });
}

/** TLS of a TCP plugin (Docker's tlsconfig.Options, from a `.json` file). */
export interface PluginTls {
  readonly insecureSkipVerify: boolean;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export type PluginAddress =
  | { readonly transport: "unix"; readonly path: string }
  | { readonly transport: "tcp"; readonly host: string; readonly port: number; readonly tls?: PluginTls };

export interface PluginLocation {
  readonly name: string;
  readonly address: PluginAddress;
  /** The socket or file it was found through (for messages). */
  readonly source: string;
}

export interface DiscoveryPolicy {
  readonly dirs: PluginDirs;
  /** TCP addresses a spec may name besides loopback: `HOST` or `HOST:PORT`. */
  readonly tcpAllow: readonly string[];
}

function isSocket(path: string): boolean {
  try { return statSync(path).isSocket(); } catch { return false; }
}

function isFile(path: string): boolean {
  try { return statSync(path).isFile(); } catch { return false; }
}

const pathsOf = (base: string, name: string, ext: string): string[] => [join(base, `${name}${ext}`), join(base, name, `${name}${ext}`)];

/** One look, no waiting: the socket or spec of `name`, undefined when there is none; throws for a bad spec. */
export function locatePlugin(name: string, policy: DiscoveryPolicy): PluginLocation | undefined {
  validatePluginName(name);
  for (const dir of policy.dirs.sockets) {
    for (const p of pathsOf(dir, name, ".sock")) if (isSocket(p)) return { name, address: { transport: "unix", path: p }, source: p };
  }
  for (const dir of policy.dirs.specs) {
    const files = [...pathsOf(dir, name, ".spec"), ...pathsOf(dir, name, ".json")];
    for (const f of files) {
      if (!isFile(f)) continue;
      const text = readFileSync(f, "utf8");
      const address = f.endsWith(".json") ? parseJsonSpec(name, f, text, policy) : parseSpecUrl(name, f, text.trim(), policy);
      return { name, address, source: f };
    }
  }
  return undefined;
}

function badSpec(name: string, file: string, why: string): PluginError {
  return new PluginError("invalid-argument", PluginErrorCodes.invalidSpec, `plugin ${name}: ${file}: ${why}`, { plugin: name });
}

/** `unix:///abs/path` or `tcp://HOST:PORT`; anything else is refused with what is accepted. */
export function parseSpecUrl(name: string, file: string, url: string, policy: DiscoveryPolicy): PluginAddress {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(url);
  const accepted = "a plugin address is unix:///ABSOLUTE/PATH or tcp://HOST:PORT";
  if (m === null) throw badSpec(name, file, `Unknown protocol in ${JSON.stringify(url)}: ${accepted}`);
  const scheme = (m[1] ?? "").toLowerCase();
  const rest = m[2] ?? "";
  if (scheme === "unix") {
    if (!rest.startsWith("/") || rest.includes("\0")) throw badSpec(name, file, `${JSON.stringify(url)} is not an absolute socket path: ${accepted}`);
    return { transport: "unix", path: rest };
  }
  if (scheme !== "tcp") throw badSpec(name, file, `${JSON.stringify(url)} names protocol ${JSON.stringify(scheme)}: ${accepted}`);
  const hp = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})\/?$/.exec(rest);
  const port = Number(hp?.[2]);
  if (hp === null || port < 1 || port > 65535) throw badSpec(name, file, `${JSON.stringify(url)} is not tcp://HOST:PORT`);
  const host = (hp[1] ?? "").replace(/^\[|\]$/g, "");
  if (!tcpAllowed(host, port, policy.tcpAllow)) {
    throw badSpec(name, file, `${JSON.stringify(url)} is not a loopback address and not among the allowed plugin TCP addresses ` +
      "(list it with --plugin-tcp-allow HOST[:PORT], or the library's plugins.tcpAllow)");
  }
  return { transport: "tcp", host, port };
}

function tcpAllowed(host: string, port: number, allow: readonly string[]): boolean {
  if (host === "localhost") return true;
  const ip = tryParseIp(host);
  if (ip !== undefined && ((ip.family === 4 && ip.value >> 24n === 127n) || (ip.family === 6 && ip.value === 1n))) return true;
  return allow.some((a) => {
    const entry = a.replace(/^\[([^\]]+)\](:\d+)?$/, "$1$2");
    return entry === host || entry === `${host}:${port}` || a === `[${host}]:${port}`;
  });
}

interface JsonSpec { Addr?: unknown; TLSConfig?: { InsecureSkipVerify?: unknown; CAFile?: unknown; CertFile?: unknown; KeyFile?: unknown } | null }

function parseJsonSpec(name: string, file: string, text: string, policy: DiscoveryPolicy): PluginAddress {
  let spec: JsonSpec;
  try { spec = JSON.parse(text) as JsonSpec; } catch (err) { throw badSpec(name, file, `not JSON: ${(err as Error).message}`); }
  if (spec === null || typeof spec !== "object" || typeof spec.Addr !== "string") throw badSpec(name, file, 'needs {"Addr": "unix:///PATH" | "tcp://HOST:PORT"}');
  const address = parseSpecUrl(name, file, spec.Addr.trim(), policy);
  const t = spec.TLSConfig;
  if (t === undefined || t === null || address.transport !== "tcp") return address;
  const str = (v: unknown, what: string): string | undefined => {
    if (v === undefined || v === "") return undefined;
    if (typeof v !== "string") throw badSpec(name, file, `TLSConfig.${what} must be a file path`);
    return v;
  };
  const caFile = str(t.CAFile, "CAFile");
  const certFile = str(t.CertFile, "CertFile");
  const keyFile = str(t.KeyFile, "KeyFile");
  // Docker: TLS without a CA file means "do not verify the server" (pkg/plugins readPluginJSONInfo).
  const tls: PluginTls = {
    insecureSkipVerify: t.InsecureSkipVerify === true || caFile === undefined,
    ...(caFile === undefined ? {} : { caFile }), ...(certFile === undefined ? {} : { certFile }), ...(keyFile === undefined ? {} : { keyFile }),
  };
  return { ...address, tls };
}

export interface Backoff {
  /** Give up once the next wait would end past this (Docker: 30 s). */
  readonly timeoutMs: number;
  /** First wait; each next one doubles (Docker: 1 s, so 1, 2, 4, 8 s: it gives up after ~15 s). */
  readonly firstDelayMs: number;
}

export const DOCKER_BACKOFF: Backoff = Object.freeze({ timeoutMs: 30_000, firstDelayMs: 1_000 });

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The waits Docker's back-off makes before giving up (pkg/plugins backoff/abort). */
export function backoffDelays(b: Backoff): number[] {
  const out: number[] = [];
  let elapsed = 0;
  for (let d = b.firstDelayMs; elapsed + d < b.timeoutMs; d *= 2) {
    out.push(d);
    elapsed += d;
  }
  return out;
}

/** Looks again after each wait of Docker's back-off while the plugin is not there; undefined at the end. */
export async function findPlugin(name: string, policy: DiscoveryPolicy, backoff: Backoff): Promise<PluginLocation | undefined> {
  const found = locatePlugin(name, policy);
  if (found !== undefined) return found;
  for (const d of backoffDelays(backoff)) {
    await sleep(d);
    const again = locatePlugin(name, policy);
    if (again !== undefined) return again;
  }
  return undefined;
}
