// A tiny answering server and UDP client for root traffic tests, run inside a namespace with
// `nsenter --net=PATH node echo-server.js …` (so its socket lives there, not in the test process):
//
//   serve TAG tcp:PORT udp:PORT …   TCP speaks just enough HTTP/1.0 for curl and answers
//                                   "TAG <local address> <peer address>"; UDP answers "TAG - <peer>".
//                                   Prints "ready" once every socket is bound.
//   ask-udp HOST PORT                sends one datagram, prints the answer; exit 1 after 1.5 s of silence.
//
// The answer says which sandbox was reached, through which of its addresses, and whom it saw as the
// client: after DNAT, masquerade or SNAT, that is exactly what the tests want to know.

import { createSocket } from "node:dgram";
import { createServer, type Socket } from "node:net";
import { pathToFileURL } from "node:url";

const plain = (a: string | undefined): string => (a ?? "?").replace(/^::ffff:/, "");

function serveTcp(tag: string, port: number): Promise<void> {
  const server = createServer((c: Socket) => {
    let data = "";
    const answer = (): void => {
      const body = `${tag} ${plain(c.localAddress)} ${plain(c.remoteAddress)}\n`;
      c.end(`HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    };
    c.setTimeout(2000, () => c.destroy());
    c.on("data", (b: Buffer) => {
      data += b.toString("latin1");
      if (data.includes("\r\n\r\n") || data.includes("\n\n")) answer();
    });
    c.on("error", () => c.destroy());
  });
  return listen((host) => new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, ipv6Only: false }, () => resolve());
  }));
}

function serveUdp(tag: string, port: number): Promise<void> {
  return listen((host) => new Promise((resolve, reject) => {
    const s = createSocket({ type: host === "::" ? "udp6" : "udp4", ipv6Only: false });
    s.on("message", (_msg, rinfo) => s.send(`${tag} - ${plain(rinfo.address)}\n`, rinfo.port, rinfo.address));
    s.once("error", reject);
    s.bind(port, host, () => resolve());
  }));
}

/** Dual stack on "::" when the namespace has IPv6, else IPv4 only. */
async function listen(on: (host: string) => Promise<void>): Promise<void> {
  try {
    await on("::");
  } catch {
    await on("0.0.0.0");
  }
}

async function askUdp(host: string, port: number): Promise<number> {
  const s = createSocket(host.includes(":") ? "udp6" : "udp4");
  return new Promise((resolve) => {
    const timer = setTimeout(() => { s.close(); resolve(1); }, 1500);
    s.on("message", (msg) => {
      clearTimeout(timer);
      process.stdout.write(msg.toString());
      s.close();
      resolve(0);
    });
    s.on("error", () => { clearTimeout(timer); s.close(); resolve(1); });
    s.send("x", port, host);
  });
}

async function main(argv: readonly string[]): Promise<void> {
  const [mode, ...rest] = argv;
  if (mode === "ask-udp") {
    process.exitCode = await askUdp(rest[0] ?? "", Number(rest[1]));
    return;
  }
  if (mode !== "serve" || rest.length < 2) throw new Error("usage: echo-server serve TAG tcp:PORT|udp:PORT… | ask-udp HOST PORT");
  const [tag = "", ...specs] = rest;
  for (const spec of specs) {
    const [proto, port] = spec.split(":");
    if (proto === "tcp") await serveTcp(tag, Number(port));
    else if (proto === "udp") await serveUdp(tag, Number(port));
    else throw new Error(`bad spec ${spec}`);
  }
  process.stdout.write("ready\n");
  // Exit with the test: the parent closes our stdin or kills us by PID.
  process.stdin.resume();
  process.stdin.on("end", () => process.exit(0));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`echo-server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}
