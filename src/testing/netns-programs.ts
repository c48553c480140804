// Programs a daemon test runs inside a netns (the daemon's "host" or a sandbox): the echo server that
// answers with its tag, and a plain bind check; every one is killed by `stopAll`.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ECHO = join(dirname(fileURLToPath(import.meta.url)), "echo-server.js");

export class NetnsPrograms {
  readonly #children: ChildProcess[] = [];

  /** The echo server in the netns file `ns` (`serve TAG tcp:PORT udp:PORT…`); resolves once it listens. */
  echo(ns: string, tag: string, specs: readonly string[]): Promise<void> {
    const child = spawn("nsenter", [`--net=${ns}`, "--", process.execPath, ECHO, "serve", tag, ...specs], { stdio: ["pipe", "pipe", "pipe"] });
    this.#children.push(child);
    return new Promise((resolve, reject) => {
      let err = "";
      child.stderr.on("data", (b: Buffer) => { err += b.toString(); });
      child.stdout.on("data", (b: Buffer) => { if (b.toString().includes("ready")) resolve(); });
      child.on("exit", (code) => reject(new Error(`echo server ${tag} exited (${String(code)}): ${err}`)));
    });
  }

  stopAll(): void {
    for (const c of this.#children.splice(0)) {
      c.stdin?.end();
      if (c.exitCode === null) c.kill("SIGKILL");
    }
  }
}

/** Whether a host program (SO_REUSEADDR + listen, as servers do) can take tcp `port` on 0.0.0.0 in `ns` now: "bound" or the error. */
export function bindCheck(ns: string, port: number): string {
  const code = "import socket,sys;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('0.0.0.0',int(sys.argv[1])));s.listen();print('bound')";
  const r = spawnSync("nsenter", [`--net=${ns}`, "--", "python3", "-c", code, String(port)], { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : (r.stderr.trim().split("\n").pop() ?? "failed");
}

/** curl's body from inside `ns`, or "FAIL". */
export function curlIn(ns: string, address: string, port: number): string {
  const host = address.includes(":") ? `[${address}]` : address;
  const r = spawnSync("nsenter", [`--net=${ns}`, "--", "curl", "-sSg", "--connect-timeout", "2", "-m", "4", `http://${host}:${port}/`], { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : "FAIL";
}
