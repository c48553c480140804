// Builds the nsnl addon: `install` (the package's install script) keeps a prebuild that loads, or compiles
// native-src/ (always, in a git checkout); `prebuild` (prepack) makes the N-API prebuild shipped in the
// package. Headers come from the running Node, never from a fixed path.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);

/**
 * A directory holding the running Node's headers (`include/node/node_api.h`), best first: the npm
 * `nodedir` setting, the prefix of the running binary (nvm, the official tarball, distribution packages
 * all put headers in `<prefix>/include/node`), the prefix Node was configured with. Undefined when none
 * has them: node-gyp then fetches the headers of this Node version itself.
 */
function nodeHeadersDir() {
  const candidates = [
    process.env.npm_config_nodedir,
    dirname(dirname(realpathSync(process.execPath))),
    process.config.variables.node_prefix,
  ].filter((d) => typeof d === "string" && d !== "");
  const usable = candidates.filter((d) => existsSync(join(d, "include", "node", "node_api.h")));
  return usable.find((d) => headerVersion(d) === process.versions.node) ?? usable[0];
}

function headerVersion(dir) {
  try {
    const h = readFileSync(join(dir, "include", "node", "node_version.h"), "utf8");
    return ["MAJOR", "MINOR", "PATCH"].map((n) => new RegExp(`#define\\s+NODE_${n}_VERSION\\s+(\\d+)`).exec(h)?.[1]).join(".");
  } catch {
    return undefined;
  }
}

/** The node-gyp npm runs scripts with, the repo's own, or the one on PATH: as [command, ...args]. */
function nodeGypCommand() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm !== undefined && fromNpm !== "" && existsSync(fromNpm)) return fromNpm.endsWith(".js") ? [process.execPath, fromNpm] : [fromNpm];
  try {
    return [process.execPath, require.resolve("node-gyp/bin/node-gyp.js")];
  } catch {
    return ["node-gyp"];
  }
}

function run(command, args, env = process.env) {
  console.error(`addon: ${[command, ...args].join(" ")}`);
  const r = spawnSync(command, args, { cwd: root, stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function withHeaders(env) {
  const dir = nodeHeadersDir();
  if (dir === undefined) {
    console.error("addon: no local headers of this Node found; node-gyp fetches them");
    return { env, args: [] };
  }
  return { env: { ...env, npm_config_nodedir: dir }, args: [`--nodedir=${dir}`] };
}

/** True when a prebuild in prebuilds/ fits this platform and loads. */
function prebuildLoads() {
  if (process.env.npm_config_build_from_source === "true") return false;
  // In a checkout native-src/ may be newer than a prebuild left by an earlier `npm pack`.
  if (existsSync(join(root, ".git"))) return false;
  const prebuilds = join(root, "prebuilds");
  if (!existsSync(prebuilds)) return false;
  try {
    const nodeGypBuild = require("node-gyp-build");
    const file = nodeGypBuild.resolve(root);
    if (!file.startsWith(prebuilds)) return false;
    require(file);
    console.error(`addon: using the prebuild ${file.slice(root.length + 1)}`);
    return true;
  } catch (err) {
    console.error(`addon: no prebuild fits (${err instanceof Error ? err.message.split("\n")[0] : String(err)}); compiling`);
    return false;
  }
}

function install() {
  if (prebuildLoads()) return;
  const { env, args } = withHeaders(process.env);
  const [command, ...rest] = nodeGypCommand();
  run(command, [...rest, "rebuild", ...args], env);
}

function prebuild() {
  const { env } = withHeaders(process.env);
  // One N-API build, made against this Node's headers, loads on every Node version with N-API 8.
  run(process.execPath, [require.resolve("prebuildify/bin.js"), "--napi", "--strip", "--tag-libc", `--target=node@${process.versions.node}`], env);
}

const mode = process.argv[2];
if (mode === "install") install();
else if (mode === "prebuild") prebuild();
else {
  console.error("usage: node scripts/addon-build.mjs install|prebuild");
  process.exit(2);
}
