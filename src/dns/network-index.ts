// One network's service records (Docker's svcMap, svcIPv6Map and ipMap), with answers encoded on first use.

import { DnsType } from "./message.js";
import { encodeName } from "./name.js";
import { nameKey, type EndpointSpec, type NetworkSpec } from "./records-types.js";
import { pointerRecord } from "./reply.js";
import { ipToBytes, parseIp } from "../types/index.js";

/** An answer ready to copy into a reply: `value` is the address or PTR target, `rr` its wire record. */
export interface AnswerRecord {
  readonly value: string;
  readonly rr: Buffer;
}

/** One endpoint's claim on a name. */
export interface NameHolder {
  readonly endpointId: string;
  readonly v4: AnswerRecord | undefined;
  readonly v6: AnswerRecord | undefined;
}

/**
 * A value computed on first use. Every copy of the records (the controller's and each serving thread's)
 * replaces an endpoint's entry on create, join and leave, but only a serving thread answers queries,
 * and only for some names: encoding every answer up front cost ~0.03 ms per change on the attach path.
 */
class Lazy<T> {
  #compute: (() => T) | undefined;
  #value: T | undefined;

  constructor(compute: () => T) {
    this.#compute = compute;
  }

  get(): T {
    if (this.#compute !== undefined) {
      this.#value = this.#compute();
      this.#compute = undefined;
    }
    return this.#value as T;
  }
}

class Holder implements NameHolder {
  readonly endpointId: string;
  readonly #v4: Lazy<AnswerRecord | undefined>;
  readonly #v6: Lazy<AnswerRecord | undefined>;

  constructor(ep: EndpointSpec) {
    this.endpointId = ep.endpointId;
    this.#v4 = new Lazy(() => addressRecord(ep.ipv4));
    this.#v6 = new Lazy(() => addressRecord(ep.ipv6));
  }

  get v4(): AnswerRecord | undefined { return this.#v4.get(); }
  get v6(): AnswerRecord | undefined { return this.#v6.get(); }
}

interface ReverseEntry {
  readonly endpointId: string;
  readonly answer: Lazy<AnswerRecord | undefined>;
}

function addressRecord(ip: string | undefined): AnswerRecord | undefined {
  if (ip === undefined) return undefined;
  const addr = parseIp(ip);
  return { value: ip, rr: pointerRecord(addr.family === 4 ? DnsType.A : DnsType.AAAA, ipToBytes(addr)) };
}

function ptrRecord(target: string): AnswerRecord | undefined {
  try {
    return { value: `${target}.`, rr: pointerRecord(DnsType.PTR, encodeName(target)) };
  } catch {
    // A name too long for DNS simply has no PTR record.
    return undefined;
  }
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function removeFrom<K, V extends { readonly endpointId: string }>(map: Map<K, V[]>, key: K, endpointId: string): void {
  const list = map.get(key);
  if (list === undefined) return;
  const kept = list.filter((v) => v.endpointId !== endpointId);
  if (kept.length === 0) map.delete(key);
  else map.set(key, kept);
}

export class NetworkIndex {
  spec: NetworkSpec;
  /** Lower-case network name, for `name.network` lookups. */
  key: string;
  readonly endpoints = new Map<string, EndpointSpec>();
  readonly names = new Map<string, NameHolder[]>();
  readonly #reverse = new Map<string, ReverseEntry[]>();

  constructor(spec: NetworkSpec) {
    this.spec = spec;
    this.key = nameKey(spec.name);
  }

  /** Renames or re-flags the network; PTR answers carry its name, so they are rebuilt. */
  update(spec: NetworkSpec): void {
    const renamed = spec.name !== this.spec.name;
    this.spec = spec;
    this.key = nameKey(spec.name);
    if (!renamed) return;
    const all = [...this.endpoints.values()];
    for (const ep of all) this.remove(ep.endpointId);
    for (const ep of all) this.set(ep);
  }

  /** Adds or replaces an endpoint (a rename is a replace). */
  set(ep: EndpointSpec): void {
    this.remove(ep.endpointId);
    this.endpoints.set(ep.endpointId, ep);
    const holder = new Holder(ep);
    const keys = new Set<string>();
    if (ep.anonymous !== true) keys.add(nameKey(ep.name));
    for (const alias of ep.aliases ?? []) keys.add(nameKey(alias));
    keys.delete("");
    for (const key of keys) pushTo(this.names, key, holder);
    // Docker: the name gets the PTR; an anonymous endpoint's first alias takes its place.
    const ptrName = ep.anonymous === true ? ep.aliases?.[0] : ep.name;
    if (ptrName === undefined || ptrName === "") return;
    const target = this.spec.name === "" ? ptrName : `${ptrName}.${this.spec.name}`;
    const answer = new Lazy(() => ptrRecord(target));
    for (const ip of [ep.ipv4, ep.ipv6]) {
      if (ip !== undefined) pushTo(this.#reverse, ip, { endpointId: ep.endpointId, answer });
    }
  }

  remove(endpointId: string): void {
    const ep = this.endpoints.get(endpointId);
    if (ep === undefined) return;
    this.endpoints.delete(endpointId);
    for (const key of [ep.name, ...(ep.aliases ?? [])]) removeFrom(this.names, nameKey(key), endpointId);
    for (const ip of [ep.ipv4, ep.ipv6]) if (ip !== undefined) removeFrom(this.#reverse, ip, endpointId);
  }

  /** The PTR answer for a canonical address: the first endpoint that registered it (Docker's ipMap[0]). */
  reverse(ip: string): AnswerRecord | undefined {
    return this.#reverse.get(ip)?.[0]?.answer.get();
  }
}
