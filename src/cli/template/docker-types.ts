// The Go types the docker CLI (28.x) decodes the API's network answers into. A template runs on that typed
// view first, like docker's, so field names (`{{.ID}}`), struct printing (`{{.IPAM.Config}}` →
// `[{10.0.0.0/24  10.0.0.1 map[]}]`) and `{{json .}}` come out as the docker CLI prints them.

import type { GoField, GoType } from "./values.js";

const STRING: GoType = { kind: "string" };
const BOOL: GoType = { kind: "bool" };
const INT: GoType = { kind: "int" };
const TIME: GoType = { kind: "time" };
const STRING_MAP: GoType = { kind: "map", elem: STRING };

/** A field whose Go name is also its JSON key. */
function f(name: string, type: GoType, omitempty = false): GoField {
  return omitempty ? { name, json: name, type, omitempty } : { name, json: name, type };
}

const IPAM_CONFIG: GoType = {
  kind: "struct", name: "network.IPAMConfig",
  fields: [f("Subnet", STRING, true), f("IPRange", STRING, true), f("Gateway", STRING, true), { name: "AuxAddress", json: "AuxiliaryAddresses", type: STRING_MAP, omitempty: true }],
};

const IPAM: GoType = {
  kind: "struct", name: "network.IPAM",
  fields: [f("Driver", STRING), f("Options", STRING_MAP), f("Config", { kind: "slice", elem: IPAM_CONFIG })],
};

const ENDPOINT_RESOURCE: GoType = {
  kind: "struct", name: "network.EndpointResource",
  fields: [f("Name", STRING), f("EndpointID", STRING), f("MacAddress", STRING), f("IPv4Address", STRING), f("IPv6Address", STRING)],
};

const PEER_INFO: GoType = { kind: "struct", name: "network.PeerInfo", fields: [f("Name", STRING), f("IP", STRING)] };

const TASK: GoType = {
  kind: "struct", name: "network.Task",
  fields: [f("Name", STRING), f("EndpointID", STRING), f("EndpointIP", STRING), f("Info", STRING_MAP)],
};

const SERVICE_INFO: GoType = {
  kind: "struct", name: "network.ServiceInfo",
  fields: [f("VIP", STRING), f("Ports", { kind: "slice", elem: STRING }), f("LocalLBIndex", INT), f("Tasks", { kind: "slice", elem: TASK })],
};

/** github.com/docker/docker/api/types/network.Inspect (API 1.49). */
export const NETWORK_INSPECT: GoType = {
  kind: "struct", name: "network.Inspect",
  fields: [
    f("Name", STRING), { name: "ID", json: "Id", type: STRING }, f("Created", TIME), f("Scope", STRING), f("Driver", STRING),
    f("EnableIPv4", BOOL), f("EnableIPv6", BOOL), f("IPAM", IPAM), f("Internal", BOOL), f("Attachable", BOOL), f("Ingress", BOOL),
    f("ConfigFrom", { kind: "struct", name: "network.ConfigReference", fields: [f("Network", STRING)] }), f("ConfigOnly", BOOL),
    f("Containers", { kind: "map", elem: ENDPOINT_RESOURCE }), f("Options", STRING_MAP), f("Labels", STRING_MAP),
    f("Peers", { kind: "slice", elem: PEER_INFO }, true), f("Services", { kind: "map", elem: SERVICE_INFO }, true),
  ],
};
