// `dnet topology` as text: a tree of networks (driver, bridge, subnets) with the sandboxes on each (their
// interface, addresses and published ports), then the sandboxes on no network.

import { portLabel, type TopoNetwork, type Topology } from "../api/topology-model.js";

function networkLine(n: TopoNetwork): string {
  const what = [`driver ${n.driver}`, ...(n.bridge === undefined ? [] : [`bridge ${n.bridge}`]), ...n.pools.map((p) => `subnet ${p}`), ...(n.internal ? ["internal"] : [])];
  return `network ${n.name} (${what.join(", ")})`;
}

/** Children under a parent: `├── ` / `└── `, their own children indented under `│   ` / `    `. */
function branch(items: ReadonlyArray<{ readonly line: string; readonly children: readonly string[] }>): string[] {
  const out: string[] = [];
  items.forEach((item, i) => {
    const last = i === items.length - 1;
    out.push(`${last ? "└── " : "├── "}${item.line}`);
    out.push(...item.children.map((c) => `${last ? "    " : "│   "}${c}`));
  });
  return out;
}

export function topologyTree(t: Topology, hostName: string): string {
  const items = t.networks.map((n) => {
    const members = t.sandboxes.flatMap((s) => s.interfaces.filter((i) => i.networkId === n.id).map((i) => {
      const ports = i.ports.map(portLabel);
      const parts = [`sandbox ${s.name}`, i.ifname, ...i.addresses, ...(ports.length === 0 ? [] : [`ports ${ports.join(", ")}`])];
      return { line: parts.filter((p) => p !== "").join("  "), children: [] as string[] };
    }));
    return { line: networkLine(n), children: branch(members) };
  });
  const alone = t.sandboxes.filter((s) => s.interfaces.length === 0);
  if (alone.length > 0) {
    items.push({ line: "no network", children: branch(alone.map((s) => ({ line: `sandbox ${s.name}  ${s.key}`, children: [] }))) });
  }
  return [`host ${hostName}`, ...branch(items)].join("\n");
}
