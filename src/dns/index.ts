// Public surface of the sandbox DNS files: resolv.conf and /etc/hosts contents, and writing them to disk.
export * from "./resolvconf.js";
export * from "./sandbox-resolvconf.js";
export * from "./resolvconf-cache.js";
export * from "./hosts.js";
export * from "./files.js";
// The embedded resolver: wire codec, service records, forwarder and the per-sandbox server.
export * from "./name.js";
export * from "./message.js";
export * from "./reverse.js";
export * from "./records-types.js";
export * from "./records.js";
export * from "./forwarder.js";
export * from "./limits.js";
export * from "./server.js";
export * from "./host-upstreams.js";
