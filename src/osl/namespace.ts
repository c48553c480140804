// Network namespaces bound to files (`/run/netns/<name>` by default): create, open, delete, bulk delete.

import { closeSync, existsSync, openSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { LibnetworkError, conflict, internal, invalidArgument, notFound } from "../errors/index.js";
import { isNativeError, type NativeAddon } from "../native/index.js";

export const DEFAULT_NETNS_DIR = "/run/netns";

/** Names become file names under the netns directory (and `ip netns` names), so keep them plain. */
export function validateNetnsName(name: string): string {
  if (!/^[A-Za-z0-9_.-]{1,200}$/.test(name) || name === "." || name === "..") {
    throw invalidArgument(
      "ERR_INVALID_NETNS_NAME",
      `invalid network namespace name ${JSON.stringify(name)}: use 1-200 letters, digits, '.', '_' or '-'`,
    );
  }
  return name;
}

function nativeToError(err: unknown, what: string): LibnetworkError {
  if (!isNativeError(err)) return internal("ERR_NETNS", `${what}: ${String(err)}`, err);
  if (err.code === "EEXIST") return conflict("ERR_NETNS_EXISTS", `${what}: already exists`, err);
  if (err.code === "ENOENT") return notFound("ERR_NETNS_NOT_FOUND", `${what}: no such namespace`, err);
  return internal("ERR_NETNS", `${what}: ${err.message}`, err);
}

/** Creates and removes namespace files in one directory. Holds no fds. */
export class NetnsDirectory {
  readonly dir: string;
  readonly #native: NativeAddon;
  #prepared = false;

  constructor(native: NativeAddon, dir: string = DEFAULT_NETNS_DIR) {
    this.#native = native;
    this.dir = dir;
  }

  pathOf(name: string): string {
    return join(this.dir, validateNetnsName(name));
  }

  exists(name: string): boolean {
    return existsSync(this.pathOf(name));
  }

  /** The names of every namespace file in the directory (none when it does not exist yet). */
  list(): string[] {
    try {
      return readdirSync(this.dir).filter((n) => /^[A-Za-z0-9_.-]{1,200}$/.test(n) && n !== "." && n !== "..");
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") return [];
      throw internal("ERR_NETNS", `cannot list ${this.dir}: ${String(err)}`, err);
    }
  }

  /** Creates a new, empty netns (only `lo`, down) at `<dir>/<name>`; returns its path. */
  create(name: string): string {
    const path = this.pathOf(name);
    this.#prepare();
    try {
      this.#native.netnsCreate(path);
    } catch (err) {
      throw nativeToError(err, `create network namespace ${name}`);
    }
    return path;
  }

  /**
   * Gives an existing netns (a process's `/proc/<pid>/ns/net`, another netns file) a name here by
   * bind-mounting it; deleting that name later leaves the netns itself to its other users.
   */
  adopt(name: string, source: string): string {
    const path = this.pathOf(name);
    this.#prepare();
    try {
      this.#native.netnsAdopt(source, path);
    } catch (err) {
      throw nativeToError(err, `adopt network namespace ${source} as ${name}`);
    }
    return path;
  }

  #prepare(): void {
    if (this.#prepared) return;
    try { this.#native.netnsPrepareDir(this.dir); } catch (err) { throw nativeToError(err, `prepare ${this.dir}`); }
    this.#prepared = true;
  }

  /** Deletes the namespace file; the kernel destroys the netns (and its links) when its last user goes. */
  delete(name: string): void {
    deleteNetnsPath(this.#native, this.pathOf(name));
  }

  /** Deletes several namespaces, trying every one; reports all failures together. */
  deleteMany(names: readonly string[]): void {
    const errors: unknown[] = [];
    for (const name of names) {
      try { this.delete(name); } catch (err) { errors.push(err); }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} namespaces could not be deleted`);
  }
}

export function deleteNetnsPath(native: NativeAddon, path: string): void {
  try {
    native.netnsDelete(path);
  } catch (err) {
    throw nativeToError(err, `delete network namespace ${path}`);
  }
}

/** Opens a netns file (or /proc/<pid>/ns/net) read-only; the fd is what setns and IFLA_NET_NS_FD take. */
export function openNetnsFd(path: string): number {
  try {
    return openSync(path, "r");
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOENT") throw notFound("ERR_NETNS_NOT_FOUND", `network namespace ${path} does not exist`, err);
    throw internal("ERR_NETNS", `cannot open network namespace ${path}: ${String(err)}`, err);
  }
}

export function closeFd(fd: number): void {
  closeSync(fd);
}
