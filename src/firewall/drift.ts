// Drift detection: compares `nft -j list table inet dnet` with the table and elements we expect.

import { formatIp, formatPrefix } from "../types/index.js";
import { u128Text, type ElementsBySet, type NftElement, type NftTableSpec, type NftValue } from "./nft-ast.js";

/** Element text as nft prints it in JSON (no quotes; a full-length prefix is a plain address). */
function canonicalValue(v: NftValue): string {
  switch (v.t) {
    case "ifname": return v.v;
    case "addr": return formatIp(v.v);
    case "prefix": return v.v.length === (v.v.family === 4 ? 32 : 128)
      ? formatIp({ family: v.v.family, value: v.v.address }) : formatPrefix(v.v);
    case "proto": return v.v;
    case "port": return String(v.v);
    case "portRange": return `${v.lo}-${v.hi}`;
    case "ether": return v.v.toLowerCase();
    case "u128": return u128Text(v.v);
  }
}

export function canonicalElement(e: NftElement): string {
  const key = e.key.map(canonicalValue).join(" . ");
  return e.data === undefined ? key : `${key} : ${e.data.map(canonicalValue).join(" . ")}`;
}

/** The same text from one `elem` entry of nft's JSON output. */
export function canonicalJsonElement(j: unknown): string {
  // A raw 128-bit field lists as hex; written without leading zeros, as u128Text does.
  if (typeof j === "string" && /^0x[0-9a-f]+$/i.test(j)) return `0x${BigInt(j).toString(16)}`;
  if (typeof j === "string" || typeof j === "number") return String(j);
  if (Array.isArray(j)) return j.map(canonicalJsonElement).join(" : ");
  if (typeof j !== "object" || j === null) return JSON.stringify(j);
  const o = j as Record<string, unknown>;
  if (Array.isArray(o.concat)) return o.concat.map(canonicalJsonElement).join(" . ");
  const p = o.prefix as { addr?: unknown; len?: unknown } | undefined;
  if (p !== undefined) return `${String(p.addr)}/${String(p.len)}`;
  if (Array.isArray(o.range)) return o.range.map(canonicalJsonElement).join("-");
  const e = o.elem as { val?: unknown } | undefined;
  if (e !== undefined) return canonicalJsonElement(e.val);
  return JSON.stringify(j);
}

interface ListedChain { rules: number; hook?: string; type?: string; prio?: number }
interface ListedTable { sets: Map<string, string[]>; chains: Map<string, ListedChain> }

/** Parses `nft -j list table …` output. */
export function parseListedTable(json: string): ListedTable {
  const doc = JSON.parse(json) as { nftables?: Array<Record<string, Record<string, unknown>>> };
  const sets = new Map<string, string[]>();
  const chains = new Map<string, ListedChain>();
  for (const item of doc.nftables ?? []) {
    const set = item.set ?? item.map;
    if (set !== undefined) {
      const elem = Array.isArray(set.elem) ? set.elem : [];
      sets.set(String(set.name), elem.map(canonicalJsonElement));
      continue;
    }
    const chain = item.chain;
    if (chain !== undefined) {
      const c: ListedChain = { rules: chains.get(String(chain.name))?.rules ?? 0 };
      if (typeof chain.hook === "string") c.hook = chain.hook;
      if (typeof chain.type === "string") c.type = chain.type;
      if (typeof chain.prio === "number") c.prio = chain.prio;
      chains.set(String(chain.name), c);
      continue;
    }
    const r = item.rule;
    if (r !== undefined) {
      const c = chains.get(String(r.chain)) ?? { rules: 0 };
      c.rules++;
      chains.set(String(r.chain), c);
    }
  }
  return { sets, chains };
}

/** Differences between a listed table and the expected one; empty when they agree. */
export function tableDrift(listed: ListedTable, t: NftTableSpec, elements: ElementsBySet): string[] {
  const id = `${t.family} ${t.name}`;
  const problems: string[] = [];
  for (const c of t.chains) {
    const got = listed.chains.get(c.name);
    if (got === undefined) { problems.push(`chain ${c.name} of ${id} is missing`); continue; }
    if (c.hook !== undefined && (got.hook !== c.hook.hook || got.type !== c.hook.type || got.prio !== c.hook.priority)) {
      problems.push(`chain ${c.name} of ${id} is not a ${c.hook.type} chain on hook ${c.hook.hook} priority ${c.hook.priority}`);
    }
    if (got.rules !== c.rules.length) {
      problems.push(`chain ${c.name} of ${id} has ${got.rules} rule(s), expected ${c.rules.length}`);
    }
  }
  for (const name of listed.chains.keys()) {
    if (!t.chains.some((c) => c.name === name)) problems.push(`unexpected chain ${name} in ${id}`);
  }
  for (const s of t.sets) {
    const got = listed.sets.get(s.name);
    if (got === undefined) { problems.push(`set ${s.name} of ${id} is missing`); continue; }
    const want = new Set((elements.get(s.name) ?? []).map(canonicalElement));
    const have = new Set(got);
    for (const e of want) if (!have.has(e)) problems.push(`set ${s.name} of ${id} lacks element ${e}`);
    for (const e of have) if (!want.has(e)) problems.push(`set ${s.name} of ${id} has unexpected element ${e}`);
  }
  return problems;
}
