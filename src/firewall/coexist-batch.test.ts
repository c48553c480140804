// Docker coexistence without root: a simulated iptables-nft (one filter table with Docker's DOCKER-USER and
// FORWARD policy DROP) behind a fake runner, to check which commands a network change spawns.

import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePrefix } from "../types/index.js";
import type { FirewallNetwork } from "./contract.js";
import { CommandError, type CommandRunner } from "./exec.js";
import { NftablesBackend } from "./nftables.js";

const net = (id: string, n: number): FirewallNetwork => ({
  id, bridge: `br${id}`, subnets4: [parsePrefix(`10.7.${n}.0/24`)], subnets6: [], internal: false, icc: true, masquerade: true,
});

const DOCKER_CHAINS = JSON.stringify({ nftables: [
  { chain: { family: "ip", table: "filter", name: "FORWARD", policy: "drop" } },
  { chain: { family: "ip", table: "filter", name: "DOCKER-USER" } },
] });

/** iptables-nft's filter table as `-A CHAIN spec` lines; `-S` lists them, `-restore --noflush` applies -I/-D atomically. */
function simulatedIptables(): { runner: CommandRunner; rules: string[]; calls: string[] } {
  let rules = ["-A DOCKER-USER -j RETURN"];
  const calls: string[] = [];
  const runner: CommandRunner = async (cmd, args, input) => {
    calls.push(`${cmd} ${args.join(" ")}`);
    if (cmd === "nft") return { stdout: args.includes("chains") ? DOCKER_CHAINS : "", stderr: "" };
    if (cmd === "iptables") return { stdout: `-P FORWARD DROP\n-N DOCKER-USER\n${rules.join("\n")}\n`, stderr: "" };
    if (cmd !== "iptables-restore") return { stdout: "", stderr: "" };
    const next = [...rules];
    for (const line of (input ?? "").split("\n").filter((l) => l.startsWith("-"))) {
      const [op, chain, ...spec] = line.split(" ");
      const rule = `-A ${chain} ${spec.join(" ")}`;
      if (op === "-I") next.unshift(rule);
      else if (next.includes(rule)) next.splice(next.indexOf(rule), 1);
      else throw new CommandError("ERR_FIREWALL_EXEC", "iptables-restore failed", 1, "iptables-restore: line 2 failed: Bad rule");
    }
    rules = next;
    return { stdout: "", stderr: "" };
  };
  return { get rules() { return rules; }, runner, calls };
}

const spawned = (calls: string[], from: number): string[] => calls.slice(from).filter((c) => c.startsWith("iptables")).map((c) => c.split(" ")[0] ?? "");

test("Docker's DROP policy: after the first listing, a network's rules come and go in one iptables-restore, no listing", async () => {
  const ipt = simulatedIptables();
  const fw = new NftablesBackend({ runner: ipt.runner, writeSysctls: async () => {} });
  await fw.addNetwork(net("a", 1));
  assert.deepEqual(spawned(ipt.calls, 0), ["iptables", "iptables-restore"], "the first change lists the table once");
  assert.equal(ipt.rules.filter((r) => r.includes("dnet:a:")).length, 4);

  let from = ipt.calls.length;
  await fw.addNetwork(net("b", 2));
  assert.deepEqual(spawned(ipt.calls, from), ["iptables-restore"]);
  assert.ok(ipt.rules[0]?.startsWith("-A DOCKER-USER -i dnpbb+ -o dnpbb+"), ipt.rules.join("\n")); // the last inserted is first

  from = ipt.calls.length;
  await fw.removeNetwork("a");
  assert.deepEqual(spawned(ipt.calls, from), ["iptables-restore"]);
  assert.deepEqual(ipt.rules.filter((r) => r.includes("dnet:a:")), []);
  assert.equal(ipt.rules.filter((r) => r.includes("dnet:b:")).length, 4, "b's rules stay");
  await fw.close();
});

test("a rule deleted behind our back: the remove lists the table and deletes what is left", async () => {
  const ipt = simulatedIptables();
  const fw = new NftablesBackend({ runner: ipt.runner, writeSysctls: async () => {} });
  await fw.addNetwork(net("c", 3));
  const gone = ipt.rules.find((r) => r.includes("dnet:c:out")) ?? "";
  ipt.rules.splice(ipt.rules.indexOf(gone), 1);
  const from = ipt.calls.length;
  await fw.removeNetwork("c");
  assert.deepEqual(spawned(ipt.calls, from), ["iptables-restore", "iptables", "iptables-restore"], "failed, listed, retried");
  assert.deepEqual(ipt.rules, ["-A DOCKER-USER -j RETURN"], "exactly Docker's rule is left");
  await fw.close();
});

test("a network whose rules are there already (replayed after a restart) is not inserted twice", async () => {
  const ipt = simulatedIptables();
  const first = new NftablesBackend({ runner: ipt.runner, writeSysctls: async () => {} });
  await first.addNetwork(net("d", 4));
  await first.close();
  const again = new NftablesBackend({ runner: ipt.runner, writeSysctls: async () => {} });
  await again.addNetwork(net("d", 4));
  assert.equal(ipt.rules.filter((r) => r.includes("dnet:d:")).length, 4, ipt.rules.join("\n"));
  await again.removeNetwork("d");
  assert.deepEqual(ipt.rules, ["-A DOCKER-USER -j RETURN"]);
  await again.close();
});
