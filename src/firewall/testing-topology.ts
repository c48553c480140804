// Test support (root only): a scratch "host" netns with bridges, sandbox netns, an "outside" netns,
// tiny TCP/UDP servers and clients. Everything lives in namespaces it creates; teardown deletes them.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";

export function sh(cmd: string, args: readonly string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], ...(input === undefined ? {} : { input }) });
}

export function trySh(cmd: string, args: readonly string[]): string | undefined {
  try { return sh(cmd, args); } catch { return undefined; }
}

export interface TopoNetwork {
  /** Short key, e.g. "a": bridge "br<key>", sandboxes "<key>1", "<key>2" … */
  readonly key: string;
  /** First three octets of the /24, e.g. "10.201.1". */
  readonly v4: string;
  /** Optional /64 prefix without "::", e.g. "fd00:201:1". */
  readonly v6?: string;
  readonly sandboxes: number;
}

/** The outside world: HOST has .1 and .9 of 198.51.100.0/24 (and fd00:51::1), OUTSIDE has .2 (fd00:51::2). */
export const OUT = Object.freeze({ host4: "198.51.100.1", host4b: "198.51.100.9", peer4: "198.51.100.2", host6: "fd00:51::1", peer6: "fd00:51::2" });

// One process serves every "tcp:PORT" / "udp:PORT" argument and answers "<client address> <port>".
const SERVER = String.raw`
import socket, sys, threading
def strip(a): return a[7:] if a.startswith("::ffff:") else a
def tcp(s, port):
    while True:
        c, a = s.accept()
        try:
            c.settimeout(2); data = b""
            while b"\r\n\r\n" not in data:
                chunk = c.recv(4096)
                if not chunk: break
                data += chunk
            body = ("%s %d\n" % (strip(a[0]), port)).encode()
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        except Exception: pass
        finally: c.close()
def udp(s, port):
    while True:
        d, a = s.recvfrom(2048)
        s.sendto(("%s %d\n" % (strip(a[0]), port)).encode(), a)
for spec in sys.argv[1:]:
    proto, port = spec.split(":"); port = int(port)
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    if proto == "tcp": s.listen(64)
    threading.Thread(target=tcp if proto == "tcp" else udp, args=(s, port), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
`;

const UDP_CLIENT = String.raw`
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(1.5)
if len(sys.argv) > 3: s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("", int(sys.argv[3])))
s.sendto(b"x", (host, port))
print(s.recv(2048).decode().strip())
`;

const PYTHON = "/usr/bin/python3";

export class Topology {
  readonly prefix: string;
  readonly host: string;
  readonly outside: string;
  readonly #namespaces: string[] = [];
  readonly #servers: ChildProcess[] = [];

  constructor(prefix: string) {
    this.prefix = prefix;
    this.host = `${prefix}-host`;
    this.outside = `${prefix}-out`;
  }

  /** Netns name of sandbox "a1". */
  ns(sandbox: string): string {
    return `${this.prefix}-${sandbox}`;
  }

