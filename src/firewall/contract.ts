// The firewall contract the bridge driver calls: networks, published ports, drift check and restore.

import type { IpAddress, IpPrefix } from "../types/index.js";

export { PORT_BRIDGE_PREFIX, portBridgePrefix } from "../types/index.js";

export type PortProto = "tcp" | "udp" | "sctp";

export const PORT_PROTOS: readonly PortProto[] = Object.freeze(["tcp", "udp", "sctp"]);

/** What the firewall needs to know about one bridge network. Validated by `validateNetwork`. */
export interface FirewallNetwork {
  /** Network id (Docker: 64 hex); 1–128 of `[A-Za-z0-9_.-]`, used in rule comments. */
  readonly id: string;
  /** Linux bridge name: ≤15 bytes of `[A-Za-z0-9_.@-]` (no wildcards `*`/`+`, no quotes). */
  readonly bridge: string;
  /** IPv4 subnets (host bits are ignored). Subnets of different networks must not overlap. */
  readonly subnets4: readonly IpPrefix[];
  readonly subnets6: readonly IpPrefix[];
  /** Internal network: no traffic leaves its subnets (no NAT, no forwarding to or from elsewhere). */
  readonly internal: boolean;
  /** Inter-container communication on the bridge. Off needs br_netfilter in the netns (see rules.ts). */
  readonly icc: boolean;
  /** Outbound NAT for traffic leaving through another interface (ignored for internal networks). */
  readonly masquerade: boolean;
  /** SNAT to this address instead of MASQUERADE for subnets of its family (Docker's `host_ipv4`). */
  readonly snatSource?: IpAddress;
  /**
   * Default host address for port mappings without `hostIp` whose container address has the same
   * family (Docker's `host_binding_ipv4`). Unspecified (0.0.0.0 / ::) or absent = every local address.
   */
  readonly hostBindingIp?: IpAddress;
}

/**
 * One published port or port range. A range maps host ports hostPort..hostPortEnd one to one onto
 * containerPort..containerPort+(hostPortEnd-hostPort); onto the same port numbers it costs one nftables
 * element per family, whatever its length. Choosing one host port out of a range (Docker's
 * `-p 8000-8010:80`) is the port allocator's job, before the firewall is called.
 */
export interface PortMapping {
  readonly proto: PortProto;
  /** Host address to accept connections on; absent or unspecified = every local address of that family. */
  readonly hostIp?: IpAddress;
  readonly hostPort: number;
  /** Last host port; equal to hostPort for a single port. */
  readonly hostPortEnd: number;
  /** Its family decides the mapping's family (no NAT46: a v6 host address needs a v6 container address). */
  readonly containerIp: IpAddress;
  readonly containerPort: number;
}

/** An endpoint's bridge port pinned to its MAC and addresses: what it may claim to be (anti-spoofing). */
export interface PortPin {
  /** The bridge port: the host end of the endpoint's veth (an interface name, as for bridges). */
  readonly port: string;
  /** Its endpoint's MAC, lower case. */
  readonly mac: string;
  readonly addresses: readonly IpAddress[];
}

export interface DriftReport {
  /** True when the kernel differs from the backend's desired state. */
  readonly drifted: boolean;
  /** One line per difference, e.g. "table inet dnet is missing". */
  readonly problems: readonly string[];
}

/** A change of the kernel's firewall that the backend did not make (or may not have: notifications lost). */
export interface FirewallChange {
  /** What was seen, for the log: "nftables commit by nft[1234]". */
  readonly reason: string;
  /** The ruleset generation after it, when known. */
  readonly generation?: number;
  /** It touched the backend's own tables, which were rewritten already (a check should still follow). */
  readonly rewritten?: boolean;
}

export interface FirewallChangeWatch {
  /** Changes recognised as the backend's own so far (nothing was reported for them). */
  readonly ownCommits: number;
  /** Stops watching and closes the watch's socket. */
  close(): void;
}

/**
 * A firewall backend. Calls are serialised by the backend; each call is one atomic change of the
 * backend's own rules, and a failed call changes nothing (its partial work is undone).
 *
 * Idempotence: adding an identical network again and removing an unknown network or endpoint are
 * no-ops, so the controller can replay its store after a restart.
 */
export interface FirewallBackend {
  /** "nftables" or "none". */
  readonly name: string;
  /**
   * Isolation from other networks, ICC, NAT and internal-network rules for one network. Call it after
   * the bridge exists: the nftables backend sets `route_localnet=1` on it (host 127.0.0.1 → published
   * ports) and, for ICC off, `bridge-nf-call-iptables=1`. For a container to reach its *own* published
   * port via a host address, the bridge driver sets hairpin mode on the endpoint's bridge port (as
   * Docker does without its userland proxy).
   * Errors: invalid-argument (bad values), conflict (same id with other values, bridge name in use,
   * overlapping subnet), unavailable (ICC off without br_netfilter, missing `nft`).
   */
  addNetwork(net: FirewallNetwork): Promise<void>;
  /** Removes every rule, set element and compat rule of the network (its port mappings too). */
  removeNetwork(networkId: string): Promise<void>;
  /**
   * Publishes ports of one endpoint (adds to what the endpoint already has; identical mappings are
   * no-ops). Errors: not-found (unknown network), forbidden (internal network), conflict (host
   * address/proto/port already published), invalid-argument.
   */
  addPortMappings(networkId: string, endpointId: string, mappings: readonly PortMapping[]): Promise<void>;
  /**
   * Unpublishes the endpoint's `mappings` (as given to addPortMappings; ones not published are ignored),
   * or every port of the endpoint when absent. Either way one atomic change.
   */
  removePortMappings(networkId: string, endpointId: string, mappings?: readonly PortMapping[]): Promise<void>;
  /**
   * Pins the endpoint's bridge port (replacing its pin): frames from it whose source MAC, ARP sender or
   * IP source is not the pin's are dropped. Optional: a backend that programs nothing leaves it out.
   * Errors: not-found (unknown network), invalid-argument.
   */
  pinPort?(networkId: string, endpointId: string, pin: PortPin): Promise<void>;
  /** Removes the endpoint's pin (none: a no-op). */
  unpinPort?(networkId: string, endpointId: string): Promise<void>;
  /** Compares the kernel with the desired state (someone flushed or deleted our table, or Docker appeared). */
  check(): Promise<DriftReport>;
  /**
   * Calls `onChange` soon after each change of the kernel's firewall that is not the backend's own (a burst
   * of them: once), so that the caller checks and repairs at once instead of at its next poll. Optional;
   * undefined when the backend cannot watch (then only polling finds drift). Throws when the watch's
   * socket cannot be opened. The caller closes the watch, before closing the backend.
   */
  watchChanges?(onChange: (change: FirewallChange) => void): FirewallChangeWatch | undefined;
  /** Re-applies everything from the in-memory desired state, whatever the kernel holds now. */
  restore(): Promise<void>;
  /** Stops accepting calls. Rules stay in place (traffic keeps flowing across a daemon restart). */
  close(): Promise<void>;
}
