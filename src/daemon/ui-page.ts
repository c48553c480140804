// The one self-contained page of `dnet daemon --ui`: inline CSS and JS, no library, nothing fetched from
// elsewhere. It draws GET state (topology SVG and key metrics) and redraws on each event of GET events.

import { createHash } from "node:crypto";

const STYLE = `
:root { color-scheme: light; --ink: #1d2630; --muted: #5a6b7b; --line: #d8e0e8; --bg: #f4f6f9; --live: #1a8f3c; --down: #c0392b; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 "DejaVu Sans", Helvetica, Arial, sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; align-items: baseline; gap: 16px; padding: 12px 24px; background: #1d2630; color: #fff; }
header h1 { margin: 0; font-size: 20px; letter-spacing: 0.5px; }
header .host { color: #b8c4d0; }
header .spacer { flex: 1; }
header .updated { color: #b8c4d0; font-size: 12px; }
.status { font-size: 12px; font-weight: bold; padding: 2px 10px; border-radius: 10px; background: #56616c; }
.status.live { background: var(--live); }
.status.down, .status.error { background: var(--down); }
.tiles { display: grid; grid-template-columns: repeat(7, 1fr); gap: 12px; padding: 16px 24px 0; }
.tile { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.tile .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.4px; }
.tile .value { font-size: 26px; font-weight: bold; }
.tile .sub { color: var(--muted); font-size: 12px; min-height: 1.4em; }
.tile .sub.bad { color: var(--down); }
main { display: grid; grid-template-columns: minmax(0, 1fr) 320px; gap: 16px; padding: 16px 24px; align-items: start; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; }
.card h2 { margin: 0 0 8px; font-size: 13px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.4px; }
#topology svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
ol#events { list-style: none; margin: 0; padding: 0; font-size: 12px; }
ol#events li { display: grid; grid-template-columns: 58px 60px 1fr; gap: 6px; padding: 4px 0; border-top: 1px solid #eef1f4; }
ol#events li:first-child { border-top: 0; }
ol#events .time { color: var(--muted); font-variant-numeric: tabular-nums; }
ol#events .kind { font-weight: bold; }
ol#events .kind.network { color: #1f77b4; }
ol#events .kind.sandbox { color: #8c564b; }
ol#events .kind.daemon { color: #56616c; }
ol#events .what { overflow-wrap: anywhere; }
.empty { color: var(--muted); font-style: italic; font-size: 12px; }
table#routes { width: 100%; border-collapse: collapse; font-size: 12px; }
table#routes td { padding: 3px 0; border-top: 1px solid #eef1f4; }
table#routes td.n { text-align: right; font-variant-numeric: tabular-nums; }
footer { padding: 0 24px 16px; color: var(--muted); font-size: 12px; }
`;

