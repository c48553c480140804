// Option keys and driver names of the IPAM contract, spelled exactly as Docker's ipamapi/netlabel do.

/** Keys that may appear in `requestAddress` / `requestPool` options and in pool metadata. */
export const IpamLabels = Object.freeze({
  /** `"true"` switches address allocation from first-free to next-after-last (wrapping). */
  serial: "com.docker.network.ipam.serial",
  /** Set to `IpamLabels.gateway` when the controller requests a network's gateway. */
  requestAddressType: "RequestAddressType",
  /** Pool metadata: the gateway an IPAM chose itself (`ip/len`); as request type: "this is the gateway". */
  gateway: "com.docker.network.gateway",
  /** Sent with endpoint address requests when the IPAM `requiresMacAddress`. */
  macAddress: "com.docker.network.endpoint.macaddress",
} as const);

/** Names under which the built-in IPAMs register (`--ipam-driver`). */
export const IpamDriverNames = Object.freeze({
  default: "default",
  null: "null",
  dhcp: "dhcp",
} as const);
