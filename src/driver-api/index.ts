// Public surface of the driver contract.
export * from "./contract.js";
export * from "./capabilities.js";
export * from "./dhcp.js";
export * from "./registry.js";
export * from "./single-instance.js";
export * from "./peers.js";
export * from "./port-changes.js";
