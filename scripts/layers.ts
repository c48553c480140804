// The layer rules of docs/architecture.md as data, and the pure checks the lint runs on import edges.
// Keep this file and the "Layers" table of docs/architecture.md in step: scripts/lint.test.ts compares them.

export type ImportKind = "static" | "type" | "dynamic";

/** One import, between repository-relative files (`src/osl/link.ts`; `.js` specifiers mapped to `.ts`). */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: ImportKind;
}

export type Verdict =
  | { readonly verdict: "allowed" }
  | { readonly verdict: "forbidden"; readonly reason: string }
  | { readonly verdict: "todo"; readonly entry: TodoEntry };

/** A forbidden edge tolerated for now because its file is being rewritten elsewhere; the lint prints it. */
export interface TodoEntry {
  readonly from: string;
  readonly to: string;
  readonly kinds: readonly ImportKind[];
  /** What the fix is. */
  readonly fix: string;
}

const BASE = ["types", "errors"] as const;
/** The library: every layer but the shells (api, daemon, cli) and the test helpers. */
const LIBRARY = ["errors", "types", "native", "netlink", "osl", "firewall", "store", "ipam-api", "driver-api",
  "ipam", "drivers", "plugins", "dns", "controller"] as const;

/**
 * Which layers each layer may import (besides itself). A layer is the first folder under src/; files
 * directly in src/ are "(root)". Narrower rules for single files are in checkEdge below.
 */
export const LAYER_RULES: Readonly<Record<string, readonly string[]>> = {
  errors: [],
  types: ["errors"],
  native: BASE,
  netlink: [...BASE, "native"],
  osl: [...BASE, "native", "netlink"],
  firewall: [...BASE, "netlink", "osl"],
  store: BASE,
  "ipam-api": BASE,
  "driver-api": BASE,
  ipam: [...BASE, "ipam-api"],
  drivers: [...BASE, "driver-api", "osl"],
  plugins: [...BASE, "driver-api", "ipam-api", "store"],
  dns: [...BASE, "native"],
  controller: [...BASE, "driver-api", "ipam-api", "store", "dns", "osl"],
  "(root)": LIBRARY,
  api: BASE,
  daemon: [...BASE, "(root)", "api", "controller", "dns", "ipam"],
  cli: [...BASE, "api"],
  testing: [...LIBRARY, "(root)", "api"],
};

/**
 * Folders of src/drivers/ that hold code shared by drivers, not a driver: any driver may import them (the
 * macvlan and ipvlan drivers share the parent links and the sub-interface engine of src/drivers/lan/).
 * They import no driver themselves (the rule for every driver folder).
 */
export const SHARED_DRIVER_DIRS: ReadonlySet<string> = new Set(["lan"]);

/** Composition roots below src/: they wire concrete implementations, with the allowance of "(root)". */
export const COMPOSITION_ROOTS: ReadonlySet<string> = new Set(["src/drivers/builtin.ts"]);

export const FIREWALL_CONTRACT = "src/firewall/contract.ts";
export const CLI_DAEMON = "src/cli/daemon.ts";
/** `dnet system cleanup`: not a client of the daemon either; it loads the library through daemon/, lazily. */
export const CLI_CLEANUP = "src/cli/system-cleanup.ts";
export const TEST_DRIVER = "src/testing/veth-driver.ts";
/** What the test driver may use: what a real driver may, minus the firewall. */
export const TEST_DRIVER_LAYERS: readonly string[] = ["driver-api", "osl", ...BASE];

/**
 * TODO: forbidden edges, tolerated only because their files (src/cli/*, src/drivers/bridge/*) are being
 * rewritten in another change. The lint prints each on every run and fails once its edge is gone.
 */
export const TODO_EDGES: readonly TodoEntry[] = [
];

/** Layer of a repository-relative file: "osl", "(root)" for src/*.ts, "(outside)" outside src/; sub is the driver or IPAM. */
export function layerOf(file: string): { readonly layer: string; readonly sub: string } {
  const parts = file.split("/");
  if (parts[0] !== "src") return { layer: "(outside)", sub: "" };
  if (parts.length === 2) return { layer: "(root)", sub: "" };
  const layer = parts[1] ?? "";
  const sub = (layer === "drivers" || layer === "ipam") && parts.length > 3 ? parts[2] ?? "" : "";
  return { layer, sub };
}

export function isTest(file: string): boolean {
  return file.endsWith(".test.ts");
}

const forbid = (reason: string): Verdict => ({ verdict: "forbidden", reason });
const ALLOWED: Verdict = { verdict: "allowed" };

