// One daemon per data directory and per network namespace: a flock'd lock file holding the owner's pid,
// and an abstract unix socket bound by name (abstract names are per network namespace by nature) that
// tells whoever connects the owner's pid. A second daemon fails at once, naming the first one.

import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { createServer, connect, type Server } from "node:net";
import { join } from "node:path";
import { conflict, internal } from "./errors/index.js";
import { loadNative } from "./native/index.js";

export const LOCK_FILE_NAME = "dnet.lock";

export interface InstanceLock {
  /** Releases both locks (the process ending releases them too). */
  release(): Promise<void>;
}

/**
 * Takes the data directory's lock, then the network namespace's (`@dnet-<table>`: one per firewall
 * table, as one controller owns one table). Throws a conflict naming the pid of the holder.
 */
export async function lockInstance(dataDir: string, table = "dnet"): Promise<InstanceLock> {
  const fd = lockDataDir(dataDir);
  let server: Server;
  try {
    server = await lockNetns(`dnet-${table}`);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return {
    release: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      closeSync(fd);
    },
  };
}

function lockDataDir(dataDir: string): number {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, LOCK_FILE_NAME);
  const fd = openSync(path, "a+", 0o600);
  let locked: boolean;
  try {
    const native = loadNative();
    if (typeof native.tryLockFile !== "function") throw internal("ERR_ADDON_OUTDATED", "the native addon lacks tryLockFile: rebuild it (npm rebuild)");
    locked = native.tryLockFile(fd);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  if (!locked) {
    const holder = readFileSync(path, "utf8").trim();
    closeSync(fd);
    throw conflict("ERR_DATA_DIR_LOCKED", `data directory ${dataDir} is in use by another dnet daemon (pid ${holder === "" ? "unknown" : holder}): stop it first, or give this one another --data-dir`);
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`, 0);
  return fd;
}

function lockNetns(name: string): Promise<Server> {
  const server = createServer((c) => { c.end(`${process.pid}\n`); c.on("error", () => {}); });
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EADDRINUSE") { reject(err); return; }
      void holderPid(name).then((pid) => reject(conflict("ERR_NETNS_IN_USE",
        `another dnet daemon (pid ${pid}) already runs in this network namespace (it holds @${name}): two daemons would fight over its bridges and firewall table`)));
    });
    server.listen({ path: `\0${name}` }, () => { server.unref(); resolve(server); });
  });
}

/** Asks the holder of the abstract socket for its pid. */
function holderPid(name: string): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const c = connect({ path: `\0${name}` });
    const done = (): void => { c.destroy(); resolve(text.trim() === "" ? "unknown" : text.trim()); };
    c.setEncoding("utf8");
    c.on("data", (d: string) => { text += d; });
    c.once("end", done);
    c.once("error", done);
    c.setTimeout(2_000, done);
  });
}
