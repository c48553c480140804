// Public surface of the null IPAM.
export * from "./null-ipam.js";
