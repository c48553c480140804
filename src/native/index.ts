// Public surface of the native facade.
export * from "./addon.js";
