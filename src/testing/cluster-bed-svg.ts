// The multi-host test bed drawn as SVG for docs/multi-host.md, from the addresses the bed really uses
// (written by `node dist/scripts/gen-testbed-svg.js`; a test checks the checked-in file is current).

import { UNDERLAY_ETCD_IP, hostUnderlayIp } from "./cluster-bed.js";

const HOSTS = 3;
const W = 780;
const H = 470;
const FONT = `font-family="DejaVu Sans, Helvetica, Arial, sans-serif"`;

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function box(x: number, y: number, w: number, h: number, fill: string, dashed = false): string {
  return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="8" fill="${fill}" stroke="#444"${dashed ? ` stroke-dasharray="5 4"` : ""}/>`;
}

function text(x: number, y: number, s: string, size = 12, weight = "normal", anchor = "start"): string {
  return `<text x="${x}" y="${y}" ${FONT} font-size="${size}" font-weight="${weight}" text-anchor="${anchor}">${esc(s)}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, dashed = false, color = "#444"): string {
  return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${color}" stroke-width="1.5"${dashed ? ` stroke-dasharray="6 4"` : ""}/>`;
}

function underlay(): string[] {
  return [
    box(20, 20, W - 40, 100, "#eef3fb"),
    text(34, 42, "underlay netns (dnu-…): plays the LAN between the hosts", 13, "bold"),
    box(250, 56, 280, 44, "#ffffff"),
    text(390, 76, `bridge ul0 — ${UNDERLAY_ETCD_IP}/24`, 12, "normal", "middle"),
    text(390, 92, `etcd on ${UNDERLAY_ETCD_IP} (Debian etcd-server)`, 11, "normal", "middle"),
  ];
}

function host(i: number): string[] {
  const w = 230;
  const x = 20 + i * (w + 25);
  const y = 170;
  const cx = x + w / 2;
  return [
    line(cx, y, 390, 100),
    text(cx + 6, y - 14, `veth ul${i} ↔ eth0`, 10),
    box(x, y, w, 270, "#f4f8ee"),
    text(x + 12, y + 22, `host ${i + 1} netns (dnt-…)`, 13, "bold"),
    text(x + 12, y + 40, `eth0 ${hostUnderlayIp(i)}/24`, 11),
    text(x + 12, y + 56, `daemon --advertise-addr ${hostUnderlayIp(i)}`, 10),
    text(x + 12, y + 70, "own socket, data dir, netns dir", 10),
    box(x + 12, y + 84, w - 24, 96, "#ffffff", true),
    text(x + 22, y + 102, "overlay netns ov-<network id>", 11, "bold"),
    text(x + 22, y + 122, "bridge ov-br0", 11),
    text(x + 22, y + 140, "vxlan ov-vx0 (VNI, UDP 4789,", 11),
    text(x + 22, y + 155, "learning off; FDB + neighbours", 11),
    text(x + 22, y + 170, "programmed from etcd's watch)", 11),
    box(x + 12, y + 196, w - 24, 60, "#fff8e8"),
    text(x + 22, y + 216, "sandbox netns", 11, "bold"),
    text(x + 22, y + 234, "eth0: veth peer on ov-br0", 11),
    text(x + 22, y + 249, "DNS 127.0.0.11: every host's names", 10),
    line(cx, y + 180, cx, y + 196),
  ];
}

/** The SVG, deterministic (no ids, dates or random names), so the checked-in copy can be compared. */
export function testBedSvg(): string {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    ...underlay(),
    ...Array.from({ length: HOSTS }, (_, i) => host(i)).flat(),
    text(W / 2, H - 12, "VXLAN tunnels run host to host over the underlay; each daemon keeps a lease and a watch on etcd", 11, "normal", "middle"),
    "</svg>",
  ];
  return `${parts.join("\n")}\n`;
}
