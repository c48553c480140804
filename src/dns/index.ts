// Public surface of the sandbox DNS files: resolv.conf and /etc/hosts contents, and writing them to disk.
export * from "./resolvconf.js";
export * from "./sandbox-resolvconf.js";
export * from "./hosts.js";
export * from "./files.js";
