// A scriptable upstream DNS server on loopback (UDP and TCP, one random port) for tests and the bench.

import dgram from "node:dgram";
import net from "node:net";
import { ipToBytes, parseIp } from "../types/index.js";
import { DnsType, Rcode } from "./message.js";
import { isProblem, parseQuery, type ParsedQuery } from "./query.js";
import { buildReply, pointerRecord } from "./reply.js";

const SPOOFED = Buffer.from([6, 6, 6, 6]);
const V6_ANSWER = ipToBytes(parseIp("2001:db8::1"));

function aRecord(address: Buffer): Buffer {
  return pointerRecord(DnsType.A, address, 30);
}

export interface TestUpstreamOptions {
  /** Address in every default A answer (tells two upstreams apart). */
  readonly answer?: string;
  readonly host?: string;
  /** Answer every query with this rcode (SERVFAIL, REFUSED…) and no records. */
  readonly rcode?: number;
}

export interface LoggedQuery {
  readonly name: string;
  readonly type: number;
  readonly transport: "udp" | "tcp";
}

/**
 * Behaviour by name: `*.nx.test` NXDOMAIN, `*.fail.test` SERVFAIL, `*.refused.test` REFUSED,
 * `*.slow.test` no answer ever, `big.test` 60 A records (TC over UDP, capped at 512 octets), `spoof.test` first an answer with
 * a wrong id (6.6.6.6), then one with a wrong question, then the real one 50 ms later; anything else:
 * A `answer`, AAAA 2001:db8::1, empty NOERROR for other types (all with TTL 30).
 */
export class TestUpstream {
  readonly log: LoggedQuery[] = [];
  readonly #answer: Buffer;
  readonly #rcode: number | undefined;
  #udp: dgram.Socket;
  #tcp: net.Server;
  readonly #conns = new Set<net.Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #port = 0;

  private constructor(options: TestUpstreamOptions) {
    this.#answer = ipToBytes(parseIp(options.answer ?? "192.0.2.1"));
    this.#rcode = options.rcode;
    this.#udp = dgram.createSocket("udp4");
    this.#tcp = net.createServer((c) => this.#serveTcp(c));
  }

  /** Starts on 127.0.0.1 (or `host`), UDP and TCP on the same random port. */
  static async start(options: TestUpstreamOptions = {}): Promise<TestUpstream> {
    const u = new TestUpstream(options);
    const host = options.host ?? "127.0.0.1";
    for (let tries = 0; ; tries++) {
      try {
        await u.#listen(host);
        break;
      } catch (err) {
        // The TCP port we got is taken for UDP: start over with fresh sockets.
        await u.close();
        if (tries >= 20) throw err;
        u.#udp = dgram.createSocket("udp4");
        u.#tcp = net.createServer((c) => u.#serveTcp(c));
      }
    }
    u.#udp.on("message", (msg, rinfo) => u.#reply(msg, "udp", (b) => u.#udp.send(b, rinfo.port, rinfo.address)));
    return u;
  }

  async #listen(host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#tcp.once("error", reject);
      this.#tcp.listen(0, host, () => { this.#tcp.off("error", reject); resolve(); });
    });
    this.#port = (this.#tcp.address() as net.AddressInfo).port;
    await new Promise<void>((resolve, reject) => {
      this.#udp.once("error", reject);
      this.#udp.bind(this.#port, host, () => { this.#udp.off("error", reject); resolve(); });
    });
  }

  get port(): number {
    return this.#port;
  }

  /** "127.0.0.1:port", what an Upstream's address takes. */
  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  #serveTcp(c: net.Socket): void {
    this.#conns.add(c);
    c.on("close", () => this.#conns.delete(c));
    c.on("error", () => c.destroy());
    let buf = Buffer.alloc(0);
    c.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        this.#reply(Buffer.from(msg), "tcp", (b) => {
          const len = Buffer.alloc(2);
          len.writeUInt16BE(b.length);
          if (!c.destroyed) c.write(Buffer.concat([len, b]));
        });
      }
    });
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => { this.#timers.delete(t); fn(); }, ms);
    this.#timers.add(t);
  }

  #reply(query: Buffer, transport: "udp" | "tcp", send: (b: Buffer) => void): void {
    const q = parseQuery(query);
    if (isProblem(q) || q.name === undefined) return;
    this.log.push({ name: q.name, type: q.qtype, transport });
    const name = q.name;
    if (name.endsWith(".slow.test")) return;
    const udp = transport === "udp";
    if (name === "spoof.test") {
      const good = this.#answerFor(query, q, Rcode.NOERROR, udp);
      const badId = buildReply(query, { ...q, id: (q.id + 1) & 0xffff }, Rcode.NOERROR, [aRecord(SPOOFED)], udp);
      const otherQuestion = Buffer.from(good);
      otherQuestion[13] = "x".charCodeAt(0);
      send(badId);
      send(otherQuestion);
      this.#later(50, () => send(good));
      return;
    }
    const rcode = this.#rcode ?? (name.endsWith(".nx.test") ? Rcode.NXDOMAIN : name.endsWith(".fail.test") ? Rcode.SERVFAIL
      : name.endsWith(".refused.test") ? Rcode.REFUSED : Rcode.NOERROR);
    send(this.#answerFor(query, q, rcode, udp));
  }

  #answerFor(query: Buffer, q: ParsedQuery, rcode: number, udp: boolean): Buffer {
    if (rcode !== Rcode.NOERROR) return buildReply(query, q, rcode, [], udp);
    if (q.qtype === DnsType.A && q.name === "big.test") {
      // Like servers that cap UDP answers at 512 octets whatever the client's EDNS size.
      const many = Array.from({ length: 60 }, (_, i) => aRecord(Buffer.from([198, 51, 100, i + 1])));
      return buildReply(query, { ...q, udpSize: 512 }, rcode, many, udp);
    }
    if (q.qtype === DnsType.A) return buildReply(query, q, rcode, [aRecord(this.#answer)], udp);
    if (q.qtype === DnsType.AAAA) return buildReply(query, q, rcode, [pointerRecord(DnsType.AAAA, V6_ANSWER, 30)], udp);
    return buildReply(query, q, rcode, [], udp);
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    for (const c of this.#conns) c.destroy();
    await Promise.all([
      new Promise<void>((resolve) => { try { this.#udp.close(() => resolve()); } catch { resolve(); } }),
      new Promise<void>((resolve) => this.#tcp.close(() => resolve())),
    ]);
  }
}
