// Project lint: the layer rules of docs/architecture.md (scripts/layers.ts) on every static, type and
// dynamic import, no import cycles, file length, `.js` suffixes, no default exports.
// Run by `npm run lint` (and so by `npm test` and CI) on the TypeScript sources.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { TODO_EDGES, checkAddonLoading, checkEdge, findCycles, importsOf, type ImportEdge, type TodoEntry } from "./layers.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const HARD_MAX_LINES = 500;
const SOFT_MAX_LINES = 300;
const SOURCE_DIRS = ["src", "bench", "scripts", "examples"];

interface Problem { readonly file: string; readonly message: string }

interface LintState {
  readonly graph: Map<string, string[]>;
  readonly problems: Problem[];
  readonly notes: string[];
  readonly todosSeen: Set<TodoEntry>;
}

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith(".ts") && !p.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

function checkLength(rel: string, text: string, state: LintState): void {
  const lines = text.split("\n").length;
  if (/schema|\/testdata\//.test(rel)) return;
  if (lines > HARD_MAX_LINES) state.problems.push({ file: rel, message: `${lines} lines (hard cap ${HARD_MAX_LINES})` });
  else if (lines > SOFT_MAX_LINES) state.notes.push(`note: ${rel} has ${lines} lines (aim ≤${SOFT_MAX_LINES})`);
}

function checkFile(rel: string, text: string, state: LintState): void {
  checkLength(rel, text, state);
  if (/^\s*export\s+default\b/m.test(text)) state.problems.push({ file: rel, message: "default export (use named exports)" });
  const addon = checkAddonLoading(rel, text);
  if (addon !== undefined) state.problems.push({ file: rel, message: addon });
  const targets: string[] = [];
  for (const { spec, kind } of importsOf(text)) {
    if (!spec.startsWith(".")) continue;
    if (!spec.endsWith(".js")) state.problems.push({ file: rel, message: `relative import without .js suffix: ${spec}` });
    const to = relative(root, resolve(root, dirname(rel), spec)).replace(/\.js$/, ".ts");
    targets.push(to);
    const edge: ImportEdge = { from: rel, to, kind };
    const v = checkEdge(edge);
    if (v.verdict === "forbidden") state.problems.push({ file: rel, message: `${v.reason} (${kind} import of ${spec})` });
    else if (v.verdict === "todo") {
      state.todosSeen.add(v.entry);
      state.notes.push(`todo: ${rel} imports ${to} (${kind}), tolerated for now; fix: ${v.entry.fix}`);
    }
  }
  state.graph.set(rel, targets);
}

function main(): void {
  const files = SOURCE_DIRS.map((d) => join(root, d))
    .filter((d) => { try { return statSync(d).isDirectory(); } catch { return false; } })
    .flatMap((d) => walk(d, []));
  const state: LintState = { graph: new Map(), problems: [], notes: [], todosSeen: new Set() };
  for (const abs of files) checkFile(relative(root, abs), readFileSync(abs, "utf8"), state);
  for (const cycle of findCycles(state.graph)) {
    state.problems.push({ file: cycle[cycle.length - 2] ?? "", message: `import cycle: ${cycle.join(" -> ")}` });
  }
  // A TODO whose edge is gone must go too, or the table would keep allowing it.
  for (const t of TODO_EDGES) {
    if (!state.todosSeen.has(t)) state.problems.push({ file: t.from, message: `stale TODO edge to ${t.to}: remove it from scripts/layers.ts` });
  }
  for (const n of state.notes) console.log(n);
  for (const p of state.problems) console.error(`lint: ${p.file}: ${p.message}`);
  console.log(`lint: ${files.length} files, ${state.problems.length} problem(s), ${state.todosSeen.size} tolerated TODO edge(s)`);
  if (state.problems.length > 0) process.exit(1);
}

main();
