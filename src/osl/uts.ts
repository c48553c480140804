// UTS namespaces bound to files (`<netnsDir>-uts/<name>`): a sandbox's own hostname and domain name.

import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { LibnetworkError, conflict, internal } from "../errors/index.js";
import { isNativeError, type NativeAddon } from "../native/index.js";
import { validateNetnsName } from "./namespace.js";

/** The UTS directory beside a netns directory: `/run/netns` → `/run/netns-uts`. */
export function utsDirOf(netnsDir: string): string {
  return join(dirname(netnsDir), `${basename(netnsDir)}-uts`);
}

function nativeToError(err: unknown, what: string): LibnetworkError {
  if (isNativeError(err) && err.code === "EEXIST") return conflict("ERR_UTS_EXISTS", `${what}: already exists`, err);
  return internal("ERR_UTS", `${what}: ${err instanceof Error ? err.message : String(err)}`, err);
}

/** Creates, renames and removes UTS namespace files in one directory. Holds no fds. */
export class UtsDirectory {
  readonly dir: string;
  readonly #native: NativeAddon;
  #prepared = false;

  constructor(native: NativeAddon, dir: string) {
    this.#native = native;
    this.dir = dir;
  }

  pathOf(name: string): string {
    return join(this.dir, validateNetnsName(name));
  }

  exists(name: string): boolean {
    return existsSync(this.pathOf(name));
  }

  create(name: string, hostname: string, domainname: string): string {
    const path = this.pathOf(name);
    if (!this.#prepared) {
      mkdirSync(this.dir, { recursive: true, mode: 0o755 });
      this.#prepared = true;
    }
    try {
      this.#native.utsCreate(path, hostname, domainname);
    } catch (err) {
      throw nativeToError(err, `create UTS namespace ${name}`);
    }
    return path;
  }

  setNames(name: string, hostname: string, domainname: string): void {
    try {
      this.#native.utsSetNames(this.pathOf(name), hostname, domainname);
    } catch (err) {
      throw nativeToError(err, `set the hostname of UTS namespace ${name}`);
    }
  }

  /** The names of the UTS namespace files here (none while the directory does not exist). */
  list(): string[] {
    try {
      return readdirSync(this.dir).filter((n) => /^[A-Za-z0-9_.-]{1,200}$/.test(n) && n !== "." && n !== "..");
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") return [];
      throw internal("ERR_UTS", `cannot list ${this.dir}: ${String(err)}`, err);
    }
  }

  /** Detaches the bind mount and removes the file; a missing one is not an error. */
  delete(name: string): void {
    if (!this.exists(name)) return;
    try {
      this.#native.netnsDelete(this.pathOf(name));
    } catch (err) {
      throw nativeToError(err, `delete UTS namespace ${name}`);
    }
  }
}
