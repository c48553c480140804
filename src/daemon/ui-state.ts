// What the `--ui` page shows, read in-process and read-only: the topology picture (the one `dnet topology
// --svg` draws), the key figures of the daemon's Prometheus metrics, and the event bus to relay.

import { hostname } from "node:os";
import type { DockerNetwork, EventDto, SandboxDto } from "../api/dto.js";
import { buildTopology } from "../api/topology-model.js";
import { topologySvg } from "../api/topology-svg.js";
import { networkDto, sandboxDto } from "./convert.js";
import type { Metrics } from "./metrics.js";
import type { Operations } from "./operations.js";

/** The daemon as the page sees it: reads and a subscription, no way to change anything. */
export interface UiSource {
  readonly hostName: string;
  networks(): readonly DockerNetwork[];
  sandboxes(): readonly SandboxDto[];
  /** The text `GET /metrics` serves. */
  metricsText(): string;
  /** Every event the API's `GET /events` streams; returns the unsubscribe. */
  subscribe(listener: (e: EventDto) => void): () => void;
}

export function daemonUiSource(ops: Operations, metrics: Metrics, etcNetnsDir: string): UiSource {
  const c = ops.controller;
  return {
    hostName: hostname(),
    networks: () => c.networks().map((n) => networkDto(c, n.info())),
    sandboxes: () => c.sandboxes().map((s) => sandboxDto(c, s, etcNetnsDir)),
    metricsText: () => metrics.render(),
    subscribe: (listener) => ops.events.subscribe(listener),
  };
}

export interface RouteCount { readonly route: string; readonly count: number }

export interface KeyMetrics {
  readonly networks: number;
  readonly endpoints: number;
  readonly sandboxes: number;
  readonly connections: number;
  readonly eventSubscribers: number;
  readonly uptimeSeconds: number;
  /** API requests answered, and those answered with a 4xx or 5xx. */
  readonly requests: number;
  readonly failedRequests: number;
  readonly operations: number;
  readonly failedOperations: number;
  /** API requests by route, most first. */
  readonly byRoute: readonly RouteCount[];
}

interface Sample { readonly name: string; readonly labels: Readonly<Record<string, string>>; readonly value: number }

const SAMPLE_RE = /^([A-Za-z_:][\w:]*)(\{.*\})?\s+(\S+)$/;
const LABEL_RE = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** Samples of Prometheus text exposition (comments and malformed lines skipped). */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    const m = SAMPLE_RE.exec(line.trim());
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(LABEL_RE)) labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, ch: string) => (ch === "n" ? "\n" : ch));
    const value = Number(m[3]);
    if (Number.isFinite(value)) out.push({ name: m[1] as string, labels, value });
  }
  return out;
}

export function keyMetrics(text: string): KeyMetrics {
  const samples = parsePrometheus(text);
  const gauge = (name: string): number => samples.find((s) => s.name === `dnet_${name}`)?.value ?? 0;
  const sum = (name: string, keep: (s: Sample) => boolean = () => true): number =>
    samples.filter((s) => s.name === name && keep(s)).reduce((a, s) => a + s.value, 0);
  const routes = new Map<string, number>();
  for (const s of samples.filter((x) => x.name === "dnet_http_requests_total")) {
    const route = s.labels["route"] ?? "";
    routes.set(route, (routes.get(route) ?? 0) + s.value);
  }
  return {
    networks: gauge("networks"), endpoints: gauge("endpoints"), sandboxes: gauge("sandboxes"),
    connections: gauge("connections"), eventSubscribers: gauge("event_subscribers"), uptimeSeconds: gauge("uptime_seconds"),
    requests: sum("dnet_http_requests_total"),
    failedRequests: sum("dnet_http_requests_total", (s) => Number(s.labels["code"]) >= 400),
    operations: sum("dnet_operations_total"),
    failedOperations: sum("dnet_operations_total", (s) => s.labels["result"] === "error"),
    byRoute: [...routes].map(([route, count]) => ({ route, count })).sort((a, b) => b.count - a.count || (a.route < b.route ? -1 : 1)),
  };
}

export interface UiState {
  readonly host: string;
  /** The `<svg>` element of `dnet topology --svg`, without the XML declaration, to put in the page. */
  readonly svg: string;
  readonly metrics: KeyMetrics;
}

export function uiState(source: UiSource): UiState {
  const topology = buildTopology(source.networks(), source.sandboxes());
  const svg = topologySvg(topology, source.hostName).replace(/^<\?xml[^>]*\?>\s*/, "");
  return { host: source.hostName, svg, metrics: keyMetrics(source.metricsText()) };
}
