// `libnetwork/driver-api`: what a network driver is written against: the contract, its optional
// abilities and their run-time checks, the value types it speaks, and the typed errors it throws.

export type {
  NetworkDriver, Capability, DataScope, IpamData, CreateNetworkRequest, PortProtocol, PortBinding, EndpointInterface,
  CreateEndpointRequest, CreateEndpointResult, JoinRequest, JoinedInterface, StaticRouteType, StaticRoute, ExtraHost,
  JoinInfo, JoinDns, DhcpNetwork, ExternalConnectivity, ExternalConnectivityRequest, OperationalInfo, DiscoveryType, NodeDiscovery, Discovery, Restorable,
  RestoreEndpoint, RestoreState, Configurable,
} from "./driver-api/index.js";
export { hasDiscovery, hasExternalConnectivity, hasOperationalInfo, isRestorable, isConfigurable } from "./driver-api/index.js";
export type { DriverDeps } from "./libnetwork.js";
export type { IpAddress, IpPrefix, IpFamily } from "./types/index.js";
export { parseIp, parsePrefix, formatIp, formatPrefix, parseMac, formatMac } from "./types/index.js";
export {
  LibnetworkError, isLibnetworkError, invalidArgument, notFound, conflict, forbidden, unavailable, internal,
  notImplemented, timeout, type ErrorKind, type ErrorCode, type KnownCode,
} from "./errors/index.js";
