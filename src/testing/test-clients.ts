// Test helpers for hostile clients: raw connections to the daemon's socket that send part of a request
// and hang without ever closing, waiting for a condition, and reading a process's memory and metrics.

import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";

export interface RawConn {
  readonly socket: Socket;
  /** Everything the daemon sent so far. */
  received(): string;
  /** Whether the daemon ended its side (or the connection broke). */
  ended(): boolean;
}

/**
 * Connects and writes `text` (maybe nothing). Half-open allowed: when the daemon ends its side the
 * client does not answer with its own FIN, as a hostile client would not, so only the daemon can free it.
 */
export function openRaw(path: string, text = ""): RawConn {
  const socket = connect({ path, allowHalfOpen: true });
  let got = "";
  let isEnded = false;
  socket.setEncoding("utf8");
  socket.on("data", (d: string) => { got += d; });
  socket.on("end", () => { isEnded = true; });
  socket.on("close", () => { isEnded = true; });
  socket.on("error", () => { isEnded = true; });
  if (text !== "") socket.write(text);
  return { socket, received: () => got, ended: () => isEnded };
}

export function openMany(path: string, n: number, text: string): RawConn[] {
  return Array.from({ length: n }, () => openRaw(path, text));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` until it holds or `ms` passed; returns whether it held. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, stepMs = 50): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > deadline) return false;
    await sleep(stepMs);
  }
}

/** Resident memory of a process in MiB (VmRSS). */
export function rssMiB(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) / 1024;
}

/** The value of one Prometheus sample (`name{labels}` as printed), or undefined when absent. */
export function metricValue(text: string, sample: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

/** How many log lines match. */
export function countLines(log: string, re: RegExp): number {
  return log.split("\n").filter((l) => re.test(l)).length;
}
