// libnetwork for TypeScript: the public API.
export * from "./libnetwork.js";
export * from "./controller/index.js";
export * from "./errors/index.js";
export type { IpAddress, IpPrefix, IpFamily } from "./types/index.js";
export { parseIp, parsePrefix, formatIp, formatPrefix } from "./types/index.js";
export type { NetworkDriver, Capability, JoinInfo, JoinedInterface, JoinRequest, CreateNetworkRequest, CreateEndpointRequest } from "./driver-api/index.js";
export type { InterfaceStatistics } from "./osl/index.js";
