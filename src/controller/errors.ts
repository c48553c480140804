// The controller's errors, with Docker's messages (libnetwork error.go, endpoint.go, sandbox.go).

import {
  conflict, forbidden, invalidArgument, notFound, type LibnetworkError,
} from "../errors/index.js";

export const errInvalidName = (name: string): LibnetworkError =>
  invalidArgument("ERR_INVALID_NAME", `invalid name: ${JSON.stringify(name)}`);
export const errNetworkNotFound = (ref: string): LibnetworkError =>
  notFound("ERR_NETWORK_NOT_FOUND", `network ${ref} not found`);
export const errNetworkExists = (name: string): LibnetworkError =>
  conflict("ERR_NETWORK_EXISTS", `network with name ${name} already exists`);
export const errActiveEndpoints = (name: string, id: string): LibnetworkError =>
  forbidden("ERR_NETWORK_ACTIVE_ENDPOINTS", `network ${name} id ${id} has active endpoints`);
/** Docker 20.10 silently ignored such a subnet and gave the network an IPv4 pool only: refused instead. */
export const errPredefinedNetwork = (name: string): LibnetworkError =>
  forbidden("ERR_NETWORK_PREDEFINED", `${name} is a pre-defined network and cannot be removed`);
export const errUnknownDriver = (name: string): LibnetworkError =>
  notFound("ERR_DRIVER_NOT_FOUND", `could not find plugin ${name} in v1 plugin registry: plugin not found (unknown driver ${JSON.stringify(name)})`);
export const errUnknownIpam = (name: string): LibnetworkError =>
  notFound("ERR_IPAM_DRIVER_NOT_FOUND", `could not find an IPAM driver named ${JSON.stringify(name)}`);
export const errEndpointNotFound = (ref: string): LibnetworkError =>
  notFound("ERR_ENDPOINT_NOT_FOUND", `endpoint ${ref} not found`);
export const errEndpointExists = (name: string, network: string): LibnetworkError =>
  conflict("ERR_ENDPOINT_EXISTS", `endpoint with name ${name} already exists in network ${network}`);
export const errEndpointJoined = (): LibnetworkError =>
  forbidden("ERR_ENDPOINT_JOINED", "another container is attached to the same network endpoint");
export const errEndpointActive = (name: string, id: string): LibnetworkError =>
  forbidden("ERR_ENDPOINT_ACTIVE", `endpoint with name ${name} id ${id} has active containers`);
export const errNotJoined = (): LibnetworkError =>
  forbidden("ERR_ENDPOINT_NOT_JOINED", "cannot leave endpoint with no attached sandbox");
export const errWrongSandbox = (expected: string, got: string): LibnetworkError =>
  forbidden("ERR_ENDPOINT_WRONG_SANDBOX", `unexpected sandbox ID in leave request. Expected ${expected}. Got ${got}`);
export const errSandboxNotFound = (ref: string): LibnetworkError =>
  notFound("ERR_SANDBOX_NOT_FOUND", `sandbox ${ref} not found`);
export const errContainerHasSandbox = (containerId: string, sandboxId: string): LibnetworkError =>
  conflict("ERR_SANDBOX_EXISTS", `container ${containerId} is already present in sandbox ${sandboxId}`);
export const errSandboxNameTaken = (name: string): LibnetworkError =>
  conflict("ERR_SANDBOX_EXISTS", `sandbox with name ${name} already exists`);
export const errSandboxDeleting = (id: string): LibnetworkError =>
  forbidden("ERR_SANDBOX_DELETING", `sandbox ${id} is being deleted`);
export const errInvalidContainerId = (): LibnetworkError =>
  invalidArgument("ERR_INVALID_CONTAINER_ID", "invalid container ID");
export const errInvalidOption = (key: string, value: string, why: string): LibnetworkError =>
  invalidArgument("ERR_INVALID_OPTION", `failed to parse ${key} value: ${value} (${why})`);
export const errClosed = (): LibnetworkError =>
  forbidden("ERR_CONTROLLER_CLOSED", "the controller is closed");
