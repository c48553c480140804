// Where the `--ui` page may listen, and which Host headers it answers: loopback only unless the operator
// says otherwise, since the page shows the host's whole network layout to whoever reaches it.

import { BlockList, isIP } from "node:net";
import { invalidArgument } from "../errors/index.js";

export interface UiAddress {
  readonly host: string;
  readonly port: number;
  /** Bound to a loopback address: the page then answers only requests that name a loopback host. */
  readonly loopback: boolean;
}

/** 127.0.0.0/8, ::1, and IPv4 loopback mapped into IPv6; `localhost` by name. */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === "localhost") return true;
  const family = isIP(host);
  if (family === 0) return false;
  const loop = new BlockList();
  loop.addSubnet("127.0.0.0", 8, "ipv4");
  loop.addAddress("::1", "ipv6");
  loop.addSubnet("::ffff:127.0.0.0", 104, "ipv6");
  return loop.check(host, family === 4 ? "ipv4" : "ipv6");
}

/**
 * `HOST:PORT` (`127.0.0.1:8080`, `[::1]:8080`, `localhost:8080`; port 0 picks a free one). A host that is
 * not loopback — an interface address, `0.0.0.0`, `::`, a name — is refused unless `allowRemote`.
 */
export function parseUiAddress(spec: string, allowRemote: boolean): UiAddress {
  const m = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(spec);
  const port = Number(m?.[2]);
  if (m === null || port > 65535) {
    throw invalidArgument("ERR_INVALID_UI_ADDRESS", `invalid --ui ${JSON.stringify(spec)}: use HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080`);
  }
  const host = (m[1] as string).replace(/^\[|\]$/g, "");
  if (host.toLowerCase() !== "localhost" && isIP(host) === 0 && !allowRemote) {
    throw invalidArgument("ERR_UI_NOT_LOOPBACK", `--ui ${spec}: give a loopback IP address (127.0.0.1 or ::1), not a name, or add --ui-allow-remote`);
  }
  const loopback = isLoopbackHost(host);
  if (!loopback && !allowRemote) {
    throw invalidArgument("ERR_UI_NOT_LOOPBACK",
      `--ui ${spec} is not a loopback address: the page shows this host's networks to anyone who reaches it. Use 127.0.0.1:${port}, or add --ui-allow-remote to serve it on ${host}`);
  }
  return { host, port, loopback };
}

/**
 * Whether a request's Host header may be answered. On loopback the page answers only loopback names, so a
 * web page elsewhere cannot read it through a DNS name rebound to 127.0.0.1 (DNS rebinding).
 */
export function hostHeaderAllowed(address: UiAddress, hostHeader: string | undefined): boolean {
  if (!address.loopback) return true;
  if (hostHeader === undefined) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(hostHeader);
  return m !== null && isLoopbackHost((m[1] as string).replace(/^\[|\]$/g, ""));
}
