// The sandbox DNS files on disk: `<etcNetnsDir>/<sandbox>/{resolv.conf,hosts}`, plus the hash, and what
// their writer remembers of them between joins (DnsFilesCache).

import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, open, readdir, readFile, rename, rmdir, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { invalidArgument } from "../errors/index.js";
import { remembered } from "./memo.js";
import { DIR_MODE, FILE_MODE, fsError, readIfExistsSync, writeInPlace, WrittenFiles } from "./files-in-place.js";

/** iproute2's `ip netns exec NAME` bind-mounts every file of `/etc/netns/NAME/` over `/etc/`. */
export const DEFAULT_ETC_NETNS_DIR = "/etc/netns";
// The hash file name must leave room for ".<name>.resolv.conf.hash" within NAME_MAX (255).
const MAX_SANDBOX_NAME_BYTES = 200;

export interface SandboxDnsPaths {
  readonly dir: string;
  readonly resolvConf: string;
  readonly hosts: string;
  /**
   * Docker's `resolv.conf.hash` (`sha256:<hex>` of what we last wrote). It lives beside the directory
   * (`<etcNetnsDir>/.<sandbox>.resolv.conf.hash`), not in it: `ip netns exec` bind-mounts every file in
   * the directory onto /etc and prints "Bind … failed" for each one /etc lacks.
   */
  readonly resolvConfHash: string;
}

export interface SandboxDnsFiles {
  readonly resolvConf?: string;
  readonly hosts?: string;
}

export interface WriteSandboxDnsOptions {
  /** Leave resolv.conf alone when the user edited it since we last wrote it (Docker's updateDNS). */
  readonly keepUserEdits?: boolean;
  /**
   * fsync the files and their directory, replacing them by rename (default true). The controller passes
   * false: the files are derived from its records and rewritten at every start, so they are rewritten in
   * place without fsync (see writeInPlace), which also keeps them visible through existing bind mounts.
   */
  readonly durable?: boolean;
  /** What the writer remembers between calls (the controller's); without one, every call reads and hashes anew. */
  readonly cache?: DnsFilesCache;
}

export interface WriteSandboxDnsResult {
  readonly resolvConfWritten: boolean;
  readonly hostsWritten: boolean;
}

/** A sandbox name becomes a directory name (and an `ip netns` name), so it must be one path component. */
export function validateSandboxName(name: string): string {
  const bad = (why: string): never => {
    throw invalidArgument("ERR_INVALID_SANDBOX_NAME", `invalid sandbox name ${JSON.stringify(name)}: ${why}`);
  };
  if (name === "") bad("it is empty");
  if (name === "." || name === "..") bad("it is a path component");
  if (name.includes("/")) bad("it contains '/'");
  if (/[\x00-\x1f\x7f]/.test(name)) bad("it contains control characters");
  if (Buffer.byteLength(name, "utf8") > MAX_SANDBOX_NAME_BYTES) bad(`it is longer than ${MAX_SANDBOX_NAME_BYTES} bytes`);
  return name;
}

/** The paths of one sandbox's DNS files under a directory such as `/etc/netns/<sandbox>`. */
export function dnsPathsOfDir(dir: string): SandboxDnsPaths {
  return Object.freeze({
    dir,
    resolvConf: join(dir, "resolv.conf"),
    hosts: join(dir, "hosts"),
    resolvConfHash: join(dirname(dir), `.${basename(dir)}.resolv.conf.hash`),
  });
}

export function sandboxDnsPaths(sandboxName: string, etcNetnsDir: string = DEFAULT_ETC_NETNS_DIR): SandboxDnsPaths {
  return dnsPathsOfDir(join(etcNetnsDir, validateSandboxName(sandboxName)));
}

/** Docker's ioutils.HashData format. */
export function contentHash(content: string): string {
  return `sha256:${createHash("sha256").update(content, "utf8").digest("hex")}`;
}

/**
 * What one writer of sandbox DNS files (a controller) remembers between joins and leaves, which ask for the
 * same few answers over and over: the paths of a sandbox and the hashes of the two or three resolv.conf
 * variants in use (~0.05 ms per join, from the bridge bench's CPU profile), and what it last wrote (see
 * WrittenFiles). Each controller makes its own: two in one process share nothing.
 */
export class DnsFilesCache {
  readonly written = new WrittenFiles();
  readonly #paths = new Map<string, SandboxDnsPaths>();
  readonly #hashes = new Map<string, string>();

  /** sandboxDnsPaths, remembered. */
  paths(sandboxName: string, etcNetnsDir: string = DEFAULT_ETC_NETNS_DIR): SandboxDnsPaths {
    return remembered(this.#paths, `${etcNetnsDir}\0${sandboxName}`, () => sandboxDnsPaths(sandboxName, etcNetnsDir));
  }

  /** contentHash, remembered. */
  hash(content: string): string {
    return remembered(this.#hashes, content, () => contentHash(content));
  }
}

function hashOf(content: string, cache: DnsFilesCache | undefined): string {
  return cache === undefined ? contentHash(content) : cache.hash(content);
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fsError(`cannot read ${path}`, err);
  }
}

function tempPrefix(path: string): string {
  return `.${basename(path)}.dnet-`;
}

/** Write to a temp file in the same directory, fsync, rename: readers see the old or the new file, whole. */
async function writeAtomic(path: string, content: string, durable: boolean): Promise<void> {
  if (!durable) {
    writeInPlace(path, content);
    return;
  }
  const tmp = join(dirname(path), `${tempPrefix(path)}${randomBytes(6).toString("hex")}.tmp`);
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(tmp, "wx", FILE_MODE);
    await fh.writeFile(content, "utf8");
    await fh.chmod(FILE_MODE); // the umask may have narrowed it; the sandbox's processes must read it
    if (durable) await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw fsError(`cannot write ${path}`, err);
  }
}

