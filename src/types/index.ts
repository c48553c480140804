// Public surface of the value types.
export * from "./ip.js";
export * from "./mac.js";
export * from "./ifname.js";
export * from "./random.js";
export * from "./special-ranges.js";
