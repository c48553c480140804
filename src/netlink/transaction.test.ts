// Root test of NetlinkSocket.transaction against the kernel's nfnetlink batches, in a scratch netns.

import assert from "node:assert/strict";
import { closeSync, openSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { NetlinkError } from "../errors/index.js";
import { loadNative } from "../native/index.js";
import { rootOnly, run, tryRun, uniqueName } from "../testing/kernel.js";
import { NETLINK_NETFILTER, NLM_F_CREATE } from "./constants.js";
import { encodeMessageBody } from "./schema.js";
import {
  NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END, NFNL_SUBSYS_NFTABLES, NFPROTO_INET, NFT_MSG_DELSETELEM, NFT_MSG_NEWSETELEM,
  batchMessage, nftMsgType, setElemListMessage,
} from "./schemas/nf-tables.js";
import { NetlinkSocket, type NetlinkFrame, type NetlinkRequest } from "./socket.js";

const frame = (type: number, resId: number): NetlinkFrame =>
  ({ type, payload: encodeMessageBody(batchMessage, { nfgen: { resId }, attrs: {} }) });
const BEGIN = frame(NFNL_MSG_BATCH_BEGIN, NFNL_SUBSYS_NFTABLES);
const END = frame(NFNL_MSG_BATCH_END, NFNL_SUBSYS_NFTABLES);

/** The element 10.0.0.`n` of `set inet t s { type ipv4_addr }` (4 bytes, network order). */
function element(op: "add" | "del", set: string, n: number): NetlinkRequest {
  const value = Buffer.from([10, 0, 0, n]);
  const payload = encodeMessageBody(setElemListMessage,
    { nfgen: { family: NFPROTO_INET }, attrs: { table: "t", set, elements: [{ key: { value } }] } });
  return op === "add"
    ? { type: nftMsgType(NFT_MSG_NEWSETELEM), flags: NLM_F_CREATE, payload, describe: `add ${set} ${n}` }
    : { type: nftMsgType(NFT_MSG_DELSETELEM), payload, describe: `del ${set} ${n}` };
}

describe("NetlinkSocket.transaction: nfnetlink batches", rootOnly, () => {
  const ns = uniqueName("tnltx");
  let sock: NetlinkSocket;
  const elements = (): string => run("ip", ["netns", "exec", ns, "nft", "list", "set", "inet", "t", "s"]);

  before(() => {
    run("ip", ["netns", "add", ns]);
    run("ip", ["netns", "exec", ns, "nft", "add table inet t; add set inet t s { type ipv4_addr; }"]);
    const fd = openSync(`/run/netns/${ns}`, "r");
    try { sock = NetlinkSocket.open(loadNative(), { protocol: NETLINK_NETFILTER, nsFd: fd }); } finally { closeSync(fd); }
  });

  after(() => {
    sock?.close();
    tryRun("ip", ["netns", "del", ns]);
  });

  test("every request is ACKed after the whole batch; replies are empty", async () => {
    assert.deepEqual(await sock.transaction(BEGIN, [element("add", "s", 1), element("add", "s", 2)], END), [[], []]);
    assert.match(elements(), /elements = \{ 10\.0\.0\.1, 10\.0\.0\.2 \}/);
  });

  test("one refused request aborts the batch and is the error thrown", async () => {
    await assert.rejects(sock.transaction(BEGIN, [element("del", "s", 1), element("del", "s", 9)], END),
      (err: unknown) => err instanceof NetlinkError && err.code === "ENOENT" && err.operation === "del s 9");
    assert.match(elements(), /elements = \{ 10\.0\.0\.1, 10\.0\.0\.2 \}/, "the valid delete was not applied");
  });

  test("a failure of the batch itself (unknown subsystem) settles the transaction, the requests unanswered", async () => {
    await assert.rejects(sock.transaction(frame(NFNL_MSG_BATCH_BEGIN, 0xff), [element("del", "s", 1)], END, "bad batch"),
      (err: unknown) => err instanceof NetlinkError && err.operation === "bad batch");
    assert.deepEqual(await sock.transaction(BEGIN, [element("del", "s", 1)], END), [[]], "the socket still works");
    assert.match(elements(), /elements = \{ 10\.0\.0\.2 \}/);
  });
});
