// Runs every compiled test (dist/**/*.test.js) with node's test runner, then checks that the suite
// left no network namespace, link, nft table or netns / sandbox UTS mount behind that was not there before.

import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith(".test.js")) out.push(p);
  }
  return out;
}

function tryRun(cmd, args) {
  try { return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }); } catch { return ""; }
}

function kernelSnapshot() {
  const netns = tryRun("ip", ["netns", "list"]).split("\n").map((l) => l.split(" ")[0]).filter(Boolean);
  const links = tryRun("ip", ["-o", "link", "show"]).split("\n").map((l) => l.split(": ")[1]?.split("@")[0]).filter(Boolean);
  const tables = tryRun("nft", ["list", "tables"]).split("\n").filter(Boolean);
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n")
    .map((l) => l.split(" ")[4]).filter((m) => m !== undefined && (m.includes("/netns/") || m.includes("-uts/")));
  return { netns, links, tables, mounts };
}

const filter = process.argv.slice(2);
const files = walk("dist", []).filter((f) => filter.length === 0 || filter.some((x) => f.includes(x))).sort();
const before = kernelSnapshot();
const result = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...files], { stdio: "inherit" });
const after = kernelSnapshot();

const leaks = [];
for (const key of Object.keys(after)) {
  const had = new Set(before[key]);
  for (const item of after[key]) if (!had.has(item)) leaks.push(`${key}: ${item}`);
}
if (leaks.length > 0) {
  console.error(`leak check: the suite left ${leaks.length} kernel object(s) behind:\n  ${leaks.join("\n  ")}`);
  process.exit(1);
}
console.log(`leak check: no namespace, link, nft table or netns mount left behind (${files.length} test files)`);
process.exit(result.status ?? 1);
