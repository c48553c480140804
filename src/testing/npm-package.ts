// For the package test: `npm pack` from a clean copy of the repository (the files git has, as a fresh
// clone would), and a fresh project that installs the tarball with no network, its dependencies taken
// from npm's cache by the integrity the repository's lockfile records.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The environment for a child npm: none of the npm_* variables of an `npm test` around us. */
export function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")));
}

export function npm(cwd: string, args: readonly string[]): string {
  return execFileSync("npm", [...args], { cwd, env: npmEnv(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
}

export interface Packed {
  readonly tarball: string;
  /** Paths inside the package, e.g. `dist/src/index.js`. */
  readonly files: readonly string[];
  readonly size: number;
}

/** Copies what git tracks (and untracked files it does not ignore) into `dir`, with the repo's node_modules linked. */
export function cleanCopy(repo: string, dir: string): void {
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repo, encoding: "utf8" });
  for (const file of listed.split("\0").filter((f) => f !== "")) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      cpSync(join(repo, file), join(dir, file));
    } catch (err) {
      // A file deleted in the work tree but not yet in the index.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
}

/** `npm pack` in `dir` (its prepack builds dist/ and the prebuild) into `dest`. */
export function pack(dir: string, dest: string): Packed {
  const out = npm(dir, ["pack", "--json", "--pack-destination", dest]);
  const report = JSON.parse(out.slice(out.indexOf("["))) as Array<{ filename: string; size: number; files: Array<{ path: string }> }>;
  const first = report[0];
  if (first === undefined) throw new Error(`npm pack reported nothing: ${out}`);
  return { tarball: join(dest, first.filename), files: first.files.map((f) => f.path), size: first.size };
}

interface LockEntry {
  readonly version: string;
  readonly resolved?: string;
  readonly integrity?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly [key: string]: unknown;
}

/** Where `name` resolves from the lockfile location `from` (node_modules/a/node_modules/b …), as Node would find it. */
function resolveIn(packages: Readonly<Record<string, LockEntry>>, from: string, name: string): string {
  for (let at = from; ; at = at.includes("/node_modules/") ? at.slice(0, at.lastIndexOf("/node_modules/")) : "") {
    const location = `${at === "" ? "" : `${at}/`}node_modules/${name}`;
    if (packages[location] !== undefined) return location;
    if (at === "") throw new Error(`package-lock.json: ${name} (needed by ${from || "the root"}) is missing`);
  }
}

/**
 * The lockfile entries of the package's runtime dependencies, closed over their own, each with the
 * registry URL of its tarball: with the URL and the integrity npm reads the tarball from its cache and
 * asks for no packument (it caches abbreviated ones at `npm ci`, but wants full ones to resolve anew).
 */
function runtimeLock(repo: string, registry: string): Record<string, LockEntry> {
  const lock = JSON.parse(readFileSync(join(repo, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  const out: Record<string, LockEntry> = {};
  const add = (location: string): void => {
    if (out[location] !== undefined) return;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = lock.packages[location] as LockEntry;
    const name = location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length);
    const resolved = entry.resolved ?? `${registry.replace(/\/?$/, "/")}${name}/-/${name.split("/").pop() ?? name}-${entry.version}.tgz`;
    out[location] = { ...entry, resolved };
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) add(resolveIn(lock.packages, location, dep));
  };
  for (const dep of Object.keys(pkg.dependencies)) add(resolveIn(lock.packages, "", dep));
  return out;
}

/**
 * A new ESM project in `dir` whose one dependency is the tarball, installed with `npm ci --offline` and
 * no install scripts; better-sqlite3's compiled module is copied from the repository (the same version),
 * so nothing is compiled or downloaded. The tarball's own install script is for the test to run.
 */
export function consumerProject(repo: string, tarball: string, dir: string): void {
  const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as {
    version: string; license: string; dependencies: Record<string, string>; bin: Record<string, string>;
  };
  copyFileSync(tarball, join(dir, "libnetwork.tgz"));
  const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  const root = { name: "consumer", version: "1.0.0", dependencies: { libnetwork: "file:libnetwork.tgz" } };
  const packages = {
    "": root,
    "node_modules/libnetwork": {
      version: pkg.version, resolved: "file:libnetwork.tgz", integrity, license: pkg.license, hasInstallScript: true,
      dependencies: pkg.dependencies, bin: pkg.bin,
    },
    ...runtimeLock(repo, npm(repo, ["config", "get", "registry"]).trim()),
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ ...root, private: true, type: "module" }, null, 2)}\n`);
  writeFileSync(join(dir, "package-lock.json"), `${JSON.stringify({ name: "consumer", version: "1.0.0", lockfileVersion: 3, requires: true, packages }, null, 2)}\n`);
  npm(dir, ["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"]);
  const version = (at: string): string => (JSON.parse(readFileSync(join(at, "node_modules", "better-sqlite3", "package.json"), "utf8")) as { version: string }).version;
  if (version(dir) !== version(repo)) throw new Error(`better-sqlite3 ${version(dir)} installed, the repository has ${version(repo)}`);
  const built = join("node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node");
  mkdirSync(dirname(join(dir, built)), { recursive: true });
  copyFileSync(join(repo, built), join(dir, built));
}
