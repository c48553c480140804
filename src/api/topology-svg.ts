// The topology drawn by hand as SVG, for `dnet topology --svg FILE` and the daemon's `--ui` page. Networks are
// coloured boxes in a band for the host (driver, bridge, subnets); sandboxes are boxes below, each linked to its
// networks by a line of the network's colour that ends in the interface's name; addresses and ports are labels.

import { portLabel, shownNetworks, type TopoInterface, type TopoNetwork, type TopoSandbox, type Topology } from "./topology-model.js";

const PALETTE = ["#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
const BOX_W = 230;
const GAP = 40;
const PAD = 30;
const LINE = 17;
const CHAR_W = 6.8;

/** Text for XML content and attribute values. */
export function xml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

/** At most `chars` characters, the middle elided. */
function fit(s: string, chars: number): string {
  return s.length <= chars ? s : `${s.slice(0, Math.ceil(chars / 2) - 1)}…${s.slice(s.length - Math.floor(chars / 2))}`;
}

interface Box { readonly x: number; readonly y: number; readonly w: number; readonly h: number }

function text(x: number, y: number, s: string, attrs = ""): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attrs === "" ? "" : ` ${attrs}`}>${xml(s)}</text>`;
}

function networkHeight(n: TopoNetwork): number {
  return 30 + LINE * (1 + n.pools.length + (n.internal ? 1 : 0)) + 6;
}

/** Port tags in rows that fit the box. */
function portRows(ports: readonly string[]): string[][] {
  const rows: string[][] = [];
  let width = BOX_W;
  for (const p of ports) {
    const w = p.length * CHAR_W + 14;
    if (width + w > BOX_W - 16) { rows.push([]); width = 0; }
    (rows.at(-1) as string[]).push(p);
    width += w + 6;
  }
  return rows;
}

/** `0.0.0.0:8080 → 80/tcp`: a published port as a tag. */
function portTags(s: TopoSandbox): string[] {
  return s.interfaces.flatMap((i) => i.ports.map((p) => portLabel(p).replace("->", " → ")));
}

function sandboxHeight(s: TopoSandbox): number {
  const ports = portRows(portTags(s));
  return 44 + LINE * Math.max(1, s.interfaces.length) + ports.length * 24 + 6;
}

function drawNetwork(n: TopoNetwork, b: Box, color: string): string {
  const lines = [n.bridge === undefined ? `driver ${n.driver}` : `${n.driver} · ${n.bridge}`, ...n.pools, ...(n.internal ? ["internal (no outside access)"] : [])];
  return [
    `<g class="network" data-name="${xml(n.name)}">`,
    `<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="8" fill="#ffffff" stroke="${color}" stroke-width="2"/>`,
    `<path d="M${b.x} ${b.y + 28}V${b.y + 8}a8 8 0 0 1 8 -8H${b.x + b.w - 8}a8 8 0 0 1 8 8V${b.y + 28}Z" fill="${color}"/>`,
    text(b.x + 12, b.y + 19, fit(n.name, 30), 'class="name" font-size="14" font-weight="bold" fill="#ffffff"'),
    ...lines.map((l, i) => text(b.x + 12, b.y + 46 + i * LINE, fit(l, 32), `class="${i === 0 ? "driver" : "subnet"}" font-size="12" fill="#333333"`)),
    "</g>",
  ].join("\n");
}

function drawSandbox(s: TopoSandbox, b: Box, colorOf: (id: string) => string): string {
  const parts = [
    `<g class="sandbox" data-name="${xml(s.name)}">`,
    `<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="8" fill="#fbfbfb" stroke="#555555" stroke-width="1.5"${s.interfaces.length === 0 ? ' stroke-dasharray="5 4"' : ""}/>`,
    text(b.x + 12, b.y + 20, fit(s.name, 30), 'class="name" font-size="14" font-weight="bold" fill="#222222"'),
    text(b.x + 12, b.y + 35, fit(s.key, 36), 'class="netns" font-size="10" fill="#777777"'),
  ];
  if (s.interfaces.length === 0) parts.push(text(b.x + 12, b.y + 44 + 12, "no network", 'font-size="12" font-style="italic" fill="#777777"'));
  s.interfaces.forEach((i, k) => {
    const y = b.y + 44 + k * LINE + 12;
    parts.push(`<circle cx="${b.x + 16}" cy="${y - 4}" r="4" fill="${colorOf(i.networkId)}"/>`);
    parts.push(text(b.x + 26, y, fit(`${i.ifname}  ${i.addresses.join(", ") || "(no address)"}`, 30), `class="address" font-size="12" fill="${colorOf(i.networkId)}"`));
  });
  let y = b.y + 44 + LINE * Math.max(1, s.interfaces.length) + 4;
  for (const row of portRows(portTags(s))) {
    let x = b.x + 12;
    for (const p of row) {
      const w = p.length * CHAR_W + 14;
      parts.push(`<g class="port"><rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="19" rx="9.5" fill="#fff4d6" stroke="#c9950c"/>`);
      parts.push(`${text(x + 7, y + 13.5, p, 'font-size="11" fill="#6b4e00"')}</g>`);
      x += w + 6;
    }
    y += 24;
  }
  parts.push("</g>");
  return parts.join("\n");
}

/** Sandboxes ordered by the mean position of their networks, so links cross less. */
function orderSandboxes(t: Topology, netIndex: ReadonlyMap<string, number>): TopoSandbox[] {
  const key = (s: TopoSandbox): number => {
    const idx = s.interfaces.map((i) => netIndex.get(i.networkId)).filter((x): x is number => x !== undefined);
    return idx.length === 0 ? Infinity : idx.reduce((a, b) => a + b, 0) / idx.length;
  };
  return [...t.sandboxes].sort((a, b) => key(a) - key(b));
}

function row<T>(items: readonly T[], width: number, y: number, height: (x: T) => number): Box[] {
  const used = items.length * BOX_W + Math.max(0, items.length - 1) * GAP;
  const x0 = (width - used) / 2;
  return items.map((it, i) => ({ x: x0 + i * (BOX_W + GAP), y, w: BOX_W, h: height(it) }));
}

export function topologySvg(t: Topology, hostName: string): string {
  const nets = shownNetworks(t);
  const netIndex = new Map(nets.map((n, i) => [n.id, i]));
  const colorOf = (id: string): string => PALETTE[(netIndex.get(id) ?? 0) % PALETTE.length] as string;
  const sbs = orderSandboxes(t, netIndex);
  const cols = Math.max(nets.length, sbs.length, 2);
  const width = 2 * PAD + cols * BOX_W + (cols - 1) * GAP;
  const netTop = 100;
  const netBoxes = row(nets, width, netTop, networkHeight);
  const netBottom = netTop + Math.max(0, ...netBoxes.map((b) => b.h));
  const sbTop = netBottom + 130;
  const sbBoxes = row(sbs, width, sbTop, sandboxHeight);
  const height = sbTop + Math.max(0, ...sbBoxes.map((b) => b.h)) + PAD;
  const links = drawLinks(nets, netBoxes, sbs, sbBoxes, colorOf);
  const summary = `host ${hostName} · ${nets.length} network${nets.length === 1 ? "" : "s"} · ${t.sandboxes.length} sandbox${t.sandboxes.length === 1 ? "" : "es"}`;
  const hidden = t.networks.filter((n) => !nets.includes(n)).map((n) => n.name);
  const note = hidden.length === 0 ? "" : ` (not drawn: ${hidden.join(", ")}, with nothing on them)`;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`,
    `<title>dnet topology: ${xml(summary)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(PAD, 36, "dnet topology", 'font-size="20" font-weight="bold" fill="#222222"'),
    text(PAD, 58, summary + note, 'class="summary" font-size="12" fill="#666666"'),
    `<rect class="host" x="${PAD / 2}" y="${netTop - 26}" width="${width - PAD}" height="${netBottom - netTop + 42}" rx="10" fill="#eef2f6" stroke="#c5cfd9"/>`,
    text(PAD, netTop - 10, `host ${hostName}`, 'font-size="11" fill="#5a6b7b"'),
    ...links,
    ...nets.map((n, i) => drawNetwork(n, netBoxes[i] as Box, colorOf(n.id))),
    ...sbs.map((s, i) => drawSandbox(s, sbBoxes[i] as Box, colorOf)),
    "</svg>", "",
  ].join("\n");
}

function drawLinks(nets: readonly TopoNetwork[], netBoxes: readonly Box[], sbs: readonly TopoSandbox[], sbBoxes: readonly Box[], colorOf: (id: string) => string): string[] {
  interface Link { readonly net: number; readonly sb: number; readonly iface: TopoInterface }
  const links: Link[] = [];
  sbs.forEach((s, sb) => {
    for (const iface of s.interfaces) {
      const net = nets.findIndex((n) => n.id === iface.networkId);
      if (net >= 0) links.push({ net, sb, iface });
    }
  });
  // Spread the ends along each box's edge, in the order of the box at the other end.
  const spread = (box: Box, i: number, n: number): number => box.x + (box.w * (i + 1)) / (n + 1);
  const netEnd = new Map<Link, number>();
  const sbEnd = new Map<Link, number>();
  nets.forEach((_, ni) => {
    const mine = links.filter((l) => l.net === ni).sort((a, b) => a.sb - b.sb);
    mine.forEach((l, i) => netEnd.set(l, spread(netBoxes[ni] as Box, i, mine.length)));
  });
  sbs.forEach((_, si) => {
    const mine = links.filter((l) => l.sb === si).sort((a, b) => a.net - b.net);
    mine.forEach((l, i) => sbEnd.set(l, spread(sbBoxes[si] as Box, i, mine.length)));
  });
  return links.map((l) => {
    const nb = netBoxes[l.net] as Box;
    const sb = sbBoxes[l.sb] as Box;
    const x1 = netEnd.get(l) as number;
    const y1 = nb.y + nb.h;
    const x2 = sbEnd.get(l) as number;
    const y2 = sb.y;
    const color = colorOf(l.iface.networkId);
    const mid = (y2 - y1) / 2;
    return [
      `<g class="link" data-network="${xml(nets[l.net]?.name ?? "")}" data-sandbox="${xml(sbs[l.sb]?.name ?? "")}">`,
      `<path d="M${x1.toFixed(1)} ${y1}C${x1.toFixed(1)} ${y1 + mid},${x2.toFixed(1)} ${y2 - mid},${x2.toFixed(1)} ${y2}" fill="none" stroke="${color}" stroke-width="2.5"/>`,
      `<circle cx="${x1.toFixed(1)}" cy="${y1}" r="3.5" fill="${color}"/><circle cx="${x2.toFixed(1)}" cy="${y2}" r="3.5" fill="${color}"/>`,
      text(x2, y2 - 9, l.iface.ifname, `class="ifname" font-size="11" text-anchor="middle" fill="${color}" stroke="#ffffff" stroke-width="3" paint-order="stroke"`),
      "</g>",
    ].join("\n");
  });
}
