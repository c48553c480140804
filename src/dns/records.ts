// ServiceRecords: the names the embedded resolver answers, per network, and what each sandbox sees (§5.2).

import { notFound } from "../errors/index.js";
import { DnsType } from "./message.js";
import { NetworkIndex, type AnswerRecord, type NameHolder } from "./network-index.js";
import {
  nameKey, normalizeEndpoint, normalizeNetwork, normalizeSandbox,
  type EndpointSpec, type NetworkSpec, type RecordsOp, type SandboxSpec,
} from "./records-types.js";
import { reverseNameToIp } from "./reverse.js";
import type { Upstream } from "./sandbox-resolvconf.js";

export type { AnswerRecord } from "./network-index.js";

/**
 * - answer: records to return (A/AAAA: every address of the name on the winning network, shuffled; PTR: one);
 * - nodata: the name is ours but has no record of that type (AAAA of a v4-only name, MX…): empty NOERROR;
 * - unknown: not a local name; forward it (or refuse it when the sandbox may not forward).
 */
export type LookupResult =
  | { readonly kind: "answer"; readonly records: readonly AnswerRecord[] }
  | { readonly kind: "nodata" }
  | { readonly kind: "unknown" };

const UNKNOWN: LookupResult = Object.freeze({ kind: "unknown" });
const NODATA: LookupResult = Object.freeze({ kind: "nodata" });

interface SandboxState {
  readonly spec: SandboxSpec;
  /** The attached networks that exist, in the sandbox's order. */
  networks: NetworkIndex[];
  readonly links: ReadonlyMap<string, string>;
}

type Family = 0 | 4 | 6;

function pick(holders: readonly NameHolder[], family: Family): AnswerRecord[] {
  if (holders.length === 1) {
    const a = family === 4 ? holders[0]?.v4 : holders[0]?.v6;
    return a === undefined ? [] : [a];
  }
  const out: AnswerRecord[] = [];
  const seen = new Set<string>();
  for (const h of holders) {
    const a = family === 4 ? h.v4 : h.v6;
    if (a !== undefined && !seen.has(a.value)) {
      seen.add(a.value);
      out.push(a);
    }
  }
  // Docker shuffles shared-alias answers so clients spread over the endpoints.
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as AnswerRecord, out[i] as AnswerRecord];
  }
  return out;
}

/** State of one name search: a hit, or whether the name was seen without the wanted family. */
interface Search { found: AnswerRecord[] | undefined; known: boolean }

function tryNetworks(sb: SandboxState, name: string, netKey: string, family: Family, s: Search): boolean {
  for (const net of sb.networks) {
    if (netKey !== "" && net.key !== netKey) continue;
    const holders = net.names.get(name);
    if (holders === undefined) continue;
    s.known = true;
    if (family === 0) return true;
    const found = pick(holders, family);
    if (found.length > 0) {
      s.found = found;
      return true;
    }
  }
  return false;
}

/** Docker's ResolveName: `a.b.c` on all networks, then `a.b` on network `c`, then `a` on `b.c`; links first. */
function searchName(sb: SandboxState, name: string, family: Family): Search {
  const s: Search = { found: undefined, known: false };
  let req = name;
  let netKey = "";
  for (;;) {
    const target = sb.links.get(req);
    if (target !== undefined && tryNetworks(sb, target, netKey, family, s)) return s;
    if (target === undefined && tryNetworks(sb, req, netKey, family, s)) return s;
    const dot = req.lastIndexOf(".");
    if (dot <= 0) return s;
    netKey = name.slice(dot + 1);
    req = name.slice(0, dot);
  }
}

export class ServiceRecords {
  readonly #networks = new Map<string, NetworkIndex>();
  readonly #sandboxes = new Map<string, SandboxState>();
  readonly #listeners = new Set<(op: RecordsOp) => void>();
  #defaults: readonly Upstream[] = [];

  setNetwork(network: NetworkSpec): void {
    this.apply({ op: "setNetwork", network });
  }

  /** Removes the network and every record on it. */
  removeNetwork(networkId: string): void {
    this.apply({ op: "removeNetwork", networkId });
  }

  /** Adds or replaces (rename, new aliases or addresses) an endpoint's records; the network must be set. */
  setEndpoint(networkId: string, endpoint: EndpointSpec): void {
    this.apply({ op: "setEndpoint", networkId, endpoint });
  }

  removeEndpoint(networkId: string, endpointId: string): void {
    this.apply({ op: "removeEndpoint", networkId, endpointId });
  }

  setSandbox(sandboxId: string, sandbox: SandboxSpec): void {
    this.apply({ op: "setSandbox", sandboxId, sandbox });
  }

  removeSandbox(sandboxId: string): void {
    this.apply({ op: "removeSandbox", sandboxId });
  }

  /** Where sandboxes without their own `--dns` forward: daemon `--dns`, else the host's resolv.conf. */
  setDefaultUpstreams(upstreams: readonly Upstream[]): void {
    this.apply({ op: "setDefaultUpstreams", upstreams });
  }

