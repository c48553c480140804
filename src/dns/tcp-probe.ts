// A TCP client run inside a sandbox (a child `node` under `ip netns exec`) that probes the resolver's limits.

import { execFile } from "node:child_process";

export interface TcpProbeResult {
  /** Answers read back after three queries sent in one write. */
  readonly pipelined: number;
  /** The server closed a connection whose first frame was 3 octets long. */
  readonly garbageClosed: boolean;
  /** The server closed a connection that sent nothing (needs an idle timeout under 2 s). */
  readonly idleClosed: boolean;
  /** Of 20 simultaneous connections, how many the server closed at once. */
  readonly refused: number;
}

const SCRIPT = String.raw`
import net from "node:net";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function query(id, name) {
  const labels = name.split(".").flatMap((l) => [l.length, ...Buffer.from(l)]);
  return Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, 1, 0, 1]);
}
function frame(b) { const l = Buffer.alloc(2); l.writeUInt16BE(b.length); return Buffer.concat([l, b]); }
function connect() {
  return new Promise((res, rej) => { const s = net.connect(53, "127.0.0.11"); s.once("connect", () => res(s)); s.once("error", rej); });
}
function closed(s, ms) {
  return Promise.race([new Promise((r) => s.on("close", () => r(true))), sleep(ms).then(() => false)]);
}
const out = {};
{
  const s = await connect();
  let buf = Buffer.alloc(0); let n = 0;
  s.on("data", (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { n++; buf = buf.subarray(2 + buf.readUInt16BE(0)); }
  });
  s.write(Buffer.concat([frame(query(1, "web")), frame(query(2, "db")), frame(query(3, "web"))]));
  await sleep(200); out.pipelined = n; s.destroy();
}
{
  const s = await connect(); s.on("error", () => {});
  s.write(Buffer.from([0, 3, 1, 2, 3]));
  out.garbageClosed = await closed(s, 1000);
}
{
  const s = await connect(); s.on("error", () => {});
  out.idleClosed = await closed(s, 2000);
}
{
  const socks = await Promise.all(Array.from({ length: 20 }, () => connect().catch(() => null)));
  let n = 0;
  for (const s of socks) { if (s === null) { n++; continue; } s.on("error", () => {}); s.on("close", () => n++); }
  await sleep(150); out.refused = n; for (const s of socks) s?.destroy();
}
console.log(JSON.stringify(out));
`;

/** Runs the probe in netns `ns` against 127.0.0.11:53 and returns what it saw. */
export function runTcpProbe(ns: string): Promise<TcpProbeResult> {
  return new Promise((resolve, reject) => {
    execFile("ip", ["netns", "exec", ns, process.execPath, "--input-type=module", "-e", SCRIPT], { encoding: "utf8", timeout: 15_000 },
      (err, stdout, stderr) => {
        if (err !== null) reject(new Error(`tcp probe failed: ${err.message} ${stderr}`));
        else resolve(JSON.parse(stdout) as TcpProbeResult);
      });
  });
}