  #addNetns(name: string): void {
    sh("ip", ["netns", "add", name]);
    this.#namespaces.push(name);
    sh("ip", ["-n", name, "link", "set", "lo", "up"]);
  }

  /** Builds HOST (forwarding on), OUTSIDE, and every network's bridge and sandboxes. */
  build(networks: readonly TopoNetwork[]): this {
    this.#addNetns(this.host);
    this.#addNetns(this.outside);
    const inHost = (...args: string[]): string => sh("ip", ["-n", this.host, ...args]);
    sh("ip", ["netns", "exec", this.host, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"]);
    inHost("link", "add", "out0", "type", "veth", "peer", "name", "eth0", "netns", this.outside);
    inHost("addr", "add", `${OUT.host4}/24`, "dev", "out0");
    inHost("addr", "add", `${OUT.host4b}/24`, "dev", "out0");
    inHost("addr", "add", `${OUT.host6}/64`, "dev", "out0", "nodad");
    inHost("link", "set", "out0", "up");
    sh("ip", ["-n", this.outside, "addr", "add", `${OUT.peer4}/24`, "dev", "eth0"]);
    sh("ip", ["-n", this.outside, "addr", "add", `${OUT.peer6}/64`, "dev", "eth0", "nodad"]);
    sh("ip", ["-n", this.outside, "link", "set", "eth0", "up"]);
    for (const n of networks) this.#buildNetwork(n);
    return this;
  }

  #buildNetwork(n: TopoNetwork): void {
    const br = `br${n.key}`;
    const inHost = (...args: string[]): string => sh("ip", ["-n", this.host, ...args]);
    inHost("link", "add", br, "type", "bridge");
    inHost("addr", "add", `${n.v4}.1/24`, "dev", br);
    if (n.v6 !== undefined) inHost("addr", "add", `${n.v6}::1/64`, "dev", br, "nodad");
    inHost("link", "set", br, "up");
    for (let i = 1; i <= n.sandboxes; i++) {
      const sb = this.ns(`${n.key}${i}`);
      this.#addNetns(sb);
      const port = `v${n.key}${i}`;
      inHost("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", sb);
      // What the bridge driver does without a userland proxy: hairpin on, so a container reaches its own
      // published port (br_netfilter sends the DNATed frame back out of the port it came from).
      inHost("link", "set", port, "master", br, "up");
      sh("bridge", ["-n", this.host, "link", "set", "dev", port, "hairpin", "on"]);
      const inSb = (...args: string[]): string => sh("ip", ["-n", sb, ...args]);
      inSb("addr", "add", `${n.v4}.${i + 1}/24`, "dev", "eth0");
      if (n.v6 !== undefined) inSb("addr", "add", `${n.v6}::${i + 1}/64`, "dev", "eth0", "nodad");
      inSb("link", "set", "eth0", "up");
      inSb("route", "add", "default", "via", `${n.v4}.1`);
      if (n.v6 !== undefined) inSb("-6", "route", "add", "default", "via", `${n.v6}::1`);
    }
  }

  /** Starts the answering server in `netns`; resolves once every socket is bound. */
  serve(netns: string, specs: readonly string[]): Promise<void> {
    const child = spawn("ip", ["netns", "exec", netns, PYTHON, "-c", SERVER, ...specs], { stdio: ["ignore", "pipe", "pipe"] });
    this.#servers.push(child);
    return new Promise((resolve, reject) => {
      let err = "";
      child.stderr?.on("data", (b: Buffer) => { err += b.toString(); });
      child.stdout?.on("data", (b: Buffer) => { if (b.toString().includes("ready")) resolve(); });
      child.on("exit", (code) => reject(new Error(`server in ${netns} exited (${String(code)}): ${err}`)));
    });
  }

  ping(netns: string, address: string): boolean {
    return trySh("ip", ["netns", "exec", netns, "ping", "-c1", "-W1", address]) !== undefined;
  }

  /** HTTP GET through curl; the body ("<client> <port>") or undefined when nothing answered. */
  curl(netns: string, address: string, port: number): string | undefined {
    const host = address.includes(":") ? `[${address}]` : address;
    const out = trySh("ip", ["netns", "exec", netns, "curl", "-sg", "--connect-timeout", "1", "-m", "2", `http://${host}:${port}/`]);
    return out?.trim();
  }

  /** One datagram and its answer; `fromPort` keeps the client's source port (one conntrack flow). */
  udp(netns: string, address: string, port: number, fromPort?: number): string | undefined {
    const from = fromPort === undefined ? [] : [String(fromPort)];
    return trySh("ip", ["netns", "exec", netns, PYTHON, "-c", UDP_CLIENT, address, String(port), ...from])?.trim();
  }

  /** Runs a command inside a namespace of this topology. */
  exec(netns: string, cmd: string, args: readonly string[], input?: string): string {
    return sh("ip", ["netns", "exec", netns, cmd, ...args], input);
  }

  /** Stops the servers this topology started and deletes its namespaces (and so their links). */
  teardown(): void {
    for (const s of this.#servers) if (s.pid !== undefined && s.exitCode === null) s.kill("SIGKILL");
    for (const ns of this.#namespaces.reverse()) trySh("ip", ["netns", "del", ns]);
    this.#namespaces.length = 0;
  }
}
