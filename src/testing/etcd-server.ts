// A throwaway etcd for tests: its own data dir and ports, optionally inside a netns; stopped by PID, dir removed.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface EtcdServer {
  /** `etcd://IP:PORT`, for the store and the daemon's --cluster-store. */
  readonly url: string;
  readonly clientPort: number;
  stop(): Promise<void>;
}

export interface EtcdServerOptions {
  /** Run inside /run/netns/<netns> (the multi-host test bed), listening on `ip`. */
  readonly netns?: string;
  /** Address to listen on; default 127.0.0.1. */
  readonly ip?: string;
  /** Client port; default a free one. */
  readonly clientPort?: number;
}

/** A TCP port nobody listens on right now, on the host's loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

function waitReady(child: ChildProcess, log: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      log.push(chunk.toString());
      if (log.join("").includes("ready to serve client requests")) resolve();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`etcd exited with ${String(code)} before it was ready:\n${log.join("")}`)));
    child.once("error", reject);
  });
}

/** Starts etcd and resolves once it serves clients. */
export async function startEtcd(options: EtcdServerOptions = {}): Promise<EtcdServer> {
  const ip = options.ip ?? "127.0.0.1";
  const [clientPort, peerPort] = [options.clientPort ?? await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), "dnet-etcd-"));
  const client = `http://${ip}:${clientPort}`;
  const args = [
    "--name", "test", "--data-dir", dir,
    "--listen-client-urls", client, "--advertise-client-urls", client,
    "--listen-peer-urls", `http://${ip}:${peerPort}`,
    "--initial-advertise-peer-urls", `http://${ip}:${peerPort}`,
    "--initial-cluster", `test=http://${ip}:${peerPort}`,
  ];
  const [cmd, argv] = options.netns === undefined ? ["etcd", args] : ["nsenter", [`--net=/run/netns/${options.netns}`, "etcd", ...args]];
  const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
  const log: string[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, "SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(child, log);
  } catch (err) {
    await stop();
    throw err;
  }
  child.stdout?.resume();
  child.stderr?.resume();
  return { url: `etcd://${ip}:${clientPort}`, clientPort, stop };
}
