// `dnet topology [--svg FILE] [--dot FILE]`: networks, bridges, sandboxes, addresses and published ports, as
// a tree on stdout, or drawn into an SVG picture or a graphviz file (from the daemon's API).

import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { str, type Command } from "./common.js";
import { buildTopology } from "../api/topology-model.js";
import { topologyDot } from "./topology-dot.js";
import { topologySvg } from "../api/topology-svg.js";
import { topologyTree } from "./topology-tree.js";

export const topology: Command = async (p, ctx) => {
  const client = ctx.client();
  const [networks, sandboxes] = await Promise.all([client.listNetworks(), client.listSandboxes()]);
  const t = buildTopology(networks, sandboxes);
  const svg = str(p, "svg");
  const dot = str(p, "dot");
  if (svg !== undefined) writeFileSync(svg, topologySvg(t, hostname()));
  if (dot !== undefined) writeFileSync(dot, topologyDot(t, hostname()));
  if (svg === undefined && dot === undefined) ctx.out(topologyTree(t, hostname()));
  return 0;
};
