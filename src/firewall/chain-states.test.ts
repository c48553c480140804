// Root test: the FORWARD states read from a chain dump on the nfnetlink socket equal `nft -j list chains`' reading.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { netfilterIn, rootOnly, run, tryRun, uniqueName } from "../testing/kernel.js";
import { parsePrefix } from "../types/index.js";
import { commandRunner, type CommandRunner } from "./exec.js";
import { parseForwardStates } from "./iptables-compat.js";
import { NfnlElementWriter } from "./nfnl-writer.js";
import { NftablesBackend } from "./nftables.js";

describe("iptables compat: FORWARD states from the nfnetlink socket", rootOnly, () => {
  const ns = uniqueName("tchst");
  let netfilter: ReturnType<typeof netfilterIn>;
  const inNs = (...a: string[]): string => run("ip", ["netns", "exec", ns, ...a]);
  const fromNft = (): unknown => parseForwardStates(inNs("nft", "-j", "list", "chains"));
  const fromSocket = async (): Promise<unknown> => {
    const w = NfnlElementWriter.open(netfilter.open);
    try { return await w.forwardStates(); } finally { w.close(); }
  };

  before(() => {
    run("ip", ["netns", "add", ns]);
    run("ip", ["-n", ns, "link", "add", "brcs", "type", "bridge"]);
    netfilter = netfilterIn(ns);
  });

  after(() => {
    netfilter?.close();
    tryRun("ip", ["netns", "del", ns]);
  });

  test("no iptables at all, FORWARD ACCEPT, then Docker's layout (DROP, DOCKER-USER, isolation chains) in ip and ip6", async () => {
    assert.deepEqual(await fromSocket(), []);
    inNs("iptables", "-w", "-S");
    assert.deepEqual(await fromSocket(), fromNft());
    for (const t of ["iptables", "ip6tables"]) {
      for (const c of ["DOCKER-USER", "DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2"]) inNs(t, "-w", "-N", c);
      inNs(t, "-w", "-P", "FORWARD", "DROP");
      assert.deepEqual(await fromSocket(), fromNft(), t);
    }
    assert.deepEqual(await fromSocket(), [
      { family: "ip", dropPolicy: true, dockerUser: true, dockerIsolation: ["DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2"] },
      { family: "ip6", dropPolicy: true, dockerUser: true, dockerIsolation: ["DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2"] },
    ]);
  });

  test("a network change with the compat on lists no chains with `nft`, and still puts its rules in DOCKER-USER", async () => {
    const calls: string[][] = [];
    const inner = commandRunner(ns);
    const runner: CommandRunner = async (cmd, args, input) => { calls.push([cmd, ...args]); return inner(cmd, args, input); };
    const fw = new NftablesBackend({ netns: ns, runner, openNetfilter: netfilter.open, nfnetlink: true });
    try {
      await fw.addNetwork({ id: "ncs", bridge: "brcs", subnets4: [parsePrefix("10.218.0.0/24")], subnets6: [], internal: false, icc: true, masquerade: true });
      assert.match(inNs("iptables", "-w", "-S", "DOCKER-USER"), /dnet:ncs:out/);
      await fw.removeNetwork("ncs");
      assert.doesNotMatch(inNs("iptables", "-w", "-S", "DOCKER-USER"), /dnet:ncs/);
      assert.deepEqual(calls.filter((c) => c.join(" ") === "nft -j list chains"), []);
    } finally {
      await fw.close();
    }
  });
});
