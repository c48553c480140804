// Soak (bounded, under 2 minutes): normal requests keep being answered while slow clients dribble
// headers, event subscribers stop reading, the daemon is killed with SIGKILL and restarted, and a bridge
// and a veth are deleted behind its back (twice each). At the end what the API shows is what the kernel
// has (networks ↔ bridges, sandboxes ↔ netns, endpoints ↔ interfaces with their addresses), and the
// daemon's file descriptors and memory are back near where they were after its restart.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DnetClient } from "../api/client.js";
import { TestDaemon, assertConsistent } from "../testing/test-daemon.js";
import { openRaw, rssMiB, sleep, waitFor, type RawConn } from "../testing/test-clients.js";

interface Load { ok: number; failed: number; readonly errors: Map<string, number> }

async function worker(host: string, w: number, load: Load, stop: { now: boolean; paused: boolean }): Promise<void> {
  const c = new DnetClient(host);
  try {
    for (let i = 0; !stop.now; i++) {
      if (stop.paused) { await sleep(50); i--; continue; }
      const name = `w${w}-${i}`;
      try {
        await c.createSandbox({ Name: name, Networks: [{ Network: "soak" }] });
        await c.connect("soak2", { Container: name });
        await c.inspectSandbox(name);
        await c.disconnect("soak2", { Container: name });
        await c.removeSandbox(name, true);
        load.ok++;
      } catch (err) {
        load.failed++;
        const key = String((err as Error).message).replace(/[0-9a-f]{12,}/g, "…").slice(0, 90);
        load.errors.set(key, (load.errors.get(key) ?? 0) + 1);
        await c.removeSandbox(name, true).catch(() => {});
        await sleep(100);
      }
    }
  } finally {
    c.close();
  }
}

/** Slow clients (a header byte every 200 ms) and event subscribers that never read. */
function hostiles(socket: string): { conns: RawConn[]; timer: NodeJS.Timeout } {
  const conns: RawConn[] = [];
  for (let i = 0; i < 20; i++) conns.push(openRaw(socket, "GET /networks HTTP/1.1\r\n"));
  for (let i = 0; i < 5; i++) {
    const c = openRaw(socket, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
    c.socket.pause();
    conns.push(c);
  }
  const timer = setInterval(() => { for (const c of conns.slice(0, 20)) if (!c.ended()) c.socket.write("X"); }, 200);
  return { conns, timer };
}

function stopHostiles(h: { conns: RawConn[]; timer: NodeJS.Timeout }): void {
  clearInterval(h.timer);
  for (const c of h.conns) c.socket.destroy();
}

describe("soak: hostile clients, kill -9 and restart, kernel objects deleted, under load", () => {
  const d = new TestDaemon();
  before(async () => { await d.start(); });
  after(async () => { await d.cleanup(); });

  const pings = (from: string, ip: string): boolean => { try { d.inNetns(from, "ping", ["-c1", "-W0.3", ip]); return true; } catch { return false; } };

  /** Deletes the bridge of `soak`, then the veth of L2: the long-lived pair must talk again after each. */
  async function kernelChaos(keyL1: string): Promise<string[]> {
    const net = await d.client.inspectNetwork("soak");
    const out: string[] = [];
    for (const what of ["bridge", "veth"]) {
      const l2 = (await d.client.inspectSandbox("L2")).Endpoints[0]?.EndpointID ?? "";
      const link = what === "bridge" ? `br-${net.Id.slice(0, 12)}` : `veth${l2.slice(0, 11)}`;
      // Resolved first: a ping sent while the bridge is gone leaves an incomplete neighbour entry that the
      // kernel retries only after a second, which would be timed instead of the repair.
      assert.ok(await waitFor(() => pings(keyL1, "10.196.0.11"), 5_000, 20), "L1 reaches L2 before");
      const t0 = Date.now();
      d.inHost("ip", ["link", "del", link]);
      assert.ok(await waitFor(() => pings(keyL1, "10.196.0.11"), 15_000, 20), `L1 reaches L2 again after ${what} deletion`);
      out.push(`${what} ${Date.now() - t0} ms`);
      await sleep(1_000);
    }
    return out;
  }

  it("answers throughout and ends with the API equal to the kernel, fds and RSS back near their start", { timeout: 120_000 }, async () => {
    await d.client.createNetwork({ Name: "soak", IPAM: { Config: [{ Subnet: "10.196.0.0/24" }] } });
    await d.client.createNetwork({ Name: "soak2", IPAM: { Config: [{ Subnet: "10.197.0.0/24" }] } });
    const l1 = await d.client.createSandbox({ Name: "L1", Networks: [{ Network: "soak", IPv4Address: "10.196.0.10" }] });
    await d.client.createSandbox({ Name: "L2", Networks: [{ Network: "soak", IPv4Address: "10.196.0.11" }] });
    const load: Load = { ok: 0, failed: 0, errors: new Map() };
    const stop = { now: false, paused: false };
    const workers = [0, 1].map((w) => worker(d.host, w, load, stop));
    let h = hostiles(d.socket);
    const repairsA = await kernelChaos(l1.Key);
    // kill -9 while everything runs; the workers' requests fail until it is back.
    await d.stop("SIGKILL");
    stopHostiles(h);
    await d.start();
    const failedBeforeRestart = load.failed;
    stop.paused = true;
    await sleep(1_500);
    const fd0 = d.fdCount();
    const rss0 = rssMiB(d.pid);
    const ok0 = load.ok;
    stop.paused = false;
    h = hostiles(d.socket);
    const repairsB = await kernelChaos(l1.Key);
    // The load and the hostile clients go on; RSS is read halfway, once the heap had time to reach its size.
    await sleep(12_500);
    const rssMid = rssMiB(d.pid);
    await sleep(12_500);

    stop.now = true;
    await Promise.all(workers);
    stopHostiles(h);
    assert.ok(load.ok - ok0 > 10, `requests kept being answered after the restart (${load.ok - ok0})`);
    const counts = await assertConsistent(d);
    const fdOk = await waitFor(() => d.fdCount() <= fd0 + 10, 15_000, 200);
    const fd1 = d.fdCount();
    const rss1 = rssMiB(d.pid);
    console.log(`soak: ${load.ok} cycles answered, ${load.failed} failed (${failedBeforeRestart} before the restart): ${JSON.stringify([...load.errors])}`);
    console.log(`soak: repairs (ip link del → ping again) ${[...repairsA, ...repairsB].join(", ")}; end state ${JSON.stringify(counts)}`);
    console.log(`soak: fds ${fd0} after the restart → ${fd1} at the end; RSS ${rss0.toFixed(1)} → ${rssMid.toFixed(1)} halfway → ${rss1.toFixed(1)} MiB`);
    assert.ok(fdOk, `fds back near ${fd0}: ${fd1}`);
    // The heap grows to its working size under load and stays there (measured: a plateau at ~134 MiB from
    // 40 s on, 1,700 cycles in 90 s; V8 keeps the young generation's room once grown, 2 × 16 MiB), so the
    // sign of a leak is growth in the second half of the load, not the distance from an idle start.
    assert.ok(rss1 < rssMid + 25, `RSS stopped growing: ${rssMid.toFixed(1)} MiB halfway, ${rss1.toFixed(1)} at the end`);
    assert.ok(rss1 < rss0 + 100, `RSS near ${rss0.toFixed(1)} MiB: ${rss1.toFixed(1)}`);
    assert.ok(await waitFor(async () => { try { await d.client.ping(); return true; } catch { return false; } }, 5_000));
  });
});
