// Coexistence with Docker: ACCEPT rules for our bridges in iptables-nft's DOCKER-USER (or FORWARD) chain.
//
// An accept in our own nft table ends evaluation only in our chain; when the `ip filter FORWARD` chain
// that iptables-nft manages has policy DROP (Docker sets it), our traffic is dropped there. So, only
// then, we insert tagged ACCEPT rules through iptables itself (never touching the chains' other rules or
// their policy) and delete exactly the rules with our tag when the network goes. Our own nft table still
// does the isolation, ICC and internal drops: an nft drop is final whatever iptables accepts.
//
// Docker's own isolation: DOCKER-USER runs before Docker's rules, so a plain `-i ourbr -j ACCEPT` there
// would let our sandboxes open connections into Docker's networks (Docker itself drops those, in
// DOCKER-ISOLATION-STAGE-1/2 and by its DROP policy). So, when those chains exist, new connections
// leaving our bridge for another interface first pass through them, as a Docker network's traffic does.
// (Not verified here: while such a jump exists, a restarting dockerd 20.10 should fail to delete STAGE-1/2,
// log a warning, and refill the flushed chain it kept.)

import { portBridgePrefix, type FirewallNetwork } from "./contract.js";
import type { CommandRunner } from "./exec.js";

export type IpFamilyName = "ip" | "ip6";

/** What `nft list chains` tells about one family's iptables-nft filter table. */
export interface ForwardState {
  readonly family: IpFamilyName;
  readonly dropPolicy: boolean;
  readonly dockerUser: boolean;
  /** Docker's isolation chains present in that table (absent when none). */
  readonly dockerIsolation?: readonly string[];
}

/** Docker's isolation chains, in the order traffic must pass them. */
export const DOCKER_ISOLATION_CHAINS: readonly string[] = Object.freeze(["DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2"]);

export interface CompatRule {
  /** Unique per network and purpose: `dnet:<network id>:out|est|dnat|iso1|iso2|pb`. */
  readonly tag: string;
  /** iptables arguments after the chain name. */
  readonly spec: readonly string[];
}

const TAG_RE = /--comment "?(dnet:[A-Za-z0-9_.-]+:(?:out|est|dnat|iso[12]|pb))"?/;

export function tagPrefix(networkId: string): string {
  return `dnet:${networkId}:`;
}

/**
 * The rules one network needs in a DROP-policy FORWARD path (pure), in insertion order: each is
 * inserted at the top, so the last ends up first and the isolation jumps sit above the "out" accept.
 */