  /** Applies one change (validated and normalised) and tells the subscribers. */
  apply(op: RecordsOp): void {
    const normalized = this.#apply(op);
    for (const listener of this.#listeners) listener(normalized);
  }

  #apply(op: RecordsOp): RecordsOp {
    switch (op.op) {
      case "setNetwork": return this.#setNetwork(normalizeNetwork(op.network));
      case "removeNetwork":
        this.#networks.delete(op.networkId);
        this.#relink();
        return op;
      case "setEndpoint": {
        const endpoint = normalizeEndpoint(op.endpoint);
        this.#network(op.networkId).set(endpoint);
        return { op: "setEndpoint", networkId: op.networkId, endpoint };
      }
      case "removeEndpoint":
        this.#networks.get(op.networkId)?.remove(op.endpointId);
        return op;
      case "setSandbox": return this.#setSandbox(op.sandboxId, normalizeSandbox(op.sandbox));
      case "removeSandbox":
        this.#sandboxes.delete(op.sandboxId);
        return op;
      case "setDefaultUpstreams":
        this.#defaults = Object.freeze(op.upstreams.map((u) => Object.freeze({ address: u.address, hostLoopback: u.hostLoopback })));
        return { op: "setDefaultUpstreams", upstreams: this.#defaults };
    }
  }

  #setNetwork(network: NetworkSpec): RecordsOp {
    const existing = this.#networks.get(network.networkId);
    if (existing === undefined) this.#networks.set(network.networkId, new NetworkIndex(network));
    else existing.update(network);
    this.#relink();
    return { op: "setNetwork", network };
  }

  #setSandbox(sandboxId: string, sandbox: SandboxSpec): RecordsOp {
    const state: SandboxState = { spec: sandbox, networks: [], links: new Map(Object.entries(sandbox.linkAliases ?? {})) };
    this.#sandboxes.set(sandboxId, state);
    this.#relinkOne(state);
    return { op: "setSandbox", sandboxId, sandbox };
  }

  #network(networkId: string): NetworkIndex {
    const net = this.#networks.get(networkId);
    if (net === undefined) throw notFound("ERR_DNS_NETWORK_NOT_FOUND", `DNS records: network ${networkId} is not set`);
    return net;
  }

  #relinkOne(sb: SandboxState): void {
    sb.networks = sb.spec.networkIds.map((id) => this.#networks.get(id)).filter((n) => n !== undefined);
  }

  #relink(): void {
    for (const sb of this.#sandboxes.values()) this.#relinkOne(sb);
  }

  /** Subscribes to every applied change (how worker threads keep their copy in step). */
  subscribe(listener: (op: RecordsOp) => void): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  /** The changes that rebuild this store from empty. */
  snapshot(): RecordsOp[] {
    const ops: RecordsOp[] = [{ op: "setDefaultUpstreams", upstreams: this.#defaults }];
    for (const net of this.#networks.values()) {
      ops.push({ op: "setNetwork", network: net.spec });
      for (const endpoint of net.endpoints.values()) ops.push({ op: "setEndpoint", networkId: net.spec.networkId, endpoint });
    }
    for (const [sandboxId, sb] of this.#sandboxes) ops.push({ op: "setSandbox", sandboxId, sandbox: sb.spec });
    return ops;
  }

  hasSandbox(sandboxId: string): boolean {
    return this.#sandboxes.has(sandboxId);
  }

  /** The sandbox's own servers, else the defaults. */
  upstreamsOf(sandboxId: string): readonly Upstream[] {
    const own = this.#sandboxes.get(sandboxId)?.spec.upstreams ?? [];
    return own.length > 0 ? own : this.#defaults;
  }

  /** Forwarding is allowed when at least one attached network is not internal. */
  mayForward(sandboxId: string): boolean {
    return this.#sandboxes.get(sandboxId)?.networks.some((n) => n.spec.internal !== true) ?? false;
  }

  /** Answers `qname`/`qtype` for a sandbox from the records of the networks it is attached to. */
  lookup(sandboxId: string, qname: string, qtype: number): LookupResult {
    const sb = this.#sandboxes.get(sandboxId);
    if (sb === undefined) return UNKNOWN;
    const name = nameKey(qname);
    if (qtype === DnsType.PTR) {
      const ip = reverseNameToIp(name);
      if (ip !== undefined) {
        for (const net of sb.networks) {
          const answer = net.reverse(ip);
          if (answer !== undefined) return { kind: "answer", records: [answer] };
        }
        return UNKNOWN;
      }
    }
    const family: Family = qtype === DnsType.A ? 4 : qtype === DnsType.AAAA ? 6 : 0;
    const s = searchName(sb, name, family);
    if (s.found !== undefined) return { kind: "answer", records: s.found };
    if (s.known) return NODATA;
    // §5.3: with a user ndots, a single-label miss gets NOERROR so the stub tries its search domains.
    if (family !== 0 && sb.spec.userNdots === true && !name.includes(".")) return NODATA;
    return UNKNOWN;
  }
}
