// Option keys of the bridge driver, spelled as Docker's (drivers/bridge/labels.go, netlabel).

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
  pinAddresses: "com.dnet.network.bridge.pin_addresses",
} as const);

/** Whether ports are pinned when a network does not say (see docs/security.md for the attach cost). */
export const PIN_ADDRESSES_DEFAULT = true;

export const PORTMAP_KEY = "com.docker.network.portmap";
export const MAC_KEY = "com.docker.network.endpoint.macaddress";

/** IFLA_GROUP of bridges dnet created (a pre-existing bridge keeps its group and is never deleted). */
export const OWNED_BRIDGE_GROUP = 0x646e6574; // "dnet"
/** IFLA_GROUP of host-side veths waiting to be destroyed in one batch, off the request path. */
export const TRASH_GROUP = 0x646e7478; // "dntx"
