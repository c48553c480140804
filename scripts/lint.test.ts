// Unit tests of the lint's rule table (scripts/layers.ts): synthetic import edges, the import parser, the
// cycle check, and the table against the one docs/architecture.md states.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  LAYER_RULES, TODO_EDGES, checkAddonLoading, checkEdge, findCycles, importsOf, layerOf, type ImportEdge, type ImportKind,
} from "./layers.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The verdict of one synthetic edge, with no TODO entries (so a TODO cannot hide a forbidden edge). */
function verdict(from: string, to: string, kind: ImportKind = "static"): string {
  return checkEdge({ from, to, kind }, []).verdict;
}

const ALLOWED: ReadonlyArray<readonly [string, string, ImportKind?]> = [
  ["src/types/ip.ts", "src/errors/index.ts"],
  ["src/netlink/socket.ts", "src/native/index.ts"],
  ["src/osl/namespace.ts", "src/native/index.ts"],
  ["src/osl/link.ts", "src/netlink/index.ts"],
  ["src/firewall/nfnl-writer.ts", "src/netlink/socket.ts", "type"],
  ["src/firewall/nfnl-writer.ts", "src/osl/namespace.ts"],
  ["src/dns/server.ts", "src/native/index.ts"],
  ["src/controller/controller.ts", "src/firewall/contract.ts", "type"],
  ["src/drivers/bridge/driver.ts", "src/firewall/contract.ts", "type"],
  ["src/drivers/bridge/driver.ts", "src/osl/index.ts"],
  ["src/drivers/bridge/driver.ts", "src/drivers/bridge/config.ts"],
  ["src/drivers/builtin.ts", "src/drivers/bridge/index.ts"],
  ["src/drivers/macvlan/driver.ts", "src/drivers/lan/driver.ts"],
  ["src/drivers/ipvlan/config.ts", "src/drivers/lan/config.ts", "type"],
  ["src/drivers/builtin.ts", "src/ipam/default/index.ts"],
  ["src/drivers/builtin.ts", "src/firewall/none.ts"],
  ["src/libnetwork.ts", "src/firewall/nftables.ts"],
  ["src/cli/daemon.ts", "src/daemon/daemon.ts"],
  ["src/cli/main.ts", "src/cli/daemon.ts", "dynamic"],
  ["src/cli/main.ts", "src/api/client.ts"],
  ["src/daemon/daemon.ts", "src/libnetwork.ts"],
  ["src/testing/veth-driver.ts", "src/driver-api/index.ts", "type"],
  ["src/testing/veth-driver.ts", "src/osl/index.ts"],
  ["src/testing/kernel.ts", "src/native/index.ts"],
  ["src/osl/link.test.ts", "src/testing/scratch-namespaces.ts"],
  ["src/osl/link.test.ts", "src/index.ts"],
  ["bench/kernel.ts", "src/native/index.ts"],
];

const FORBIDDEN: ReadonlyArray<readonly [string, string, ImportKind?]> = [
  ["src/errors/index.ts", "src/types/index.ts"],
  ["src/netlink/socket.ts", "src/osl/index.ts"],
  ["src/firewall/nfnl-writer.ts", "src/native/index.ts"],
  ["src/firewall/nftables.ts", "src/native/index.ts", "type"],
  ["src/dns/server.ts", "src/netlink/index.ts"],
  ["src/dns/server.ts", "src/osl/index.ts"],
  ["src/controller/controller.ts", "src/firewall/contract.ts"],
  ["src/controller/controller.ts", "src/firewall/nftables.ts", "type"],
  ["src/controller/controller.ts", "src/drivers/bridge/driver.ts"],
  ["src/controller/controller.ts", "src/api/dto.ts", "type"],
  ["src/drivers/bridge/driver.ts", "src/firewall/none.ts"],
  ["src/drivers/bridge/driver.ts", "src/netlink/index.ts"],
  ["src/drivers/bridge/driver.ts", "src/plugins/client.ts"],
  ["src/drivers/bridge/driver.ts", "src/store/index.ts"],
  ["src/drivers/bridge/driver.ts", "src/controller/index.ts"],
  ["src/drivers/bridge/driver.ts", "src/drivers/host/driver.ts"],
  ["src/drivers/lan/driver.ts", "src/drivers/macvlan/config.ts"],
  ["src/drivers/macvlan/driver.ts", "src/drivers/ipvlan/config.ts"],
  ["src/ipam/default/allocator.ts", "src/ipam/null/index.ts"],
  ["src/libnetwork.ts", "src/daemon/daemon.ts"],
  ["src/cli/version.ts", "src/daemon/docker-routes.ts"],
  ["src/cli/network-ls.ts", "src/daemon/daemon.ts", "dynamic"],
  ["src/cli/main.ts", "src/cli/daemon.ts"],
  ["src/cli/main.ts", "src/cli/daemon.ts", "type"],
  ["src/cli/main.ts", "src/controller/index.ts"],
  ["src/daemon/server.ts", "src/osl/index.ts"],
  ["src/daemon/server.ts", "src/cli/main.ts"],
  ["src/testing/veth-driver.ts", "src/native/index.ts"],
  ["src/testing/veth-driver.ts", "src/firewall/contract.ts", "type"],
  ["src/testing/veth-driver.ts", "src/testing/kernel.ts"],
  ["src/osl/link.test.ts", "src/controller/index.ts"],
  ["src/osl/link.ts", "bench/stats.ts"],
  ["src/newlayer/x.ts", "src/types/index.ts"],
];

