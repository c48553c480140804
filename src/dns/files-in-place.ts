// Writing the sandbox DNS files in place, without fsync (the attach hot path), and remembering what was
// written (WrittenFiles, one per owner) so that the next join need not read it back.

import {
  chmodSync, closeSync, constants, fchmodSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, statSync,
  unlinkSync, writeSync, type BigIntStats,
} from "node:fs";
import { dirname } from "node:path";
import { forbidden, internal, type LibnetworkError } from "../errors/index.js";

export const FILE_MODE = 0o644;
export const DIR_MODE = 0o755;

export function fsError(what: string, err: unknown): LibnetworkError {
  const code = (err as NodeJS.ErrnoException).code;
  const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return forbidden("ERR_DNS_FILES_FORBIDDEN", message, err);
  return internal("ERR_DNS_FILES", message, err);
}

export function readIfExistsSync(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fsError(`cannot read ${path}`, err);
  }
}

/**
 * The same without fsync, with synchronous calls (each async call would be a round trip through libuv's
 * thread pool), and in place rather than by rename, for two reasons:
 * - a process started by `ip netns exec` has these files bind-mounted over /etc; a rename gives the path
 *   a new inode and leaves that process reading the old file forever (Docker rewrites in place for the
 *   same reason);
 * - on ext4 a rename over an existing file forces the new file's blocks out (auto_da_alloc): ~1 ms per
 *   rename, the bulk of a join and of a leave. A truncation to zero does the same, so the new content is
 *   written first, padded with newlines over any longer old content, and only then trimmed: a reader sees
 *   the old file, or the whole new one (perhaps followed by blank lines).
 */
export function writeInPlace(path: string, content: string, written?: WrittenFiles): void {
  let fd: number | undefined;
  written?.forget(path);
  try {
    fd = openInPlace(path);
    const data = Buffer.from(content, "utf8");
    const { size: oldSize, mode } = fstatSync(fd);
    const padded = oldSize > data.length ? Buffer.concat([data, Buffer.alloc(oldSize - data.length, 0x0a)]) : data;
    writeSync(fd, padded, 0, padded.length, 0);
    if (padded.length !== data.length) ftruncateSync(fd, data.length);
    // The umask may have narrowed a new file; the sandbox's processes must read it.
    if ((mode & 0o777) !== FILE_MODE) fchmodSync(fd, FILE_MODE);
    written?.remember(path, content, stampOf(fstatSync(fd, { bigint: true })));
  } catch (err) {
    throw fsError(`cannot write ${path}`, err);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Opens for writing, creating the file, and its directory when missing (the first write of a sandbox).
 * A symlink put in the file's place is replaced by a file, never written through.
 */
function openInPlace(path: string): number {
  const open = (): number => openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, FILE_MODE);
  try {
    return open();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP") {
      unlinkSync(path);
      return open();
    }
    if (code !== "ENOENT") throw err;
    mkdirSync(dirname(path), { recursive: true, mode: DIR_MODE });
    chmodSync(dirname(path), DIR_MODE); // whatever the umask
    return open();
  }
}

/**
 * What identifies one version of a file without reading it (device, inode, size, mtime and ctime in ns;
 * ctime too: an edit that restores the old mtime, as `touch -r` or `cp -p` do, still moves it).
 */
function stampOf(s: BigIntStats): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

/** The stamp of the file at `path` now, or undefined when there is none. */
export function fileStamp(path: string): string | undefined {
  const s = statSync(path, { bigint: true, throwIfNoEntry: false });
  return s === undefined ? undefined : stampOf(s);
}

/**
 * What writeInPlace(…, written) last wrote at each path, with the file's identity right after: while the
 * identity is unchanged, that is still the file's content (every join and leave rewrites its sandbox's
 * resolv.conf, and reading it back with its hash cost ~0.04 ms of each). Owned by whoever writes the files
 * (a controller's DnsFilesCache): never shared between two controllers.
 */
export class WrittenFiles {
  readonly #byPath = new Map<string, { readonly content: string; readonly stamp: string }>();

  /** The content written at `path`, when nobody has touched the file since; else undefined (and forgotten). */
  recall(path: string): string | undefined {
    const known = this.#byPath.get(path);
    if (known === undefined) return undefined;
    if (fileStamp(path) === known.stamp) return known.content;
    this.#byPath.delete(path);
    return undefined;
  }

  /** `stamp`: the file's identity right after `content` was written (see stampOf). */
  remember(path: string, content: string, stamp: string): void {
    this.#byPath.set(path, { content, stamp });
  }

  forget(path: string): void {
    this.#byPath.delete(path);
  }
}