/** The rules for single files and for the edges a whole-layer rule cannot say; undefined: use the table. */
function fileRule(edge: ImportEdge, from: string, to: string): Verdict | undefined {
  if (edge.from === TEST_DRIVER) {
    return TEST_DRIVER_LAYERS.includes(to) ? ALLOWED
      : forbid(`${TEST_DRIVER} may import only ${TEST_DRIVER_LAYERS.join(", ")} (like a real driver)`);
  }
  if (from === "cli" && edge.to === CLI_DAEMON && edge.from !== CLI_DAEMON) {
    return edge.kind === "dynamic" ? ALLOWED
      : forbid(`load ${CLI_DAEMON} with import(): the other commands are HTTP clients and must not load the daemon`);
  }
  if (from === "cli" && to === "daemon") {
    if (edge.from === CLI_DAEMON) return ALLOWED;
    if (edge.from === CLI_CLEANUP) {
      return edge.kind === "dynamic" ? ALLOWED : forbid(`${CLI_CLEANUP} loads daemon/ with import(), only once it runs`);
    }
    return forbid(`only ${CLI_DAEMON} (the \`dnet daemon\` command) and ${CLI_CLEANUP} may import daemon/; the CLI is a client of the HTTP API`);
  }
  if ((from === "controller" || from === "drivers") && to === "firewall" && !COMPOSITION_ROOTS.has(edge.from)) {
    return edge.to === FIREWALL_CONTRACT && edge.kind === "type" ? ALLOWED
      : forbid(`${from} may import only types from ${FIREWALL_CONTRACT} (\`import type\`); the backend is chosen by a composition root`);
  }
  return undefined;
}

/** Whether one import edge follows docs/architecture.md. Edges from outside src/ are not restricted. */
export function checkEdge(edge: ImportEdge, todos: readonly TodoEntry[] = TODO_EDGES): Verdict {
  const from = layerOf(edge.from);
  const to = layerOf(edge.to);
  if (from.layer === "(outside)") return ALLOWED;
  if (to.layer === "(outside)") return forbid("imports outside src/");
  const todo = todos.find((t) => t.from === edge.from && t.to === edge.to && t.kinds.includes(edge.kind));
  if (todo !== undefined) return { verdict: "todo", entry: todo };
  const special = fileRule(edge, from.layer, to.layer);
  if (special !== undefined) return special;
  const root = COMPOSITION_ROOTS.has(edge.from);
  if (to.layer === from.layer) {
    const shared = from.layer === "drivers" && SHARED_DRIVER_DIRS.has(to.sub);
    const crosses = from.sub !== "" && to.sub !== "" && from.sub !== to.sub && !root && !shared;
    return crosses ? forbid(`${from.layer}/${from.sub} must not import ${to.layer}/${to.sub}`) : ALLOWED;
  }
  // Tests may also use the test helpers and the library's entry points.
  if (isTest(edge.from) && (to.layer === "testing" || to.layer === "(root)")) return ALLOWED;
  const allowed = LAYER_RULES[root ? "(root)" : from.layer];
  if (allowed === undefined) return forbid(`unknown layer ${from.layer} (add it to docs/architecture.md and scripts/layers.ts)`);
  return allowed.includes(to.layer) ? ALLOWED : forbid(`layer ${from.layer} must not import ${to.layer}`);
}

/**
 * Only composition roots load the addon (`loadNative`); every other user is handed the loaded one, so
 * two controllers in a process never share hidden state and no layer gets a second way into the kernel.
 */
export function checkAddonLoading(file: string, text: string): string | undefined {
  const { layer } = layerOf(file);
  const exempt = ["(outside)", "(root)", "native", "testing"].includes(layer) || isTest(file) || COMPOSITION_ROOTS.has(file);
  if (exempt || !/\bloadNative\b/.test(text)) return undefined;
  return "only a composition root loads the addon (loadNative): take it, or an osl/ handle, as a parameter";
}

const STATIC_RE = /^[ \t]*(import|export)\s+(type\s+)?[\w$*{},\s]*?\bfrom\s*["']([^"']+)["']/gm;
const BARE_RE = /^[ \t]*import\s*["']([^"']+)["']/gm;
const DYNAMIC_RE = /(\btypeof\s+)?\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** The module specifiers a source file imports, with how: static, type-only (erased) or dynamic `import()`. */
export function importsOf(text: string): Array<{ readonly spec: string; readonly kind: ImportKind }> {
  const out: Array<{ spec: string; kind: ImportKind }> = [];
  for (const m of text.matchAll(STATIC_RE)) out.push({ spec: m[3] as string, kind: m[2] === undefined ? "static" : "type" });
  for (const m of text.matchAll(BARE_RE)) out.push({ spec: m[1] as string, kind: "static" });
  // `typeof import("x")` is a type position: erased like `import type`.
  for (const m of text.matchAll(DYNAMIC_RE)) out.push({ spec: m[2] as string, kind: m[1] === undefined ? "dynamic" : "type" });
  return out;
}

/** Every cycle in the import graph (file → files it imports), each reported once at the edge that closes it. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    state.set(node, 1);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      const s = state.get(next);
      if (s === 1) cycles.push(stack.slice(stack.indexOf(next)).concat(next));
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}