const SCRIPT = `
"use strict";
const $ = (id) => document.getElementById(id);
const root = document.documentElement;
let pending = 0;
let renders = 0;
let connected = false;
const setText = (id, v) => { $(id).textContent = String(v); };
const clock = (d) => [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
const cell = (text, cls) => { const td = document.createElement("td"); td.textContent = String(text); if (cls) td.className = cls; return td; };
function setStatus(kind, text) { const el = $("status"); el.className = "status " + kind; el.textContent = text; }
function uptime(s) {
  const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
  return d > 0 ? d + "d " + h + "h" : h > 0 ? h + "h " + m + "m" : m > 0 ? m + "m " + Math.floor(s % 60) + "s" : Math.floor(s) + "s";
}
function failed(id, n) { const el = $(id); el.textContent = n + " failed"; el.className = n > 0 ? "sub bad" : "sub"; }
function render(s) {
  $("topology").innerHTML = s.svg;
  const m = s.metrics;
  setText("host", "host " + s.host);
  document.title = "dnet · " + s.host;
  for (const k of ["networks", "endpoints", "sandboxes", "connections", "requests", "operations"]) setText("m-" + k, m[k]);
  setText("m-uptime", uptime(m.uptimeSeconds));
  setText("m-subscribers", m.eventSubscribers + " event stream" + (m.eventSubscribers === 1 ? "" : "s"));
  failed("m-requests-failed", m.failedRequests);
  failed("m-operations-failed", m.failedOperations);
  const rows = m.byRoute.slice(0, 10).map((r) => { const tr = document.createElement("tr"); tr.append(cell(r.route), cell(r.count, "n")); return tr; });
  $("routes").replaceChildren(...rows);
  setText("updated", "updated " + clock(new Date()));
  root.dataset.renders = String(++renders);
  if (connected) root.dataset.live = "yes";
}
async function refresh() {
  const res = await fetch("state", { cache: "no-store" });
  if (!res.ok) throw new Error("GET state: HTTP " + res.status);
  render(await res.json());
}
function schedule() {
  clearTimeout(pending);
  pending = setTimeout(() => refresh().catch((e) => setStatus("error", String(e && e.message || e))), 120);
}
function addEvent(e) {
  const a = (e.Actor && e.Actor.Attributes) || {};
  const li = document.createElement("li");
  const part = (cls, text) => { const span = document.createElement("span"); span.className = cls; span.textContent = text; li.append(span); };
  part("time", clock(new Date(e.time * 1000)));
  part("kind " + e.Type, e.Type);
  part("what", e.Action + " " + (a.name || (e.Actor ? e.Actor.ID.slice(0, 12) : "")) + (a.sandbox ? " · " + a.sandbox : ""));
  const list = $("events");
  const empty = $("events-empty");
  if (empty) empty.remove();
  list.prepend(li);
  while (list.children.length > 14) list.lastElementChild.remove();
}
const events = new EventSource("events");
events.onopen = () => { connected = true; setStatus("live", "live"); schedule(); };
events.onerror = () => { connected = false; delete root.dataset.live; setStatus("down", "reconnecting…"); };
events.onmessage = (m) => { try { addEvent(JSON.parse(m.data)); } catch { /* not an event */ } schedule(); };
// Request counts move without events.
setInterval(schedule, 5000);
schedule();
`;

const tile = (key: string, label: string, sub = ""): string =>
  `<div class="tile"><div class="label">${label}</div><div class="value" id="m-${key}">–</div><div class="sub"${sub === "" ? "" : ` id="${sub}"`}></div></div>`;

const BODY = `<header><h1>dnet</h1><span class="host" id="host"></span><span class="status" id="status">connecting…</span><span class="spacer"></span><span class="updated" id="updated"></span></header>
<section class="tiles">
${tile("networks", "Networks")}${tile("endpoints", "Endpoints")}${tile("sandboxes", "Sandboxes")}${tile("connections", "Connections", "m-subscribers")}
${tile("requests", "API requests", "m-requests-failed")}${tile("operations", "Operations", "m-operations-failed")}${tile("uptime", "Uptime")}
</section>
<main>
<section class="card"><h2>Topology</h2><div id="topology"></div></section>
<aside>
<section class="card"><h2>Recent events</h2><p class="empty" id="events-empty">none since this page opened</p><ol id="events"></ol></section>
<section class="card"><h2>API requests by route</h2><table id="routes"></table></section>
</aside>
</main>
<footer>Read-only view of this host's dnet daemon (<code>dnet daemon --ui</code>), redrawn on every event.</footer>`;

export interface UiPage {
  readonly html: string;
  /** Only the page's own inline script and style run, and it may connect only back to this server. */
  readonly csp: string;
}

const sha256 = (s: string): string => `'sha256-${createHash("sha256").update(s).digest("base64")}'`;

export function uiPage(): UiPage {
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>dnet</title><style>${STYLE}</style></head>
<body>
${BODY}
<script>${SCRIPT}</script>
</body></html>
`;
  const csp = [
    "default-src 'none'", `script-src ${sha256(SCRIPT)}`, `style-src ${sha256(STYLE)}`, "connect-src 'self'", "img-src 'self'",
    "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
  ].join("; ");
  return { html, csp };
}
