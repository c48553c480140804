// The outside client of `npm run bench:repair`, run inside a scratch netns: on each "go HOST PORT" line it
// connects (HTTP/1.0 GET) until the sandbox's echo server answers, then prints "ok <CLOCK_MONOTONIC ns>"
// (process.hrtime, comparable with the bench process's clock). While the rules are gone a SYN is dropped
// without an answer, so an attempt cannot tell "not yet" before its own timeout: a fresh attempt starts
// every millisecond instead of after the last one gave up (one at a time, each waiting 50 ms, made every
// repair faster than 50 ms read as ≈ 51 ms).

import { connect, type Socket } from "node:net";
import { createInterface } from "node:readline";

const ATTEMPT_EVERY_MS = 1;
const ATTEMPT_TIMEOUT_MS = 200; // at most ≈ 200 sockets open
const GIVE_UP_MS = 30_000;

/** Attempts overlapping in time; resolves with the time of the first answer, or undefined after GIVE_UP_MS. */
function firstAnswer(host: string, port: number): Promise<bigint | undefined> {
  return new Promise((resolve) => {
    const open = new Set<Socket>();
    const finish = (at: bigint | undefined): void => {
      clearInterval(ticker);
      clearTimeout(giveUp);
      for (const s of open) s.destroy();
      open.clear();
      resolve(at);
    };
    const attempt = (): void => {
      const s = connect({ host, port });
      open.add(s);
      let data = "";
      const timer = setTimeout(() => s.destroy(), ATTEMPT_TIMEOUT_MS);
      s.on("connect", () => s.write("GET / HTTP/1.0\r\n\r\n"));
      s.on("data", (b: Buffer) => { data += b.toString(); if (/\r\n\r\n\S/.test(data)) finish(process.hrtime.bigint()); });
      s.on("error", () => undefined);
      s.on("close", () => { clearTimeout(timer); open.delete(s); });
    };
    const ticker = setInterval(attempt, ATTEMPT_EVERY_MS);
    const giveUp = setTimeout(() => finish(undefined), GIVE_UP_MS);
    attempt();
  });
}

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, host, port] = line.split(" ");
  if (cmd !== "go" || host === undefined) continue;
  const at = await firstAnswer(host, Number(port));
  process.stdout.write(at !== undefined ? `ok ${at}\n` : "timeout\n");
}
