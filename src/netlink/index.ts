// Public surface of the netlink layer, for osl/ and the composition root.
export * from "./constants.js";
export * from "./message.js";
export * from "./tlv.js";
export * from "./schema.js";
export * from "./rtnl.js";
export * from "./schemas/rtnetlink-types.js";
export * from "./schemas/rtnetlink-link.js";
export * from "./schemas/rtnetlink-linkinfo.js";
export * from "./schemas/rtnetlink-addr.js";
export * from "./schemas/rtnetlink-route.js";
export * from "./schemas/rtnetlink-neigh.js";
export * from "./schemas/veth.js";
export * from "./schemas/bridge.js";
export * from "./schemas/vxlan.js";
export * from "./schemas/macvlan.js";
export * from "./schemas/ipvlan.js";
export * from "./socket.js";
