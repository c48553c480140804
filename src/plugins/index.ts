// Public surface of the plugin layer: Docker plugin discovery, the client (remote drivers and IPAMs)
// and the server (dnet's drivers and IPAM served to dockerd).
export * from "./errors.js";
export * from "./names.js";
export * from "./discovery.js";
export * from "./transport.js";
export * from "./client.js";
export * from "./remote-driver.js";
export * from "./remote-ipam.js";
export * from "./loader.js";
export * from "./served-state.js";
export * from "./serve-network.js";
export * from "./serve-ipam.js";
export * from "./server.js";