describe("layer rules", () => {
  test("allowed edges", () => {
    for (const [from, to, kind] of ALLOWED) assert.equal(verdict(from, to, kind), "allowed", `${from} -> ${to} (${kind ?? "static"})`);
  });

  test("forbidden edges", () => {
    for (const [from, to, kind] of FORBIDDEN) assert.equal(verdict(from, to, kind), "forbidden", `${from} -> ${to} (${kind ?? "static"})`);
  });

  test("a TODO entry tolerates its one edge and import kind, nothing else", () => {
    const todo = { from: "src/cli/x.ts", to: "src/daemon/y.ts", kinds: ["static"] as const, fix: "f" };
    const edge: ImportEdge = { from: todo.from, to: todo.to, kind: "static" };
    assert.equal(checkEdge(edge, [todo]).verdict, "todo");
    assert.equal(checkEdge({ ...edge, kind: "dynamic" }, [todo]).verdict, "forbidden");
    assert.equal(checkEdge({ ...edge, to: "src/daemon/z.ts" }, [todo]).verdict, "forbidden");
  });

  test("every TODO entry stands for an edge the rules forbid, and says how to fix it", () => {
    for (const t of TODO_EDGES) {
      for (const kind of t.kinds) assert.equal(verdict(t.from, t.to, kind), "forbidden", `${t.from} -> ${t.to} needs no TODO`);
      assert.ok(t.fix.length > 0);
    }
  });

  test("only composition roots and test code load the addon", () => {
    const text = 'import { loadNative } from "../native/index.js";\nconst a = loadNative();\n';
    assert.match(checkAddonLoading("src/firewall/nfnl-writer.ts", text) ?? "", /composition root/);
    assert.match(checkAddonLoading("src/dns/server.ts", text) ?? "", /composition root/);
    for (const f of ["src/libnetwork.ts", "src/testing/kernel.ts", "src/dns/server.test.ts", "bench/dns.ts", "src/native/addon.ts"]) {
      assert.equal(checkAddonLoading(f, text), undefined, f);
    }
    assert.equal(checkAddonLoading("src/dns/server.ts", 'import type { NativeAddon } from "../native/index.js";\n'), undefined);
  });

  test("layerOf: first folder under src/, the driver or IPAM as sub, (root) and (outside)", () => {
    assert.deepEqual(layerOf("src/osl/link.ts"), { layer: "osl", sub: "" });
    assert.deepEqual(layerOf("src/drivers/bridge/driver.ts"), { layer: "drivers", sub: "bridge" });
    assert.deepEqual(layerOf("src/drivers/builtin.ts"), { layer: "drivers", sub: "" });
    assert.deepEqual(layerOf("src/index.ts"), { layer: "(root)", sub: "" });
    assert.deepEqual(layerOf("bench/all.ts"), { layer: "(outside)", sub: "" });
  });
});

describe("import parser", () => {
  test("static, type-only, re-exports, bare, dynamic and typeof import()", () => {
    const text = [
      'import { a, type B } from "./a.js";',
      'import type { C } from "./c.js";',
      'import {\n  d,\n  e as f,\n} from "./d.js";',
      'export * from "./e.js";',
      'export type { G } from "./g.js";',
      'import "./side.js";',
      'const m = await import("./lazy.js");',
      'type L = typeof import("./t.js");',
      'import { readFileSync } from "node:fs";',
      'export const x = 1; // not an import: from "./nope.js"',
    ].join("\n");
    assert.deepEqual(importsOf(text).map((i) => `${i.kind} ${i.spec}`).sort(), [
      "dynamic ./lazy.js", "static ./a.js", "static ./d.js", "static ./e.js", "static ./side.js", "static node:fs",
      "type ./c.js", "type ./g.js", "type ./t.js",
    ]);
  });
});

describe("cycle check", () => {
  test("finds a cycle, with the path that closes it", () => {
    const graph = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a", "d"]], ["d", []]]);
    assert.deepEqual(findCycles(graph), [["a", "b", "c", "a"]]);
  });

  test("no cycle in a diamond; edges out of the graph are ignored", () => {
    const graph = new Map([["a", ["b", "c"]], ["b", ["d"]], ["c", ["d", "node:fs"]], ["d", []]]);
    assert.deepEqual(findCycles(graph), []);
  });
});

describe("docs/architecture.md", () => {
  /** The "layer | may import" table: each row's first backticked name, and the backticked names of the second cell. */
  function documentedRules(): Map<string, string[]> {
    const doc = readFileSync(resolve(root, "docs", "architecture.md"), "utf8");
    const lines = doc.split("\n");
    const start = lines.findIndex((l) => /^\|\s*layer\s*\|\s*may import\s*\|/.test(l));
    assert.ok(start >= 0, "the layer table is in docs/architecture.md");
    const rules = new Map<string, string[]>();
    for (const line of lines.slice(start + 2)) {
      if (!line.startsWith("|")) break;
      const cells = line.split("|").slice(1, -1);
      const names = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => (m[1] as string).replace(/\/$/, ""));
      const layer = names(cells[0] ?? "")[0];
      assert.ok(layer !== undefined, line);
      rules.set(layer, names(cells[1] ?? ""));
    }
    return rules;
  }

  test("states the same layer table the lint enforces", () => {
    const doc = documentedRules();
    assert.deepEqual([...doc.keys()].sort(), Object.keys(LAYER_RULES).sort(), "the same layers");
    for (const [layer, may] of doc) assert.deepEqual([...may].sort(), [...(LAYER_RULES[layer] ?? [])].sort(), layer);
  });
});
