// Public surface of the IPAM contract (the conformance suite is imported on its own: it pulls in node:test).
export * from "./contract.js";
export * from "./labels.js";
export * from "./errors.js";
export * from "./registry.js";
