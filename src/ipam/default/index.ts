// Public surface of the default IPAM.
export * from "./allocator.js";
export * from "./pools.js";
export * from "./pool-id.js";
export * from "./bitseq.js";
export * from "./bitseq-codec.js";
export type { IpamSnapshot, SpaceSnapshot } from "./snapshot.js";
