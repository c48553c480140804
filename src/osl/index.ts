// Public surface of the osl layer: namespaces, handles, sysctls, links, addresses, routes, neighbours.
export * from "./namespace.js";
export * from "./handle.js";
export * from "./sysctl.js";
export * from "./link.js";
export * from "./link-create.js";
export * from "./link-create-lan.js";
export * from "./link-groups.js";
export * from "./udp-socket.js";
export * from "./addr.js";
export * from "./route.js";
export * from "./neigh.js";
export type { NetlinkRequest } from "../netlink/index.js";
export * from "./nft-generation.js";
export * from "./link-stats.js";
export * from "./interface.js";
export * from "./link-watch.js";
export * from "./uts.js";
export * from "./port-reservation.js";
