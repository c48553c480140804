// Option keys of the macvlan driver, spelled as Docker's (drivers/macvlan).

export const MacvlanLabels = Object.freeze({
  /** The host link (`eth0`, or `eth0.10` for VLAN 10, made when missing). */
  parent: "parent",
  /** bridge (default), private, vepa or passthru. */
  mode: "macvlan_mode",
} as const);
