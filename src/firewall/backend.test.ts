// Backend logic without root: a fake runner records every command, so transactions can be checked exactly.

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseIp, parsePrefix } from "../types/index.js";
import type { FirewallNetwork } from "./contract.js";
import { CommandError, commandRunner, netnsPath, sysctlWriter, type CommandRunner } from "./exec.js";
import { NftablesBackend } from "./nftables.js";
import { NoneBackend } from "./none.js";

const A: FirewallNetwork = { id: "a", bridge: "bra", subnets4: [parsePrefix("10.1.0.0/24")], subnets6: [], internal: false, icc: true, masquerade: true };
const B: FirewallNetwork = { id: "b", bridge: "brb", subnets4: [parsePrefix("10.2.0.0/24")], subnets6: [], internal: false, icc: false, masquerade: true };
const M = { proto: "tcp" as const, hostPort: 80, hostPortEnd: 80, containerIp: parseIp("10.1.0.2"), containerPort: 8080 };

interface Call { cmd: string; args: readonly string[]; input?: string | undefined }

function fake(fail?: (c: Call) => boolean, chains = "{\"nftables\":[]}"): { runner: CommandRunner; calls: Call[] } {
  const calls: Call[] = [];
  const runner: CommandRunner = async (cmd, args, input) => {
    const call = { cmd, args, input };
    calls.push(call);
    if (fail?.(call) === true) throw new CommandError("ERR_FIREWALL_EXEC", `${cmd} failed`, 1, "Error: No such file or directory");
    return { stdout: cmd === "nft" && args.includes("chains") ? chains : "", stderr: "" };
  };
  return { runner, calls };
}

const nftScripts = (calls: Call[]): string[] => calls.filter((c) => c.cmd === "nft" && c.args[0] === "-f").map((c) => c.input ?? "");

