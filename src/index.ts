// libnetwork for TypeScript: the public API.
export * from "./libnetwork.js";
export * from "./controller/index.js";
export * from "./errors/index.js";
export type { IpAddress, IpPrefix, IpFamily } from "./types/index.js";
export { parseIp, parsePrefix, formatIp, formatPrefix } from "./types/index.js";
export type { NetworkDriver, Capability, JoinInfo, JoinedInterface, JoinRequest, CreateNetworkRequest, CreateEndpointRequest } from "./driver-api/index.js";
export type { InterfaceStatistics } from "./osl/index.js";
export { PluginError, PluginErrorCodes, isPluginError, DOCKER_PLUGIN_DIRS } from "./plugins/index.js";
export type { PluginClientOptions, PluginDirs, Backoff } from "./plugins/index.js";
