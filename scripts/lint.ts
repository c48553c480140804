// Project lint: layer direction between src/ folders, no import cycles, file length, no default exports.
// Run by `npm run lint` (and so by `npm test` and CI) on the TypeScript sources.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const HARD_MAX_LINES = 500;
const SOFT_MAX_LINES = 300;

/** Which layers each layer may import. A layer is the first folder under src/ (two for drivers/ and ipam/). */
const BASE = ["types", "errors"];
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  errors: [],
  // Test helpers: a test driver may use the kernel layer like any driver.
  testing: ["types", "errors", "native", "netlink", "osl", "driver-api", "firewall", "store", "controller", "dns", "(root)"],
  types: ["errors"],
  native: BASE,
  netlink: [...BASE, "native"],
  osl: [...BASE, "native", "netlink"],
  firewall: [...BASE, "native", "netlink", "osl"],
  store: BASE,
  "ipam-api": BASE,
  "driver-api": BASE,
  ipam: [...BASE, "ipam-api", "store", "plugins"],
  drivers: [...BASE, "driver-api", "osl", "netlink", "firewall", "plugins", "store"],
  plugins: [...BASE, "driver-api", "ipam-api"],
  dns: [...BASE, "native", "netlink", "osl"],
  controller: [...BASE, "driver-api", "ipam-api", "store", "dns", "osl", "firewall"],
  api: [...BASE],
  daemon: [...BASE, "(root)", "api", "controller", "drivers", "ipam", "store", "dns", "osl", "firewall", "plugins", "driver-api", "ipam-api"],
  cli: [...BASE, "api", "daemon"],
  // src/index.ts and src/drivers/builtin.ts are composition roots.
  "(root)": [...BASE, "native", "netlink", "osl", "firewall", "store", "ipam-api", "driver-api", "ipam", "drivers", "plugins", "dns", "controller"],
};
const COMPOSITION_ROOTS = new Set(["src/drivers/builtin.ts", "src/ipam/builtin.ts"]);

interface Problem { file: string; message: string }

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith(".ts") && !p.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** Layer of a file under src/: "netlink", "drivers/bridge" is reported as "drivers" with sub "bridge". */
function layerOf(rel: string): { layer: string; sub: string } {
  const parts = rel.split("/");
  if (parts[0] !== "src") return { layer: "(outside)", sub: "" };
  if (parts.length === 2) return { layer: "(root)", sub: "" };
  const layer = parts[1] ?? "";
  const sub = (layer === "drivers" || layer === "ipam") && parts.length > 3 ? parts[2] ?? "" : "";
  return { layer, sub };
}

const IMPORT_RE = /^\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm;

function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec !== undefined) out.push(spec);
  }
  return out;
}

function checkFile(rel: string, text: string, graph: Map<string, string[]>, problems: Problem[]): void {
  const lines = text.split("\n").length;
  const exempt = /schema|\/testdata\//.test(rel);
  if (lines > HARD_MAX_LINES && !exempt) problems.push({ file: rel, message: `${lines} lines (hard cap ${HARD_MAX_LINES})` });
  else if (lines > SOFT_MAX_LINES && !exempt) console.log(`note: ${rel} has ${lines} lines (aim ≤${SOFT_MAX_LINES})`);
  if (/^\s*export\s+default\b/m.test(text)) problems.push({ file: rel, message: "default export (use named exports)" });
  const from = layerOf(rel);
  const edges: string[] = [];
  for (const spec of importsOf(text)) {
    if (!spec.startsWith(".")) continue;
    if (!spec.endsWith(".js")) problems.push({ file: rel, message: `relative import without .js suffix: ${spec}` });
    const target = relative(root, resolve(root, dirname(rel), spec)).replace(/\.js$/, ".ts");
    edges.push(target);
    if (from.layer === "(outside)") continue;
    const to = layerOf(target);
    if (to.layer === "(outside)") { problems.push({ file: rel, message: `imports outside src/: ${spec}` }); continue; }
    if (to.layer === from.layer) {
      const crossesDriver = from.sub !== "" && to.sub !== "" && from.sub !== to.sub && !COMPOSITION_ROOTS.has(rel);
      if (crossesDriver) problems.push({ file: rel, message: `${from.layer}/${from.sub} must not import ${to.layer}/${to.sub}` });
      continue;
    }
    // Tests may use the test helpers and the composition root (drivers are only reachable through it).
    if ((to.layer === "testing" || to.layer === "(root)") && rel.endsWith(".test.ts")) continue;
    const allowed = COMPOSITION_ROOTS.has(rel) ? ALLOWED["(root)"] : ALLOWED[from.layer];
    if (allowed === undefined) problems.push({ file: rel, message: `unknown layer ${from.layer} (add it to scripts/lint.ts)` });
    else if (!allowed.includes(to.layer)) problems.push({ file: rel, message: `layer ${from.layer} must not import ${to.layer} (${spec})` });
  }
  graph.set(rel, edges);
}

function findCycles(graph: Map<string, string[]>, problems: Problem[]): void {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 1);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      const s = state.get(next);
      if (s === 1) {
        const cycle = stack.slice(stack.indexOf(next)).concat(next);
        problems.push({ file: node, message: `import cycle: ${cycle.join(" -> ")}` });
      } else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
}

function main(): void {
  const files = ["src", "bench", "scripts", "examples"]
    .map((d) => join(root, d))
    .filter((d) => { try { return statSync(d).isDirectory(); } catch { return false; } })
    .flatMap((d) => walk(d, []));
  const graph = new Map<string, string[]>();
  const problems: Problem[] = [];
  for (const abs of files) checkFile(relative(root, abs), readFileSync(abs, "utf8"), graph, problems);
  findCycles(graph, problems);
  for (const p of problems) console.error(`lint: ${p.file}: ${p.message}`);
  console.log(`lint: ${files.length} files, ${problems.length} problem(s)`);
  if (problems.length > 0) process.exit(1);
}

main();
