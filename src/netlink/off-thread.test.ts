// Root test of off-thread requests (NetlinkRequest.offThread): sent from a thread-pool thread, answered
// through the socket's readiness watcher or the completion, refused with the kernel's error, and safe
// to close while in flight. Hundreds at once also exercise the watcher's call back into JavaScript.

import assert from "node:assert/strict";
import { closeSync, openSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { NetlinkError } from "../errors/index.js";
import { loadNative } from "../native/index.js";
import { ipJson, rootOnly, run, tryRun, uniqueName } from "../testing/kernel.js";
import { NETLINK_ROUTE, NLM_F_CREATE, NLM_F_EXCL } from "./constants.js";
import { RTM_GETLINK, RTM_NEWLINK, encodeLinkMessage } from "./index.js";
import { NetlinkSocket, type NetlinkRequest } from "./socket.js";

const getLo = (): NetlinkRequest =>
  ({ type: RTM_GETLINK, payload: encodeLinkMessage({ attrs: { ifname: "lo" } }), describe: "RTM_GETLINK lo", offThread: true });
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
});