export function compatRules(net: FirewallNetwork, dockerIsolation: readonly string[] = []): CompatRule[] {
  const tag = (t: string): string => `${tagPrefix(net.id)}${t}`;
  const comment = (t: string): string[] => ["-m", "comment", "--comment", tag(t)];
  const iso = DOCKER_ISOLATION_CHAINS.map((chain, i) => ({ chain, t: `iso${i + 1}` }))
    .filter(({ chain }) => dockerIsolation.includes(chain)).reverse();
  return [
    // Outbound, ICC (bridged via br_netfilter) and hairpin; isolation/internal drops stay in our table.
    { tag: tag("out"), spec: ["-i", net.bridge, ...comment("out"), "-j", "ACCEPT"] },
    // Docker's isolation for new connections leaving our bridge (see the file comment); its chains RETURN
    // otherwise. Replies and DNATed connections (published ports, Docker's included) are not its business.
    ...iso.map(({ chain, t }) => ({
      tag: tag(t),
      spec: ["-i", net.bridge, "!", "-o", net.bridge, "-m", "conntrack", "!", "--ctstate", "RELATED,ESTABLISHED,DNAT", ...comment(t), "-j", chain],
    })),
    { tag: tag("est"), spec: ["-o", net.bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", ...comment("est"), "-j", "ACCEPT"] },
    // Published ports: one rule per network, whatever the endpoints publish.
    { tag: tag("dnat"), spec: ["-o", net.bridge, "-m", "conntrack", "--ctstate", "DNAT", ...comment("dnat"), "-j", "ACCEPT"] },
    // What the network's port bridges bridge (br_netfilter shows iif = oif = the port bridge); `+` is iptables' wildcard.
    { tag: tag("pb"), spec: ["-i", `${portBridgePrefix(net.id)}+`, "-o", `${portBridgePrefix(net.id)}+`, ...comment("pb"), "-j", "ACCEPT"] },
  ];
}

function familiesOf(net: FirewallNetwork): IpFamilyName[] {
  const out: IpFamilyName[] = [];
  if (net.subnets4.length > 0 || net.subnets6.length === 0) out.push("ip");
  if (net.subnets6.length > 0) out.push("ip6");
  return out;
}

/** One `iptables-restore` line; arguments are validated names, the comment is quoted. */
export function restoreLine(op: "-I" | "-D" | "-A", chain: string, spec: readonly string[]): string {
  return [op, chain, ...spec.map((a) => (a.startsWith("dnet:") ? `"${a}"` : a))].join(" ");
}

/** One chain as `nft list chains` shows it (policy: base chains only). */
export interface ListedChain {
  readonly family: string;
  readonly table: string;
  readonly name: string;
  readonly policy?: string;
}

/** Parses `nft -j list chains`: the iptables-nft `filter` tables of ip and ip6, when present. */
export function parseForwardStates(json: string): ForwardState[] {
  const doc = JSON.parse(json) as { nftables?: Array<{ chain?: ListedChain }> };
  return forwardStatesOf((doc.nftables ?? []).flatMap((i) => (i.chain === undefined ? [] : [i.chain])));
}

/** The iptables-nft `filter` tables of ip and ip6 among `listed`, when present. */
export function forwardStatesOf(listed: readonly ListedChain[]): ForwardState[] {
  const out: ForwardState[] = [];
  for (const family of ["ip", "ip6"] as const) {
    const chains = listed.filter((c) => c.family === family && c.table === "filter");
    const forward = chains.find((c) => c.name === "FORWARD");
    if (forward === undefined) continue;
    const iso = DOCKER_ISOLATION_CHAINS.filter((n) => chains.some((c) => c.name === n));
    out.push({
      family, dropPolicy: forward.policy === "drop", dockerUser: chains.some((c) => c.name === "DOCKER-USER"),
      ...(iso.length === 0 ? {} : { dockerIsolation: iso }),
    });
  }
  return out;
}

/** Reads the FORWARD states another way than `nft -j list chains` (the nfnetlink socket); undefined: cannot. */
export type ForwardStateReader = () => Promise<ForwardState[] | undefined>;

interface Plan {
  readonly family: IpFamilyName;
  readonly chain: string;
  readonly rules: readonly CompatRule[];
  readonly missing: readonly CompatRule[];
  /** `-A …` lines of the network already in the chain (deleted and re-inserted with the rest). */
  readonly present: readonly string[];
}

const tool = (f: IpFamilyName, restore = false): string => `${f === "ip" ? "iptables" : "ip6tables"}${restore ? "-restore" : ""}`;

/** A tagged rule of ours as `-A CHAIN …` (as `iptables -S` prints it, or as we inserted it). */
interface TaggedLine { readonly line: string; readonly chain: string; readonly tag: string }

/** The `-D` line that deletes a rule `iptables -S` printed as `-A …`. */
const asDelete = (line: string): string => line.replace(/^-A /, "-D ");

export class IptablesCompat {
  readonly #run: CommandRunner;
  readonly #read: ForwardStateReader | undefined;
  /**
   * Per family, our tagged rules as the last listing showed them plus our own changes since: a network
   * added or removed then needs no `iptables -S` (a spawn that lists the whole table). Dropped whenever
   * a change fails or ensure rewrites rules; a rule deleted behind our back makes the next remove list again.
   */
  readonly #known = new Map<IpFamilyName, Map<string, TaggedLine>>();

  constructor(run: CommandRunner, read?: ForwardStateReader) {
    this.#run = run;
    this.#read = read;
  }

  async #states(): Promise<ForwardState[]> {
    // Without Docker this listing is all a network change spawns: read it on the socket when there is one.
    const read = await this.#read?.().catch(() => undefined);
    if (read !== undefined) return read;
    const { stdout } = await this.#run("nft", ["-j", "list", "chains"]);
    return parseForwardStates(stdout);
  }

  /** `-A CHAIN …` lines of the filter table that carry a dnet tag (what #known then holds for the family). */
  async #tagged(family: IpFamilyName): Promise<TaggedLine[]> {
    const { stdout } = await this.#run(tool(family), ["-w", "-t", "filter", "-S"]);
    const out: TaggedLine[] = [];
    for (const line of stdout.split("\n")) {
      const m = TAG_RE.exec(line);
      const chain = /^-A (\S+) /.exec(line)?.[1];
      if (m?.[1] !== undefined && chain !== undefined) out.push({ line, chain, tag: m[1] });
    }
    this.#known.set(family, new Map(out.map((t) => [t.tag, t])));
    return out;
  }

  /** One atomic `*-restore --noflush` of `lines` in the filter table. */
  async #restore(family: IpFamilyName, lines: readonly string[]): Promise<void> {
    try {
      await this.#run(tool(family, true), ["-w", "--noflush"], `*filter\n${lines.join("\n")}\nCOMMIT\n`);
    } catch (err) {
      this.#known.delete(family);
      throw err;
    }
  }

  /** Per family, chain and network where a DROP policy needs rules: the rules it lacks and the lines it has. */
  async #plan(nets: readonly FirewallNetwork[]): Promise<Plan[]> {
    const plans: Plan[] = [];
    for (const st of await this.#states()) {
      const wanted = nets.filter((n) => familiesOf(n).includes(st.family));
      if (!st.dropPolicy || wanted.length === 0) continue;
      const chain = st.dockerUser ? "DOCKER-USER" : "FORWARD";
      const tagged = (await this.#tagged(st.family)).filter((t) => t.chain === chain);
      for (const n of wanted) {
        const rules = compatRules(n, st.dockerIsolation);
        const present = tagged.filter((t) => t.tag.startsWith(tagPrefix(n.id)));
        const missing = rules.filter((r) => !present.some((t) => t.tag === r.tag));
        if (missing.length > 0) plans.push({ family: st.family, chain, rules, missing, present: present.map((t) => t.line) });
      }
    }
    return plans;
  }

  /**
   * Inserts what is missing (one atomic iptables-restore per family); returns how many rules it added.
   * A network that lacks any rule gets all of its rules re-inserted, so their order holds.
   */
  async ensure(nets: readonly FirewallNetwork[]): Promise<number> {
    const plans = await this.#plan(nets);
    for (const family of ["ip", "ip6"] as const) {
      const lines = plans.filter((p) => p.family === family).flatMap((p) => [
        ...p.present.map(asDelete), ...p.rules.map((r) => restoreLine("-I", p.chain, r.spec))]);
      if (lines.length === 0) continue;
      await this.#restore(family, lines);
      this.#known.delete(family);
    }
    return plans.reduce((n, p) => n + p.missing.length, 0);
  }

  /**
   * A network new to the backend: its rules in one iptables-restore per family, without listing the table
   * (but the first time): what the chains hold of ours is known. A network whose tags are there already
   * (replayed after a restart) goes through ensure.
   */
  async add(net: FirewallNetwork): Promise<number> {
    const states = (await this.#states()).filter((st) => st.dropPolicy && familiesOf(net).includes(st.family));
    for (const st of states) {
      const known = this.#known.get(st.family) ?? new Map((await this.#tagged(st.family)).map((t) => [t.tag, t]));
      if ([...known.keys()].some((tag) => tag.startsWith(tagPrefix(net.id)))) return this.ensure([net]);
    }
    let added = 0;
    for (const st of states) {
      const chain = st.dockerUser ? "DOCKER-USER" : "FORWARD";
      const rules = compatRules(net, st.dockerIsolation);
      await this.#restore(st.family, rules.map((r) => restoreLine("-I", chain, r.spec)));
      for (const r of rules) this.#known.get(st.family)?.set(r.tag, { line: restoreLine("-A", chain, r.spec), chain, tag: r.tag });
      added += rules.length;
    }
    return added;
  }

  /**
   * Deletes every rule tagged for the network, in FORWARD, DOCKER-USER or wherever it is: the rules known
   * to be there in one restore per family, listed first when not known or when that restore fails (a rule
   * gone behind our back).
   */
  async remove(networkId: string): Promise<number> {
    let removed = 0;
    const ofNet = (ts: Iterable<TaggedLine>): TaggedLine[] => [...ts].filter((t) => t.tag.startsWith(tagPrefix(networkId)));
    for (const st of await this.#states()) {
      const known = this.#known.get(st.family);
      let ours = known === undefined ? ofNet(await this.#tagged(st.family)) : ofNet(known.values());
      if (ours.length === 0) continue;
      try {
        await this.#restore(st.family, ours.map((t) => asDelete(t.line)));
      } catch (err) {
        if (known === undefined) throw err;
        ours = ofNet(await this.#tagged(st.family));
        if (ours.length === 0) continue;
        await this.#restore(st.family, ours.map((t) => asDelete(t.line)));
      }
      for (const t of ours) this.#known.get(st.family)?.delete(t.tag);
      removed += ours.length;
    }
    return removed;
  }

  async drift(nets: readonly FirewallNetwork[]): Promise<string[]> {
    return (await this.#plan(nets)).flatMap((p) => p.missing.map((r) =>
      `${p.family === "ip" ? "iptables" : "ip6tables"} FORWARD policy is DROP and ${p.chain} lacks rule ${r.tag}`));
  }
}
