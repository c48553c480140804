// `libnetwork/osl`: the kernel operations a driver needs, through the controller's per-namespace netlink
// handles (`DriverDeps.handles`): links (veth with the peer born in the sandbox, bridge, VXLAN, macvlan,
// ipvlan), addresses, routes, neighbours and FDB entries, sysctls, interface counters.

export type { HandleCache, NetnsHandle } from "./osl/index.js";
export {
  createVeth, createBridge, createVxlan, createMacvlan, createIpvlan, getLink, findLink, linkIndex, listLinks, setLink,
  setHairpin, setIsolated, setLinks, deleteLink, deleteLinksByGroup, checkGroup,
  type LinkRef, type Link, type LinkChanges, type CommonLinkSpec, type VethSpec, type VethIndexes, type BridgeSpec,
  type VxlanSpec, type MacvlanSpec, type MacvlanMode, type IpvlanSpec, type IpvlanMode, type IpvlanFlag,
} from "./osl/index.js";
export { addAddress, deleteAddress, listAddresses, type AddressSpec, type Address } from "./osl/index.js";
export {
  addRoute, deleteRoute, listRoutes, type RouteSpec, type Route, type RouteFilter, type RouteType, type RouteTypeName,
  type RouteScope,
} from "./osl/index.js";
export {
  addNeighbour, deleteNeighbour, listNeighbours, addFdb, deleteFdb, listFdb, type NeighbourSpec, type Neighbour,
  type NeighbourState, type FdbSpec, type FdbEntry,
} from "./osl/index.js";
export { linkStatistics, type InterfaceStatistics } from "./osl/index.js";
