// Default upstreams: daemon --dns wins, else the host file, followed when it is rewritten or replaced.

import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { HostUpstreamsWatcher, hostUpstreams } from "./host-upstreams.js";
import { ServiceRecords } from "./records.js";

const dir = mkdtempSync(join(tmpdir(), "dnet-dns-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("host nameservers become upstreams; loopback ones are host-loopback; none: Docker's fallback", () => {
  assert.deepEqual(hostUpstreams("nameserver 127.0.0.53\nnameserver 10.0.0.1\n"), [
    { address: "127.0.0.53", hostLoopback: true }, { address: "10.0.0.1", hostLoopback: false },
  ]);
  assert.deepEqual(hostUpstreams(undefined).map((u) => u.address), ["8.8.8.8", "8.8.4.4"]);
});

test("the daemon's --dns wins over the host file", () => {
  const records = new ServiceRecords();
  records.setSandbox("s", { networkIds: [] });
  const w = new HostUpstreamsWatcher(records, { daemonDns: ["9.9.9.9"], paths: { path: join(dir, "absent") } });
  w.start();
  assert.deepEqual(records.upstreamsOf("s"), [{ address: "9.9.9.9", hostLoopback: false }]);
  w.close();
});

test("the host file is re-read when it changes or is replaced", async () => {
  const path = join(dir, "resolv.conf");
  writeFileSync(path, "nameserver 192.0.2.10\n");
  const records = new ServiceRecords();
  records.setSandbox("s", { networkIds: [] });
  const w = new HostUpstreamsWatcher(records, { paths: { path, systemdPath: join(dir, "none") }, intervalMs: 20 });
  w.start();
  try {
    assert.deepEqual(records.upstreamsOf("s").map((u) => u.address), ["192.0.2.10"]);
    writeFileSync(path, "nameserver 192.0.2.11\nnameserver 192.0.2.12\n");
    await until(() => records.upstreamsOf("s").length === 2);
    writeFileSync(join(dir, "new"), "nameserver 127.0.0.1\n");
    renameSync(join(dir, "new"), path);
    await until(() => records.upstreamsOf("s")[0]?.address === "127.0.0.1");
    assert.equal(records.upstreamsOf("s")[0]?.hostLoopback, true);
  } finally {
    w.close();
  }
});
