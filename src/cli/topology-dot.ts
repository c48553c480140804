// `dnet topology --dot FILE`: the topology as a graphviz graph (`dot -Tpng FILE > topo.png`): networks and
// sandboxes as nodes, one edge per interface labelled with its name and addresses, ports on the sandbox.

import { portLabel, shownNetworks, type Topology } from "../api/topology-model.js";

/** A DOT string literal. */
function q(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

export function topologyDot(t: Topology, hostName: string): string {
  const nets = shownNetworks(t);
  const shown = new Set(nets.map((n) => n.id));
  const lines = [
    "graph dnet {",
    `  label=${q(`dnet topology: host ${hostName}`)}; labelloc=t; fontname="Helvetica"; rankdir=TB;`,
    '  node [fontname="Helvetica", fontsize=11]; edge [fontname="Helvetica", fontsize=10];',
    "  subgraph cluster_host {",
    `    label=${q(`host ${hostName}`)}; style="rounded,filled"; fillcolor="#eef2f6"; color="#c5cfd9";`,
    ...nets.map((n) => {
      const label = [n.name, n.bridge === undefined ? `driver ${n.driver}` : `${n.driver} · ${n.bridge}`, ...n.pools, ...(n.internal ? ["internal"] : [])].join("\n");
      return `    ${q(`net:${n.id}`)} [shape=box, style="rounded,bold", label=${q(label)}];`;
    }),
    "  }",
  ];
  for (const s of t.sandboxes) {
    const ports = s.interfaces.flatMap((i) => i.ports.map(portLabel));
    const label = [s.name, s.key, ...(ports.length === 0 ? [] : [`ports ${ports.join(", ")}`])].join("\n");
    lines.push(`  ${q(`sb:${s.id}`)} [shape=box, style=rounded, label=${q(label)}];`);
    for (const i of s.interfaces.filter((x) => shown.has(x.networkId))) {
      lines.push(`  ${q(`net:${i.networkId}`)} -- ${q(`sb:${s.id}`)} [label=${q([i.ifname, ...i.addresses].join("\n"))}];`);
    }
  }
  lines.push("}", "");
  return lines.join("\n");
}
