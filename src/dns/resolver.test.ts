// The resolver's decisions and the replies it builds, checked by decoding them (no sockets, no root).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DnsType, Rcode, decodeMessage, encodeMessage, newHeader, type DnsRecord } from "./message.js";
import { isProblem, parseQuery } from "./query.js";
import { ServiceRecords } from "./records.js";
import { buildReply, pointerRecord, relayReply } from "./reply.js";
import { decide, type Decision } from "./resolver.js";

function query(name: string, type: number, opts: { id?: number; edns?: number } = {}): Buffer {
  const additionals: DnsRecord[] = opts.edns === undefined ? [] : [
    { name: "", type: DnsType.OPT, class: opts.edns, ttl: 0, data: { kind: "raw", bytes: new Uint8Array(0) } },
  ];
  return encodeMessage({
    header: newHeader({ id: opts.id ?? 0x4242, rd: true }),
    questions: [{ name, type, class: 1 }], answers: [], authorities: [], additionals,
  });
}

function records(): ServiceRecords {
  const r = new ServiceRecords();
  r.setNetwork({ networkId: "n1", name: "net1" });
  r.setNetwork({ networkId: "ni", name: "inner", internal: true });
  r.setEndpoint("n1", { endpointId: "e1", name: "web", ipv4: "10.0.0.2" });
  for (let i = 0; i < 100; i++) r.setEndpoint("n1", { endpointId: `m${i}`, name: `m${i}`, aliases: ["many"], ipv4: `10.0.1.${i + 1}` });
  r.setEndpoint("ni", { endpointId: "e2", name: "secret", ipv4: "10.9.0.2" });
  r.setSandbox("s", { networkIds: ["n1"], upstreams: [{ address: "192.0.2.53", hostLoopback: false }] });
  r.setSandbox("internal", { networkIds: ["ni"], upstreams: [{ address: "192.0.2.53", hostLoopback: false }] });
  r.setSandbox("noupstream", { networkIds: ["n1"] });
  return r;
}

function reply(d: Decision): ReturnType<typeof decodeMessage> {
  assert.equal(d.kind, "reply");
  return decodeMessage((d as { bytes: Buffer }).bytes);
}

describe("parseQuery", () => {
  test("reads the question, keeps case in labels and lower-cases the name", () => {
    const q = parseQuery(query("WeB.Net1", DnsType.AAAA, { edns: 4096 }));
    assert.ok(!isProblem(q));
    assert.deepEqual([q.labels, q.name, q.qtype, q.edns, q.udpSize, q.rd], [["WeB", "Net1"], "web.net1", DnsType.AAAA, true, 1232, true]);
    const plain = parseQuery(query("web", DnsType.A));
    assert.ok(!isProblem(plain) && plain.udpSize === 512 && !plain.edns);
  });

  test("bad datagrams: drop or a header-only error", () => {
    assert.deepEqual(parseQuery(Buffer.alloc(5)), { kind: "drop" });
    const response = query("web", DnsType.A);
    response[2] = (response[2] as number) | 0x80;
    assert.deepEqual(parseQuery(response), { kind: "drop" });
    const notify = query("web", DnsType.A);
    notify[2] = 4 << 3;
    assert.deepEqual(parseQuery(notify), { kind: "error", id: 0x4242, opcode: 4, rcode: Rcode.NOTIMP });
    const two = query("web", DnsType.A);
    two.writeUInt16BE(2, 4);
    assert.deepEqual(parseQuery(two), { kind: "error", id: 0x4242, opcode: 0, rcode: Rcode.FORMERR });
    assert.deepEqual(parseQuery(query("web", DnsType.A).subarray(0, 16)), { kind: "error", id: 0x4242, opcode: 0, rcode: Rcode.FORMERR });
  });
});

describe("decide", () => {
  test("local names: NOERROR, TTL 600, RA=1, AA=0, the question as asked, OPT echoed", () => {
    const m = reply(decide(records(), "s", query("WEB", DnsType.A, { edns: 1232 }), true));
    assert.deepEqual([m.header.id, m.header.rcode, m.header.ra, m.header.aa, m.header.qr, m.header.rd], [0x4242, 0, true, false, true, true]);
    assert.deepEqual(m.questions, [{ name: "WEB", type: DnsType.A, class: 1 }]);
    assert.deepEqual(m.answers.map((a) => [a.name, a.ttl, a.data]), [["WEB", 600, { kind: "address", address: "10.0.0.2" }]]);
    assert.equal(m.additionals[0]?.type, DnsType.OPT);
  });

  test("AAAA of a v4-only name: NOERROR, no answers", () => {
    const m = reply(decide(records(), "s", query("web", DnsType.AAAA), true));
    assert.deepEqual([m.header.rcode, m.answers.length], [Rcode.NOERROR, 0]);
  });

  test("too many answers for UDP: as many as fit and TC; all over TCP", () => {
    const udp = decide(records(), "s", query("many", DnsType.A), true) as { bytes: Buffer };
    const m = decodeMessage(udp.bytes);
    assert.ok(udp.bytes.length <= 512 && m.header.tc && m.answers.length === Math.floor((512 - 22) / 16), `${udp.bytes.length} ${m.answers.length}`);
    const big = decodeMessage((decide(records(), "s", query("many", DnsType.A, { edns: 4096 }), true) as { bytes: Buffer }).bytes);
    assert.ok(big.header.tc && big.answers.length === Math.floor((1232 - 22 - 11) / 16));
    const tcp = decodeMessage((decide(records(), "s", query("many", DnsType.A), false) as { bytes: Buffer }).bytes);
    assert.equal(tcp.header.tc, false);
    assert.deepEqual(new Set(tcp.answers.map((a) => (a.data as { address: string }).address)).size, 100);
  });

  test("unknown names: forward; internal-only sandbox: REFUSED; no upstream: SERVFAIL", () => {
    assert.equal(decide(records(), "s", query("example.com", DnsType.A), true).kind, "forward");
    assert.equal(decide(records(), "s", query("web", DnsType.TXT, {}), true).kind, "reply");
    assert.equal(reply(decide(records(), "internal", query("example.com", DnsType.A), true)).header.rcode, Rcode.REFUSED);
    assert.deepEqual(reply(decide(records(), "internal", query("secret", DnsType.A), true)).answers.length, 1);
    assert.equal(reply(decide(records(), "noupstream", query("example.com", DnsType.A), true)).header.rcode, Rcode.SERVFAIL);
    assert.equal(decide(records(), "s", Buffer.alloc(3), true).kind, "drop");
  });
});

describe("replies", () => {
  test("relayed answers get the client's id back and are truncated to the client's UDP size", () => {
    const q = query("example.com", DnsType.A, { id: 7 });
    const parsed = parseQuery(q);
    assert.ok(!isProblem(parsed));
    const rr = pointerRecord(DnsType.A, Buffer.from([192, 0, 2, 1]));
    const upstream = buildReply(q, { ...parsed, id: 999 }, Rcode.NOERROR, Array.from({ length: 40 }, () => rr), false);
    const small = relayReply(q, parsed, upstream.subarray(0, 100), true);
    assert.equal(small.readUInt16BE(0), 7);
    const truncated = decodeMessage(relayReply(q, parsed, upstream, true));
    assert.deepEqual([truncated.header.id, truncated.header.tc, truncated.answers.length, truncated.questions.length], [7, true, 0, 1]);
    assert.equal(decodeMessage(relayReply(q, parsed, upstream, false)).answers.length, 40);
  });
});
