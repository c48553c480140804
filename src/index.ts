// libnetwork for TypeScript: the public API of `import … from "libnetwork"`, named one by one. Driver and
// IPAM authors have their own entry points: `libnetwork/driver-api`, `libnetwork/ipam-api`, `libnetwork/osl`.

export {
  Controller, New, JoinOptionHostname, JoinOptionDomainname, JoinOptionPriority, DEFAULT_DATA_DIR,
  type ControllerOptions, type DriverDeps, type PluginOptions,
} from "./libnetwork.js";
export {
  NetworkController, Network, Endpoint, Sandbox, PORTMAP_KEY, MAC_KEY,
  type CreateNetworkOptions, type IpamConfigInput, type CreateEndpointOptions, type PortBindingInput,
  type CreateSandboxOptions, type SandboxConfigOptions, type RestoreReport, type FirewallCheckOptions,
  type NetworkRecord, type SandboxRecord, type IpamPoolConfig, type IpamPoolInfo, type RecordState, type SandboxEndpointRef, type PortBindingRecord,
  type EndpointInfo, type EndpointPortBinding, type EndpointStaticRoute, type EndpointExtraHost,
  type EndpointDriverInfo, type PortMapEntry, type PortSelector, type PublishedPortBinding, type AddedPorts, type ClusterStore, type ClusterLog,
  type ClusterAttachOptions, type RepairNotice, type RepairListener, type LinkRepairCounts,
} from "./controller/index.js";
export {
  LibnetworkError, NetlinkError, isLibnetworkError, isErrorCode, ERROR_KINDS, ERROR_CODES, ERRNO_CODES,
  type ErrorKind, type ErrorCode, type LibraryErrorCode, type ErrnoCode, type HttpErrorCode, type LibnetworkErrorOptions,
} from "./errors/index.js";
export {
  EtcdStore, openEtcdStore, type EtcdStoreOptions, type EtcdTlsFiles,
  type WatchableStore, type LeasingStore, type Snapshot, type StoreWatch, type WatchEvent, type Ephemeral,
} from "./store/index.js";
export { MemoryStore, type KVStore, type KVEntry, type Revision, type ExpectRevision, type WriteOptions, type TxnOp, type TxnOptions, type TxnResult, type Durability } from "./store/index.js";
export type { AddressPoolConfig } from "./ipam/default/index.js";
export type { HandleCache, NetnsHandle, InterfaceStatistics } from "./osl/index.js";
export type { NetlinkMonitor, NetlinkMonitorOptions, RawMessage } from "./netlink/index.js";
export type { ExtraHost } from "./dns/index.js";
export type { DriftReport, FirewallChange, FirewallChangeWatch } from "./firewall/contract.js";
export type { IpAddress, IpPrefix, IpFamily } from "./types/index.js";
export { parseIp, parsePrefix, formatIp, formatPrefix } from "./types/index.js";
export type {
  NetworkDriver, Capability, JoinInfo, JoinDns, DhcpNetwork, JoinedInterface, JoinRequest, CreateNetworkRequest, CreateEndpointRequest,
  CreateEndpointResult, PortProtocol,
} from "./driver-api/index.js";
export { PluginError, PluginErrorCodes, isPluginError, DOCKER_PLUGIN_DIRS } from "./plugins/index.js";
export type { PluginClientOptions, PluginDirs, Backoff } from "./plugins/index.js";
