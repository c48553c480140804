// Spawned by bench:scale (`node runtime-floor.js DIR WORKERS`): what a dnet daemon runs on, without dnet —
// Node, better-sqlite3 with a database file in WAL mode, an HTTP server on a unix socket and WORKERS idle
// worker threads, each with a UDP socket, as the DNS serving threads have. Its memory is the floor under the
// daemon's: no change to dnet's code goes below it. Prints "ready" once everything is up, then idles.

import Database from "better-sqlite3";
import { createServer } from "node:http";
import { join } from "node:path";
import { Worker } from "node:worker_threads";

const IDLE_WORKER = `
const { parentPort } = require("node:worker_threads");
require("node:dgram").createSocket("udp4").bind(0, "127.0.0.1", () => parentPort.postMessage("up"));`;

async function main(dir: string, workers: number): Promise<void> {
  const db = new Database(join(dir, "floor.db"));
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v BLOB)");
  await new Promise<void>((resolve) => createServer((_req, res) => res.end()).listen(join(dir, "floor.sock"), resolve));
  await Promise.all(Array.from({ length: workers }, () => new Promise((resolve) => new Worker(IDLE_WORKER, { eval: true }).once("message", resolve))));
  process.stdout.write("ready\n");
}

const [dir, workers] = process.argv.slice(2);
await main(dir as string, Number(workers ?? 0));
