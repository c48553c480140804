// Public surface of the CNM core.
export { NetworkController, type ControllerDeps } from "./controller.js";
export { Network, Endpoint, Sandbox, PORTMAP_KEY, MAC_KEY } from "./objects.js";
export type { CreateNetworkOptions } from "./network-create.js";
export type { CreateEndpointOptions, PortBindingInput } from "./endpoint-options.js";
export type { CreateSandboxOptions, SandboxConfigOptions } from "./sandbox-create.js";
export type { IpamConfigInput } from "./network-ipam.js";
export type { NetworkRecord, EndpointRecord, SandboxRecord } from "./records.js";
export type { RestoreReport } from "./restore.js";
export { envFaultHook, type FaultHook } from "./steps.js";
export type { EmbeddedDns } from "./context.js";
export type { RepairNotice, RepairListener } from "./link-repair.js";
