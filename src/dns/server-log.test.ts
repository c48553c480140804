// Root end-to-end: records changes reach the serving threads through the shared log, with no sync() and
// no message, and by message, in order, when the log is full (many changes while nobody queries).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { loadNative } from "../native/index.js";
import { rootOnly, uniqueName } from "../testing/kernel.js";
import { ScratchSandboxes, answerData, dig, type ScratchSandbox } from "../testing/dns-sandboxes.js";
import { ServiceRecords } from "./records.js";
import { DnsServer } from "./server.js";

describe("embedded DNS: records change log", rootOnly, () => {
  const native = rootOnly.skip === false ? loadNative() : undefined;
  const boxes = native === undefined ? undefined : new ScratchSandboxes(native);
  const servers: DnsServer[] = [];
  let box: ScratchSandbox;

  before(async () => {
    box = await (boxes as ScratchSandboxes).create(uniqueName("dnslog"));
  });

  after(async () => {
    for (const s of servers) await s.close();
    boxes?.cleanup();
  });

  async function start(records: ServiceRecords, recordLogBytes?: number): Promise<DnsServer> {
    records.setNetwork({ networkId: "n", name: "net" });
    records.setSandbox("s", { networkIds: ["n"] });
    const server = await DnsServer.start({ native: native as ReturnType<typeof loadNative>, records, threads: 2, ...(recordLogBytes === undefined ? {} : { recordLogBytes }) });
    servers.push(server);
    await server.attach("s", box.nsFd);
    return server;
  }

  test("a change made just before a query is answered by every serving thread, without sync()", async () => {
    const records = new ServiceRecords();
    const server = await start(records);
    try {
      // Each dig queries from a new source port: the kernel spreads them over both threads' sockets.
      for (let i = 0; i < 20; i++) {
        records.setEndpoint("n", { endpointId: "e", name: `web${i}`, ipv4: `10.9.0.${i + 2}` });
        const r = await dig(box.name, [`web${i}.net`, "A"]);
        assert.deepEqual(answerData(r, "A"), [`10.9.0.${i + 2}`], r.output);
      }
    } finally {
      await server.detach("s");
    }
  });

  test("a full log: changes go by message, in order, and later ones through the log again", async () => {
    const records = new ServiceRecords();
    const server = await start(records, 256);
    // ~100 bytes per change: the 256-byte log is full after two, with no query to empty it.
    try {
      for (let i = 0; i < 300; i++) records.setEndpoint("n", { endpointId: `e${i % 50}`, name: `host${i % 50}`, ipv4: `10.8.${i % 50}.${2 + Math.floor(i / 50)}` });
      for (let i = 0; i < 50; i += 7) records.removeEndpoint("n", `e${i}`);
      // Changes sent by message are applied when the thread gets to them (a join does not wait): under
      // load a query could overtake them, so wait until every thread has them (this failed once under the full suite).
      await server.sync();
      for (const i of [0, 1, 7, 13, 49]) {
        const r = await dig(box.name, [`host${i}`, "A"]);
        assert.deepEqual(answerData(r, "A"), i % 7 === 0 ? [] : [`10.8.${i}.7`], `host${i}: ${r.output}`);
      }
      records.setEndpoint("n", { endpointId: "late", name: "late", ipv4: "10.8.99.2" });
      assert.deepEqual(answerData(await dig(box.name, ["late", "A"]), "A"), ["10.8.99.2"]);
    } finally {
      await server.detach("s");
    }
  });

  test("a bad log size is refused before any thread starts", async () => {
    await assert.rejects(DnsServer.start({ native: native as ReturnType<typeof loadNative>, records: new ServiceRecords(), recordLogBytes: 1000 }),
      { code: "ERR_INVALID_OP_LOG" });
  });
});
