// Public surface of the firewall layer: the contract, the nftables and none backends, the rule builders.
export * from "./contract.js";
export * from "./validate.js";
export * from "./nft-ast.js";
export * from "./rules.js";
export * from "./drift.js";
export * from "./exec.js";
export * from "./iptables-compat.js";
export * from "./nftables.js";
export type { NetfilterOpener } from "./nfnl-writer.js";
export * from "./none.js";
