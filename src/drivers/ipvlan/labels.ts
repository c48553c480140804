// Option keys of the ipvlan driver, spelled as Docker's (drivers/ipvlan).

export const IpvlanLabels = Object.freeze({
  /** The host link (`eth0`, or `eth0.10` for VLAN 10, made when missing). */
  parent: "parent",
  /** l2 (default), l3 or l3s. */
  mode: "ipvlan_mode",
  /** bridge (default), private or vepa. */
  flag: "ipvlan_flag",
} as const);
