// Public surface of the dhcp IPAM and the DHCP client drivers use with it.
export * from "./ipam.js";
export * from "./config.js";
export * from "./leases.js";
export * from "./lease-types.js";
export * from "./transport.js";
export { decodeDhcpMessage, encodeDhcpMessage, type DhcpMessage } from "./packet.js";
