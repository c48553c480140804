// Option and operational-info keys the macvlan and ipvlan drivers share (Docker's spelling where Docker has one).

export const LanLabels = Object.freeze({
  /** The host link the network's sandboxes sit on (`-o parent=eth0`, `eth0.10` for a VLAN). */
  parent: "parent",
} as const);

/** endpoint.driverInfo(): the endpoint's MAC, as Docker's drivers report it. */
export const MAC_KEY = "com.docker.network.endpoint.macaddress";
/** endpoint.driverInfo(): the DHCP lease of an endpoint on a dhcp network (address, server, state …). */
export const DHCP_LEASE_KEY = "dnet.dhcp.lease";
