// The host's resolv.conf and the sandbox files computed from it, remembered between joins: every join and
// leave rewrites its sandbox's resolv.conf, and reading, parsing and filtering the host's file each time
// cost ~0.08 ms of the ~0.3 ms the sandbox files take on the attach path (CPU profile of the bridge bench).

import { fileStamp } from "./files-in-place.js";
import { remembered } from "./memo.js";
import {
  DEFAULT_RESOLV_CONF_PATH, SYSTEMD_RESOLV_CONF_PATH, readHostResolvConf, type DnsUserConfig, type HostResolvConf, type HostResolvConfPaths,
} from "./resolvconf.js";
import { sandboxResolvConf, type SandboxResolvConf } from "./sandbox-resolvconf.js";

/** fileStamp, "" when the file does not exist, "?" when it cannot be checked (never equal to a remembered one). */
function identity(path: string): string {
  try {
    return fileStamp(path) ?? "";
  } catch {
    return "?"; // the read that follows surfaces the error
  }
}

const MEMO_LIMIT = 256;

export interface SandboxResolvConfRequest {
  readonly user: DnsUserConfig;
  readonly ipv6: boolean;
  readonly embeddedDns: boolean;
}

/**
 * readHostResolvConf and sandboxResolvConf behind a stat check: the host file is read again only when its
 * identity (device, inode, size, mtime, ctime) changed, and the sandbox files computed from it are
 * remembered until then. Both files Docker may read (the systemd-resolved one too) are checked.
 */
export class ResolvConfCache {
  readonly #paths: Required<HostResolvConfPaths>;
  #stamp: string | undefined;
  #host: HostResolvConf | undefined;
  readonly #computed = new Map<string, SandboxResolvConf>();

  constructor(paths: HostResolvConfPaths = {}) {
    this.#paths = { path: paths.path ?? DEFAULT_RESOLV_CONF_PATH, systemdPath: paths.systemdPath ?? SYSTEMD_RESOLV_CONF_PATH };
  }

  /** The host's resolv.conf as readHostResolvConf reads it, from memory when the files are unchanged. */
  host(): HostResolvConf {
    // Checked before reading: a change between the two makes the next check differ, never the reverse.
    const stamp = `${identity(this.#paths.path)}|${identity(this.#paths.systemdPath)}`;
    if (this.#host !== undefined && stamp === this.#stamp && !stamp.includes("?")) return this.#host;
    const host = readHostResolvConf(this.#paths);
    if (host.content !== this.#host?.content) this.#computed.clear();
    this.#host = host;
    this.#stamp = stamp;
    return host;
  }

  /** sandboxResolvConf for a (non host-networking) sandbox, computed once per host file version and input. */
  sandbox(request: SandboxResolvConfRequest): SandboxResolvConf {
    const host = this.host().content;
    const { user, ipv6, embeddedDns } = request;
    const key = JSON.stringify([ipv6, embeddedDns, user.servers, user.search, user.options]);
    return remembered(this.#computed, key, () => sandboxResolvConf({ host, user, ipv6, embeddedDns }), MEMO_LIMIT);
  }
}
