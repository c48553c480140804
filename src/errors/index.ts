// Public surface of the error taxonomy.
export * from "./errors.js";
export * from "./netlink-error.js";
export * from "./codes.js";
