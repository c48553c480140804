// Root test of off-thread requests (NetlinkRequest.offThread): sent from a thread-pool thread, answered
// through the socket's readiness watcher or the completion, refused with the kernel's error, and safe
// to close while in flight. Hundreds at once also exercise the watcher's call back into JavaScript.

import assert from "node:assert/strict";
import { closeSync, openSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { NetlinkError } from "../errors/index.js";
import { loadNative, SOCK_RAW } from "../native/index.js";
import { ipJson, rootOnly, run, tryRun, uniqueName } from "../testing/kernel.js";
import { AF_NETLINK, NETLINK_ROUTE, NLM_F_CREATE, NLM_F_EXCL } from "./constants.js";
import { IFF_UP, RTM_GETLINK, RTM_NEWLINK, encodeLinkMessage } from "./index.js";
import { NetlinkSocket, type NetlinkRequest } from "./socket.js";

const getLo = (): NetlinkRequest =>
  ({ type: RTM_GETLINK, payload: encodeLinkMessage({ attrs: { ifname: "lo" } }), describe: "RTM_GETLINK lo", offThread: true });
const setUp = (index: number): NetlinkRequest =>
  ({ type: RTM_NEWLINK, payload: encodeLinkMessage({ ifi: { index, flags: IFF_UP, change: IFF_UP }, attrs: {} }), describe: `set link ${index} up` });
const createBridge = (name: string): NetlinkRequest => ({
  type: RTM_NEWLINK, flags: NLM_F_CREATE | NLM_F_EXCL, offThread: true, describe: `create bridge ${name}`,
  payload: encodeLinkMessage({ attrs: { ifname: name, linkinfo: { kind: "bridge" } } }),
});

describe("NetlinkSocket off-thread requests (root)", rootOnly, () => {
  const ns = uniqueName("tnlot");
  let sock: NetlinkSocket;
  const open = (): NetlinkSocket => {
    const fd = openSync(`/run/netns/${ns}`, "r");
    try { return NetlinkSocket.open(loadNative(), { protocol: NETLINK_ROUTE, nsFd: fd }); } finally { closeSync(fd); }
  };

  before(() => {
    run("ip", ["netns", "add", ns]);
    sock = open();
  });

  after(() => {
    sock?.close();
    tryRun("ip", ["netns", "del", ns]);
  });

  test("a creation sent off-thread is done when it resolves (ip -j sees it)", async () => {
    assert.deepEqual(await sock.request(createBridge("otbr0")), []);
    assert.equal(ipJson<Array<{ ifname: string }>>(["link", "show", "otbr0"], ns)[0]?.ifname, "otbr0");
  });

  test("the kernel's refusal comes back as a typed NetlinkError", async () => {
    await assert.rejects(sock.request(createBridge("otbr0")), (err: unknown) => err instanceof NetlinkError && err.code === "EEXIST");
  });

  test("500 at once all get their own answer", async () => {
    const answers = await Promise.all(Array.from({ length: 500 }, () => sock.request(getLo())));
    assert.equal(answers.length, 500);
    for (const a of answers) assert.equal(a.length, 1);
  });

  test("closing with requests in flight settles them and crashes nothing", async () => {
    const s = open();
    const inFlight = Array.from({ length: 50 }, () => s.request(getLo()).then(() => "answered", (e: unknown) => (e as NetlinkError).code));
    s.close();
    const outcomes = await Promise.all(inFlight);
    assert.ok(outcomes.every((o) => o === "answered" || o === "EBADF"), outcomes.join(","));
    await new Promise((r) => setTimeout(r, 50)); // late completions land on a closed socket
  });

  test("a chain: the tail, built while the head is sent, reaches the kernel after it (it finds the bridge the head made)", async () => {
    const index = 4_000_000 + Math.floor(Math.random() * 1_000_000);
    const head: NetlinkRequest = {
      type: RTM_NEWLINK, flags: NLM_F_CREATE | NLM_F_EXCL, describe: "create bridge otbr1",
      payload: encodeLinkMessage({ ifi: { index }, attrs: { ifname: "otbr1", linkinfo: { kind: "bridge" } } }),
    };
    const results = await sock.chain([head], () => [setUp(index)]);
    assert.deepEqual(results, [[], []]);
    assert.ok(ipJson<Array<{ flags: string[] }>>(["link", "show", "otbr1"], ns)[0]?.flags.includes("UP"));
  });

  test("a head the kernel refuses still lets the tail go (each request is answered on its own)", async () => {
    const head = { ...createBridge("otbr1"), offThread: false };
    const results = await sock.chain([head], () => [getLo()]);
    assert.ok(results[0] instanceof NetlinkError && results[0].code === "EEXIST");
    assert.equal((results[1] as unknown[]).length, 1);
  });

  test("a tail that throws is not sent: the head's answers come in, then its error is thrown; the socket goes on", async () => {
    await assert.rejects(sock.chain([{ ...createBridge("otbr2"), offThread: false }], () => { throw new Error("no tail"); }), /no tail/);
    assert.equal(ipJson<Array<{ ifname: string }>>(["link", "show", "otbr2"], ns)[0]?.ifname, "otbr2", "the head was applied");
    assert.equal((await sock.request(getLo())).length, 1);
  });

  test("chainTail is once per chain: a second one is refused (EALREADY)", async () => {
    const native = loadNative();
    const fd = native.socketAt(-1, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    try {
      const done = new Promise<[Error | null, Error | null]>((resolve) => {
        const handle = native.sendAsyncChained(fd, Buffer.alloc(0), (err, tailErr) => resolve([err, tailErr]));
        native.chainTail(handle, null);
        assert.throws(() => native.chainTail(handle, null), { code: "EALREADY" });
      });
      const [, tailErr] = await done;
      assert.equal((tailErr as { code?: string } | null)?.code, "ECANCELED", "no tail given: none sent");
    } finally {
      native.close(fd);
    }
  });
});
