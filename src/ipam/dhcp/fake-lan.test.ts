// Test fixture of the DHCP client's unit tests (no tests here): a clock the test moves, and a LAN whose
// one DHCP server answers as told, recording every message the client sent.

import { formatIp, parseIp, type IpAddress } from "../../types/index.js";
import { DhcpMessageType, type DhcpOptions } from "./options.js";
import { BOOTREPLY, decodeDhcpMessage, encodeDhcpMessage, type DhcpMessage } from "./packet.js";
import type { Clock, DhcpTransport, OpenDhcpTransport } from "./transport.js";

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

export class FakeClock implements Clock {
  t = 1_000_000;
  #timers: Array<{ at: number; fn: () => void; live: boolean }> = [];

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const timer = { at: this.t + ms, fn, live: true };
    this.#timers.push(timer);
    return () => { timer.live = false; };
  }

  /** Timers waiting (for "nothing is scheduled any more"). */
  get pending(): number {
    return this.#timers.filter((x) => x.live).length;
  }

  /** Moves time forward by `ms`, running each timer due on the way (and what it sets off) in order. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      for (let i = 0; i < 5; i++) await settle();
      const due = this.#timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      due.live = false;
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = end;
    for (let i = 0; i < 5; i++) await settle();
  }
}

export interface Sent {
  readonly at: number;
  readonly to: string;
  readonly msg: DhcpMessage;
}

export type ServerMood = "answer" | "silent" | "nak";

/** The LAN: one server (10.0.0.1) with one address to lease (10.0.0.50/24), 120 s leases, T1 40 s, T2 70 s. */
export class FakeLan {
  readonly sent: Sent[] = [];
  mood: ServerMood = "answer";
  /** Answer the next N REQUESTs with NAK, then go back to `mood`. */
  nakNext = 0;
  opened = 0;
  closed = 0;
  readonly server = parseIp("10.0.0.1");
  readonly address = parseIp("10.0.0.50");
  readonly clock: FakeClock;

  constructor(clock: FakeClock) {
    this.clock = clock;
  }

  readonly open: OpenDhcpTransport = async () => {
    this.opened++;
    let handler: ((m: Buffer) => void) | undefined;
    let closed = false;
    const transport: DhcpTransport = {
      send: async (bytes, to) => {
        const msg = decodeDhcpMessage(bytes);
        this.sent.push({ at: this.clock.now(), to: formatIp(to), msg });
        const reply = this.#reply(msg);
        if (reply !== undefined) setImmediate(() => { if (!closed) handler?.(reply); });
      },
      receive: (h) => { handler = h; },
      close: () => {
        if (!closed) this.closed++;
        closed = true;
      },
    };
    return transport;
  };

  /** The messages of one type the client sent. */
  ofType(type: number): Sent[] {
    return this.sent.filter((s) => s.msg.options.messageType === type);
  }

  #reply(m: DhcpMessage): Buffer | undefined {
    const type = m.options.messageType;
    if (this.mood === "silent" || type === DhcpMessageType.release) return undefined;
    const answer = (t: number, yiaddr: IpAddress, more: DhcpOptions = {}): Buffer => encodeDhcpMessage({
      op: BOOTREPLY, xid: m.xid, flags: m.flags, chaddr: m.chaddr, yiaddr,
      options: { messageType: t, serverId: this.server, ...more },
    });
    const leaseOptions: DhcpOptions = {
      leaseSeconds: 120, renewalSeconds: 40, rebindingSeconds: 70, subnetMask: parseIp("255.255.255.0"),
      routers: [this.server], dnsServers: [parseIp("10.0.0.53")], domainName: "lan.test",
    };
    if (type === DhcpMessageType.discover) return answer(DhcpMessageType.offer, this.address, leaseOptions);
    if (type !== DhcpMessageType.request) return undefined;
    if (this.nakNext > 0 || this.mood === "nak") {
      if (this.nakNext > 0) this.nakNext--;
      return answer(DhcpMessageType.nak, { family: 4, value: 0n }, { message: "no" });
    }
    return answer(DhcpMessageType.ack, this.address, leaseOptions);
  }
}

export const LEASE_REQUEST = Object.freeze({
  endpointId: "ep1", sandboxKey: "/run/netns/sb1", ifname: "eth0", mac: "02:42:0a:00:00:32",
  clientId: Uint8Array.from([1, 2, 0x42, 10, 0, 0, 0x32]), hostname: "alpha", options: new Map<string, string>(),
});
