// The outside client of `npm run bench:repair`, run inside a scratch netns: on each "go HOST PORT" line it
// connects (HTTP/1.0 GET) again and again until the sandbox's echo server answers, then prints
// "ok <CLOCK_MONOTONIC ns>" (process.hrtime, comparable with the bench process's clock).

import { connect } from "node:net";
import { createInterface } from "node:readline";

/** One attempt: true when the echo server answered (a refused or silent connection is false). */
function attempt(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    let data = "";
    const done = (ok: boolean): void => { clearTimeout(timer); s.destroy(); resolve(ok); };
    const timer = setTimeout(() => done(false), 50);
    s.on("connect", () => s.write("GET / HTTP/1.0\r\n\r\n"));
    s.on("data", (b: Buffer) => { data += b.toString(); if (/\r\n\r\n\S/.test(data)) done(true); });
    s.on("error", () => done(false));
    s.on("close", () => done(/\r\n\r\n\S/.test(data)));
  });
}

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, host, port] = line.split(" ");
  if (cmd !== "go" || host === undefined) continue;
  const deadline = Date.now() + 30_000;
  let ok = false;
  while (!(ok = await attempt(host, Number(port))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  process.stdout.write(ok ? `ok ${process.hrtime.bigint()}\n` : "timeout\n");
}
