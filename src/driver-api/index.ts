// Public surface of the driver contract.
export * from "./contract.js";
export * from "./dhcp.js";
export * from "./registry.js";
export * from "./single-instance.js";
export * from "./peers.js";