test("first change writes the table; later changes are element deltas; the last network deletes the table", async () => {
  const { runner, calls } = fake();
  const fw = new NftablesBackend({ runner, writeSysctls: async () => {} });
  await fw.addNetwork(A);
  await fw.addNetwork(B);
  await fw.addPortMappings("a", "e1", [M, M]);
  await fw.removePortMappings("a", "e1");
  await fw.removeNetwork("a");
  await fw.removeNetwork("b");
  const scripts = nftScripts(calls);
  assert.equal(scripts.length, 6, "one transaction per change");
  assert.match(scripts[0] ?? "", /^add table inet dnet\ndelete table inet dnet\ntable inet dnet \{/);
  assert.equal(scripts[1], 'add element inet dnet bridges { "brb" }\nadd element inet dnet intra { "brb" . "brb" }\n' +
    'add element inet dnet icc_off { "brb" }\nadd element inet dnet nets4 { 10.2.0.0/24 . "brb" }\nadd element inet dnet masq4 { 10.2.0.0/24 }\n');
  assert.equal(scripts[2], "add element inet dnet ports4 { tcp . 80 : 10.1.0.2 . 8080 }\n", "duplicates collapse");
  assert.equal(scripts[3], "delete element inet dnet ports4 { tcp . 80 }\n");
  assert.match(scripts[4] ?? "", /^delete element inet dnet bridges \{ "bra" \}\n/);
  assert.equal(scripts[5], "add table inet dnet\ndelete table inet dnet\nadd table bridge dnet\ndelete table bridge dnet\n");
  await fw.close();
  await assert.rejects(fw.addNetwork(A), { code: "ERR_FIREWALL_CLOSED" });
});

test("ICC off asks for br_netfilter; route_localnet is set for non-internal bridges", async () => {
  const { runner } = fake();
  const seen: string[] = [];
  const fw = new NftablesBackend({ runner, writeSysctls: async (e) => { seen.push(...e.map(([k, v]) => `${k}=${v}`)); } });
  await fw.addNetwork(B);
  await fw.addNetwork({ ...A, internal: true });
  assert.deepEqual(seen, ["net/ipv4/conf/brb/route_localnet=1", "net/bridge/bridge-nf-call-iptables=1"]);
  const missing = new NftablesBackend({ runner, writeSysctls: async () => {
    throw new CommandError("ERR_FIREWALL_EXEC", "x", 255, "sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-iptables");
  } });
  await assert.rejects(missing.addNetwork(B), { code: "ERR_FIREWALL_BR_NETFILTER", kind: "unavailable" });
});

test("a failed delta falls back to rewriting the table from the desired state", async () => {
  let failDelta = false;
  const { runner, calls } = fake((c) => failDelta && c.cmd === "nft" && (c.input ?? "").startsWith("delete element"));
  const fw = new NftablesBackend({ runner, writeSysctls: async () => {} });
  await fw.addNetwork(A);
  await fw.addPortMappings("a", "e1", [M]);
  failDelta = true;
  await fw.removePortMappings("a", "e1");
  const last = nftScripts(calls).at(-1) ?? "";
  assert.match(last, /^add table inet dnet\ndelete table/);
  assert.doesNotMatch(last, /element inet dnet ports4/, "the rewrite no longer has the mapping");
  assert.match(last, /add element inet dnet bridges \{ "bra" \}/);
});

test("a failed transaction changes no state; compat failure undoes the nft part", async () => {
  let failNft = true;
  const { runner } = fake((c) => failNft && c.cmd === "nft" && c.args[0] === "-f");
  const fw = new NftablesBackend({ runner, writeSysctls: async () => {} });
  await assert.rejects(fw.addNetwork(A), { code: "ERR_FIREWALL_EXEC" });
  assert.deepEqual(fw.snapshot(), []);
  failNft = false;
  await fw.addNetwork(A);
  const dropChains = JSON.stringify({ nftables: [{ chain: { family: "ip", table: "filter", name: "FORWARD", policy: "drop" } }] });
  const broken = fake((c) => c.cmd === "iptables-restore", dropChains);
  const fw2 = new NftablesBackend({ runner: broken.runner, writeSysctls: async () => {} });
  await assert.rejects(fw2.addNetwork(A), { code: "ERR_FIREWALL_EXEC" });
  assert.deepEqual(fw2.snapshot().map((s) => s.net.id), []);
  assert.equal(nftScripts(broken.calls).at(-1), "add table inet dnet\ndelete table inet dnet\nadd table bridge dnet\ndelete table bridge dnet\n", "undo removed the tables again");
  assert.ok(broken.calls.some((c) => c.cmd === "iptables" && c.args.includes("-S")), "and looked for tagged rules to remove");
});

test("calls are serialised: concurrent changes produce ordered, non-interleaved transactions", async () => {
  const { runner, calls } = fake();
  const fw = new NftablesBackend({ runner, writeSysctls: async () => {} });
  await Promise.all([fw.addNetwork(A), fw.addNetwork(B), fw.addPortMappings("a", "e", [M]), fw.removeNetwork("b")]);
  const scripts = nftScripts(calls);
  assert.equal(scripts.length, 4);
  assert.match(scripts[3] ?? "", /^delete element inet dnet bridges \{ "brb" \}/);
  assert.deepEqual(fw.snapshot().map((s) => s.net.id), ["a"]);
});

test("the none backend validates and programs nothing", async () => {
  const fw = new NoneBackend();
  await fw.addNetwork(A);
  await assert.rejects(fw.addNetwork({ ...A, bridge: "a b" }), { code: "ERR_FIREWALL_INVALID_BRIDGE" });
  await fw.addPortMappings("a", "e", [M]);
  await assert.rejects(fw.addPortMappings("x", "e", [M]), { code: "ERR_FIREWALL_NETWORK_NOT_FOUND" });
  assert.deepEqual(await fw.check(), { drifted: false, problems: [] });
  await fw.close();
  await assert.rejects(fw.restore(), { code: "ERR_FIREWALL_CLOSED" });
});

test("the command runner: output, stdin, exit status and missing tools become typed results", async () => {
  const run = commandRunner();
  assert.equal((await run("cat", [], "ruleset\n")).stdout, "ruleset\n");
  await assert.rejects(run("sh", ["-c", "echo nope >&2; exit 3"]), (e: unknown) =>
    e instanceof CommandError && e.status === 3 && e.stderr === "nope\n");
  await assert.rejects(run("dnet-no-such-tool", []), { code: "ERR_FIREWALL_TOOL_MISSING", kind: "unavailable" });
  assert.equal(netnsPath("x1"), "/run/netns/x1");
  assert.equal(netnsPath("/proc/1/ns/net"), "/proc/1/ns/net");
  assert.throws(() => netnsPath("a b"), { code: "ERR_INVALID_NETNS_NAME" });
  await assert.rejects(sysctlWriter(run)([["net/ipv4/../../x", "1"]]), { code: "ERR_INVALID_SYSCTL" });
});

/** Contract semantics every backend shares (the nftables one with a fake runner). */
for (const [label, make] of [
  ["none", () => new NoneBackend()],
  ["nftables", () => new NftablesBackend({ runner: fake().runner, writeSysctls: async () => {} })],
] as const) {
  test(`contract (${label}): idempotent adds and removals, typed errors`, async () => {
    const fw = make();
    await fw.addNetwork(A);
    await fw.addNetwork(A);
    await fw.removeNetwork("unknown");
    await fw.removePortMappings("a", "unknown-endpoint");
    await assert.rejects(fw.addPortMappings("missing", "e", [M]), { kind: "not-found" });
    await fw.addNetwork({ ...B, id: "i", bridge: "bri", subnets4: [parsePrefix("10.3.0.0/24")], internal: true });
    await assert.rejects(fw.addPortMappings("i", "e", [{ ...M, containerIp: parseIp("10.3.0.2") }]), { kind: "forbidden" });
    await assert.rejects(fw.addPortMappings("a", "e", [{ ...M, hostPort: 0 }]), { kind: "invalid-argument" });
    await assert.rejects(fw.addNetwork({ ...A, id: "bad id" }), { kind: "invalid-argument" });
    await assert.rejects(fw.removeNetwork("bad id"), { kind: "invalid-argument" });
    await fw.addPortMappings("a", "e", [M]);
    await fw.removePortMappings("a", "e");
    await fw.removeNetwork("a");
    await fw.removeNetwork("a");
    await fw.close();
  });
}

test("a table name of its own per backend; bad names refused", async () => {
  const { runner, calls } = fake();
  const fw = new NftablesBackend({ runner, writeSysctls: async () => {}, table: "dnet_t2" });
  await fw.addNetwork(A);
  assert.match(nftScripts(calls)[0] ?? "", /^add table inet dnet_t2\ndelete table inet dnet_t2\ntable inet dnet_t2 \{/);
  assert.throws(() => new NftablesBackend({ runner, table: "fwd x" }), { code: "ERR_FIREWALL_INVALID_TABLE" });
});
