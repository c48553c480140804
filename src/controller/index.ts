// Public surface of the CNM core.
export { NetworkController, type ControllerDeps, type FirewallCheckOptions } from "./controller.js";
export { Network, Endpoint, Sandbox, PORTMAP_KEY, MAC_KEY } from "./objects.js";
export { DEFAULT_BRIDGE_NETWORK } from "./default-bridge.js";
export { sandboxPortBindings } from "./gateway.js";
export { GATEWAY_SERVICE_NETWORK } from "./gateway-network.js";
export type { CreateNetworkOptions } from "./network-create.js";
export type { CreateEndpointOptions, PortBindingInput } from "./endpoint-options.js";
export type { CreateSandboxOptions, SandboxConfigOptions } from "./sandbox-create.js";
export type { IpamConfigInput } from "./network-ipam.js";
export type {
  NetworkRecord, EndpointRecord, SandboxRecord, IpamPoolConfig, IpamPoolInfo, RecordState, SandboxEndpointRef, PortBindingRecord,
  AddedPortRecord,
} from "./records.js";
export type { RestoreReport } from "./restore.js";
export type { AddedPorts, PortSelector, PublishedPortBinding } from "./sandbox-ports.js";
export { envFaultHook, type FaultHook } from "./steps.js";
export type { EmbeddedDns } from "./context.js";
export type { LinkRepairCounts, RepairNotice, RepairListener } from "./link-repair.js";
export type {
  EndpointInfo, EndpointPortBinding, EndpointStaticRoute, EndpointExtraHost, EndpointDriverInfo, PortMapEntry,
} from "./endpoint-info.js";
export type { ClusterStore } from "./cluster-agent.js";
export type { ClusterLog } from "./cluster-sync.js";
export type { ClusterAttachOptions } from "./cluster-attach.js";