/** Makes the renames themselves durable. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r").catch((err: unknown) => { throw fsError(`cannot open ${dir}`, err); });
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * True when resolv.conf no longer has the content we last wrote (Docker's hash check). A missing file
 * or a missing hash counts as not edited: there is nothing of the user's to keep.
 */
export async function wasEditedByUser(dir: string): Promise<boolean> {
  const paths = dnsPathsOfDir(dir);
  const [current, hash] = await Promise.all([readIfExists(paths.resolvConf), readIfExists(paths.resolvConfHash)]);
  return current !== undefined && editedByUser(current, hash);
}

async function shouldWriteResolvConf(paths: SandboxDnsPaths, content: string, keepUserEdits: boolean): Promise<boolean> {
  if (!keepUserEdits) return true;
  // Same content: (re)write, which also repairs a hash lost to a crash between the two renames.
  if ((await readIfExists(paths.resolvConf)) === content) return true;
  return !(await wasEditedByUser(paths.dir));
}

/**
 * `writeSandboxDnsFiles` without fsync, all synchronous and in place (see writeInPlace): the attach hot
 * path. A resolv.conf that already has the content is left alone (joins and leaves seldom change it).
 */
function writeFast(paths: SandboxDnsPaths, files: SandboxDnsFiles, keepUserEdits: boolean, cache?: DnsFilesCache): WriteSandboxDnsResult {
  let resolvConfWritten = false;
  if (files.resolvConf !== undefined) {
    const ours = cache?.written.recall(paths.resolvConf);
    const current = ours ?? readIfExistsSync(paths.resolvConf);
    // Untouched since this process wrote it (ours): not the user's, and the hash beside it is ours too.
    const keep = (): boolean => keepUserEdits && ours === undefined && current !== undefined &&
      editedByUser(current, readIfExistsSync(paths.resolvConfHash), cache);
    if (current !== files.resolvConf && !keep()) {
      writeInPlace(paths.resolvConf, files.resolvConf, cache?.written);
      writeInPlace(paths.resolvConfHash, hashOf(files.resolvConf, cache));
      resolvConfWritten = true;
    }
  }
  if (files.hosts !== undefined) writeInPlace(paths.hosts, files.hosts);
  return { resolvConfWritten, hostsWritten: files.hosts !== undefined };
}

function editedByUser(current: string, hash: string | undefined, cache?: DnsFilesCache): boolean {
  return hash !== undefined && hash.trim() !== hashOf(current, cache);
}

/** Creates the directory (0755) and writes the given files atomically; resolv.conf also gets its hash. */
export async function writeSandboxDnsFiles(
  paths: SandboxDnsPaths,
  files: SandboxDnsFiles,
  options: WriteSandboxDnsOptions = {},
): Promise<WriteSandboxDnsResult> {
  if (options.durable === false) return writeFast(paths, files, options.keepUserEdits ?? false, options.cache);
  try {
    await mkdir(paths.dir, { recursive: true, mode: DIR_MODE });
    await chmod(paths.dir, DIR_MODE);
  } catch (err) {
    throw fsError(`cannot create ${paths.dir}`, err);
  }
  const durable = options.durable ?? true;
  let resolvConfWritten = false;
  if (files.resolvConf !== undefined && await shouldWriteResolvConf(paths, files.resolvConf, options.keepUserEdits ?? false)) {
    await writeAtomic(paths.resolvConf, files.resolvConf, durable);
    await writeAtomic(paths.resolvConfHash, hashOf(files.resolvConf, options.cache), durable);
    resolvConfWritten = true;
  }
  if (files.hosts !== undefined) await writeAtomic(paths.hosts, files.hosts, durable);
  if (durable) await syncDir(paths.dir);
  if (durable && resolvConfWritten) await syncDir(dirname(paths.resolvConfHash));
  return { resolvConfWritten, hostsWritten: files.hosts !== undefined };
}

async function unlinkIfExists(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw fsError(`cannot remove ${path}`, err);
  }
}

/** Our temp files left in `dir` by a crash in the middle of writeAtomic. */
async function leftoverTemps(dir: string, targets: readonly string[]): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw fsError(`cannot list ${dir}`, err);
  }
  const prefixes = targets.map(tempPrefix);
  return names.filter((n) => n.endsWith(".tmp") && prefixes.some((p) => n.startsWith(p))).map((n) => join(dir, n));
}

/**
 * Removes the files we write and then the directory; already-gone is fine. Best-effort: tries every
 * file and reports all failures. Files someone else put in the directory are left, and so is the
 * directory then: returns whether it is gone. `cache` (the writer's) forgets what it wrote there.
 */
export async function removeSandboxDnsFiles(paths: SandboxDnsPaths, cache?: DnsFilesCache): Promise<boolean> {
  const errors: unknown[] = [];
  const temps = await Promise.all([
    leftoverTemps(paths.dir, [paths.resolvConf, paths.hosts]),
    leftoverTemps(dirname(paths.resolvConfHash), [paths.resolvConfHash]),
  ]).catch((err: unknown) => { errors.push(err); return []; });
  cache?.written.forget(paths.resolvConf);
  for (const p of [paths.resolvConf, paths.hosts, paths.resolvConfHash, ...temps.flat()]) {
    await unlinkIfExists(p).catch((err: unknown) => errors.push(err));
  }
  let gone = false;
  try {
    await rmdir(paths.dir);
    gone = true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") gone = true;
    else if (code !== "ENOTEMPTY" && code !== "EEXIST") errors.push(fsError(`cannot remove ${paths.dir}`, err));
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `removing the DNS files of ${paths.dir} failed ${errors.length} times`);
  return gone;
}
