// The server-wide upstreams: the daemon's `--dns`, else the host's resolv.conf, re-read when it changes.

import { statSync } from "node:fs";
import {
  DEFAULT_RESOLV_CONF_PATH, SYSTEMD_RESOLV_CONF_PATH, parseResolvConf, readHostResolvConf, type HostResolvConfPaths,
} from "./resolvconf.js";
import { FALLBACK_DNS_IPV4, isLoopbackNameserver, type Upstream } from "./sandbox-resolvconf.js";
import type { ServiceRecords } from "./records.js";

export interface HostUpstreamsOptions {
  /** The daemon's `--dns` servers: when given, the host file is not read at all. */
  readonly daemonDns?: readonly string[];
  readonly paths?: HostResolvConfPaths;
  /** How often the files are checked (by stat; default 1 s). */
  readonly intervalMs?: number;
}

/** The host file's nameservers as upstreams; 127.x/::1 are host-loopback (dialled from the host side). */
export function hostUpstreams(content: string | undefined): Upstream[] {
  const servers = parseResolvConf(content ?? "").nameservers;
  // Docker's resolver ends up with Google's servers when the host lists none.
  if (servers.length === 0) return FALLBACK_DNS_IPV4.map((address) => ({ address, hostLoopback: false }));
  return servers.map((address) => ({ address, hostLoopback: isLoopbackNameserver(address) }));
}

function statKey(path: string): string {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return "missing";
  }
}

/**
 * Keeps `records`' default upstreams equal to the daemon's `--dns` or the host's current resolv.conf.
 * The file is polled by stat and compared with the stat taken just before it was last read: fs.watch
 * loses a file that is replaced, and fs.watchFile takes its baseline later, so it can miss a change
 * made right after start.
 */
export class HostUpstreamsWatcher {
  readonly #records: ServiceRecords;
  readonly #options: HostUpstreamsOptions;
  #timer: NodeJS.Timeout | undefined;
  #seen = "";
  #last = "";

  constructor(records: ServiceRecords, options: HostUpstreamsOptions = {}) {
    this.#records = records;
    this.#options = options;
  }

  /** Sets the defaults now and, unless the daemon gave servers, follows the host file. */
  start(): void {
    const daemon = this.#options.daemonDns ?? [];
    if (daemon.length > 0) {
      this.#records.setDefaultUpstreams(daemon.map((address) => ({ address, hostLoopback: false })));
      return;
    }
    this.refresh();
    this.#timer ??= setInterval(() => this.#poll(), this.#options.intervalMs ?? 1000);
    this.#timer.unref();
  }

  #key(): string {
    const primary = this.#options.paths?.path ?? DEFAULT_RESOLV_CONF_PATH;
    const systemd = this.#options.paths?.systemdPath ?? SYSTEMD_RESOLV_CONF_PATH;
    return `${statKey(primary)}|${statKey(systemd)}`;
  }

  /** Re-reads the host file; updates the records when the servers changed. */
  refresh(): void {
    this.#seen = this.#key();
    const upstreams = hostUpstreams(readHostResolvConf(this.#options.paths ?? {}).content);
    const key = JSON.stringify(upstreams);
    if (key !== this.#last) {
      this.#last = key;
      this.#records.setDefaultUpstreams(upstreams);
    }
  }

  #poll(): void {
    if (this.#key() === this.#seen) return;
    // A file caught unreadable keeps the previous servers until it changes again.
    try { this.refresh(); } catch { /* see above */ }
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
