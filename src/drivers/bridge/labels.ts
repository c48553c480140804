// Option keys of the bridge driver, spelled as Docker's (drivers/bridge/labels.go, netlabel).

import { DNET_OWNED_GROUP, DNET_TRASH_GROUP } from "../../osl/index.js";

export const BridgeLabels = Object.freeze({
  name: "com.docker.network.bridge.name",
  enableIcc: "com.docker.network.bridge.enable_icc",
  enableIpMasquerade: "com.docker.network.bridge.enable_ip_masquerade",
  hostBindingIpv4: "com.docker.network.bridge.host_binding_ipv4",
  inhibitIpv4: "com.docker.network.bridge.inhibit_ipv4",
  defaultBridge: "com.docker.network.bridge.default_bridge",
  mtu: "com.docker.network.driver.mtu",
  containerIfacePrefix: "com.docker.network.container_iface_prefix",
  hostIpv4: "com.docker.network.host_ipv4",
  /** dnet's own: pin each endpoint's bridge port to its MAC and addresses (anti-spoofing; docs/security.md). */
  pinPorts: "dnet.bridge.pin_ports",
  /** dnet's own: endpoints per bridge before the network adds a port bridge (docs/networks.md, "Large networks"). */
  portsPerBridge: "dnet.bridge.ports_per_bridge",
} as const);

/**
 * Ports are not pinned unless a network asks: pinning adds 0.42–0.53 ms to a ~1.4 ms attach (bench/pair.ts
 * --pin; docs/security.md), and Docker's bridge does not pin either.
 */
export const PIN_PORTS_DEFAULT = false;

/**
 * Every port added to a bridge costs in proportion to the ports already there (the kernel's br_add_if
 * walks them) and a bridge holds at most 1,024: past this many endpoints, a network's endpoints go on port
 * bridges behind its bridge (port-bridges.ts). Chosen with bench/scale.ts (see docs/networks.md).
 */
export const PORTS_PER_BRIDGE_DEFAULT = 256;
export const PORTS_PER_BRIDGE_MAX = 1000;

export const PORTMAP_KEY = "com.docker.network.portmap";
export const MAC_KEY = "com.docker.network.endpoint.macaddress";

/** IFLA_GROUP of bridges dnet created (a pre-existing bridge keeps its group and is never deleted). */
export const OWNED_BRIDGE_GROUP = DNET_OWNED_GROUP;
/** IFLA_GROUP of host-side veths waiting to be destroyed in one batch, off the request path. */
export const TRASH_GROUP = DNET_TRASH_GROUP;
