// Golden bytes: our NEWSETELEM/DELSETELEM batches against what nft 1.0.6 sent (strace -e write=3) for the same elements.

import assert from "node:assert/strict";
import { test } from "node:test";
import { NLA_HDRLEN, NLM_F_ACK, NLM_F_REQUEST, NLMSG_HDRLEN, nlAlign } from "../netlink/constants.js";
import { decodeMessages, encodeMessage } from "../netlink/message.js";
import { NFTA_SET_ELEM_LIST_SET_ID } from "../netlink/schemas/nf-tables.js";
import { parseIp, parsePrefix } from "../types/index.js";
import type { NftElement, NftValue } from "./nft-ast.js";
import { concatValue, elementChangeRequests, nftBatchFrames, setElemRequest } from "./nfnl-elements.js";
import { dnetTable } from "./rules.js";

// Captured in a scratch netns holding `table inet dnet` with the port maps of rules.ts:
//   strace -f -e trace=sendmsg -e write=3 nft add element inet dnet ports4 { … }
// Each capture is one sendmsg: BATCH_BEGIN (seq 0), the element message (seq 1), BATCH_END (seq 2).
const GOLDEN = {
  // nft add element inet dnet ports4 { tcp . 8080 : 10.0.0.2 . 80, udp . 53 : 10.0.0.3 . 5353 }
  ports4Add:
    "140000001000010000000000000000000000000a800000000c0a010401000000000000000100000009000100646e6574" +
    "000000000b000200706f72747334000008000400000000014c00038024000180100001800c000100060000001f900000" +
    "100002800c0001000a0000020050000024000280100001800c0001001100000000350000100002800c0001000a000003" +
    "14e90000140000001100010002000000000000000000000a",
  // nft add element inet dnet ports6 { udp . 5353 : fd00::2 . 53 }
  ports6Add:
    "140000001000010000000000000000000000000a680000000c0a010401000000000000000100000009000100646e6574" +
    "000000000b000200706f72747336000008000400000000023400038030000180100001800c0001001100000014e90000" +
    "1c00028018000100fd00000000000000000000000000000200350000140000001100010002000000000000000000000a",
  // nft add element inet dnet hostports4 { 192.168.1.5 . tcp . 8081 : 10.0.0.2 . 80 }
  hostports4Add:
    "140000001000010000000000000000000000000a640000000c0a010401000000000000000100000009000100646e6574" +
    "000000000f000200686f7374706f72747334000008000400000000032c000380280001801400018010000100c0a80105" +
    "060000001f910000100002800c0001000a00000200500000140000001100010002000000000000000000000a",
  // nft add element inet dnet hostports6 { 2001:db8::1 . sctp . 8082 : fd00::2 . 80 }
  hostports6Add:
    "140000001000010000000000000000000000000a7c0000000c0a010401000000000000000100000009000100646e6574" +
    "000000000f000200686f7374706f72747336000008000400000000044400038040000180200001801c00010020010db8" +
    "000000000000000000000001840000001f9200001c00028018000100fd00000000000000000000000000000200500000" +
    "140000001100010002000000000000000000000a",
  // nft delete element inet dnet ports4 { tcp . 8080 }
  ports4Del:
    "140000001000010000000000000000000000000a440000000e0a010001000000000000000100000009000100646e6574" +
    "000000000b000200706f7274733400001800038014000180100001800c000100060000001f9000001400000011000100" +
    "02000000000000000000000a",
  // nft delete element inet dnet hostports6 { 2001:db8::1 . sctp . 8082 }
  hostports6Del:
    "140000001000010000000000000000000000000a580000000e0a010001000000000000000100000009000100646e6574" +
    "000000000f000200686f7374706f7274733600002800038024000180200001801c00010020010db80000000000000000" +
    "00000001840000001f920000140000001100010002000000000000000000000a",
  // The interval maps (pipapo): an element is its key (first port) and key end (last port).
  // nft add element inet dnet ranges4 { tcp . 30000-39999 : 10.0.0.2 }
  ranges4Add:
    "140000001000010000000000000000000000000a680000000c0a010401000000000000000100000009000100646e6574" +
    "000000000c00020072616e676573340008000400000000113400038030000180100001800c0001000600000075300000" +
    "10000a800c000100060000009c3f00000c000280080001000a000002140000001100010002000000000000000000000a",
  // nft add element inet dnet hostranges6 { 2001:db8::1 . udp . 40000-49999 : fd00::2 }
  hostranges6Add:
    "140000001000010000000000000000000000000a980000000c0a010401000000000000000100000009000100646e6574" +
    "0000000010000200686f737472616e67657336000800040000000014600003805c000180200001801c00010020010db8" +
    "000000000000000000000001110000009c40000020000a801c00010020010db800000000000000000000000111000000" +
    "c34f00001800028014000100fd000000000000000000000000000002140000001100010002000000000000000000000a",
  // nft delete element inet dnet ranges4 { tcp . 30000-39999 }
  ranges4Del:
    "140000001000010000000000000000000000000a540000000e0a010001000000000000000100000009000100646e6574" +
    "000000000c00020072616e67657334002800038024000180100001800c000100060000007530000010000a800c000100" +
    "060000009c3f0000140000001100010002000000000000000000000a",
  // Prefixes. A single-field interval set (rbtree) holds [first, last + 1) as two elements, the end one
  // flagged NFT_SET_ELEM_INTERVAL_END (flags before its key, no data); a concatenation (pipapo) one
  // element with an inclusive key end. Captured with a set that already held an element: into an empty
  // one, nft 1.0.6 also sends an INTERVAL_END at address 0, which kernels with the rbtree overlap checks
  // (5.6+) do not need, and which `nft list` never shows.
  // nft add element inet dnet masq4 { 10.1.0.0/24 }
  masq4Add:
    "140000001000010000000000000000000000000a600000000c0a010401000000000000000100000009000100646e6574000000000a0002006d6173713400000008000400000000092c000380100001800c000180080001000a0100001800028008000300000000010c000180080001000a010100140000001100010002000000000000000000000a",
  // nft add element inet dnet masq6 { fd00:1::/64 }
  masq6Add:
    "140000001000010000000000000000000000000a780000000c0a010401000000000000000100000009000100646e6574000000000a0002006d61737136000000080004000000000a440003801c0001801800018014000100fd0000010000000000000000000000002400028008000300000000011800018014000100fd000001000000010000000000000000140000001100010002000000000000000000000a",
  // nft add element inet dnet snat4 { 10.2.0.0/16 : 192.0.2.1 }
  snat4Add:
    "140000001000010000000000000000000000000a6c0000000c0a010401000000000000000100000009000100646e6574000000000a000200736e617434000000080004000000000b380003801c0001800c000180080001000a0200000c00028008000100c00002011800028008000300000000010c000180080001000a030000140000001100010002000000000000000000000a",
  // nft add element inet dnet nets4 { 10.2.0.0/16 . "br0" }
  nets4Add:
    "140000001000010000000000000000000000000a740000000c0a010401000000000000000100000009000100646e6574000000000a0002006e657473340000000800040000000007400003803c0001801c000180180001000a020000627230000000000000000000000000001c000a80180001000a02ffff62723000000000000000000000000000140000001100010002000000000000000000000a",
  // nft add element inet dnet internal6 { "br0" . fd00:1::/64 }
  internal6Add:
    "140000001000010000000000000000000000000a900000000c0a010401000000000000000100000009000100646e6574000000000e000200696e7465726e616c3600000008000400000000065800038054000180280001802400010062723000000000000000000000000000fd00000100000000000000000000000028000a802400010062723000000000000000000000000000fd00000100000000ffffffffffffffff140000001100010002000000000000000000000a",
  // nft delete element inet dnet masq4 { 10.1.0.0/24 }
  masq4Del:
    "140000001000010000000000000000000000000a580000000e0a010001000000000000000100000009000100646e6574000000000a0002006d617371340000002c000380100001800c000180080001000a0100001800028008000300000000010c000180080001000a010100140000001100010002000000000000000000000a",
  // nft delete element inet dnet snat4 { 10.2.0.0/16 }
  snat4Del:
    "140000001000010000000000000000000000000a580000000e0a010001000000000000000100000009000100646e6574000000000a000200736e6174340000002c000380100001800c000180080001000a0200001800028008000300000000010c000180080001000a030000140000001100010002000000000000000000000a",
  // nft delete element inet dnet nets4 { 10.2.0.0/16 . "br0" }
  nets4Del:
    "140000001000010000000000000000000000000a6c0000000e0a010001000000000000000100000009000100646e6574000000000a0002006e65747334000000400003803c0001801c000180180001000a020000627230000000000000000000000000001c000a80180001000a02ffff62723000000000000000000000000000140000001100010002000000000000000000000a",
} as const;

/**
 * What we send for the same change: nft's bytes with its NFTA_SET_ELEM_LIST_SET_ID cut out (we name
 * the set only) and NLM_F_ACK added on the element message (we wait for its answer; nft 1.0.6 does not).
 */
function expected(hex: string): Buffer {
  const [begin, inner, end] = decodeMessages(Buffer.from(hex, "hex"));
  assert.ok(begin !== undefined && inner !== undefined && end !== undefined, "three messages captured");
  const parts: Buffer[] = [];
  for (let off = 4; off < inner.payload.length;) { // after struct nfgenmsg
    const len = inner.payload.readUInt16LE(off);
    if (inner.payload.readUInt16LE(off + 2) !== NFTA_SET_ELEM_LIST_SET_ID) parts.push(inner.payload.subarray(off, off + nlAlign(len)));
    off += nlAlign(Math.max(len, NLA_HDRLEN));
  }
  const payload = Buffer.concat([inner.payload.subarray(0, 4), ...parts]);
  return Buffer.concat([
    encodeMessage(begin, begin.payload),
    encodeMessage({ ...inner, flags: inner.flags | NLM_F_ACK }, payload),
    encodeMessage(end, end.payload),
  ]);
}

/** Our batch for one set's elements, with nft's sequence numbers. */
function ours(op: "add" | "delete", set: string, elements: readonly NftElement[]): Buffer {
  const { begin, end } = nftBatchFrames();
  const r = setElemRequest(op, "dnet", set, elements);
  return Buffer.concat([
    encodeMessage({ type: begin.type, flags: NLM_F_REQUEST, seq: 0, pid: 0 }, begin.payload),
    encodeMessage({ type: r.type, flags: NLM_F_REQUEST | NLM_F_ACK | (r.flags ?? 0), seq: 1, pid: 0 }, r.payload),
    encodeMessage({ type: end.type, flags: NLM_F_REQUEST, seq: 2, pid: 0 }, end.payload),
  ]);
}

const proto = (v: "tcp" | "udp" | "sctp"): NftValue => ({ t: "proto", v });
const port = (v: number): NftValue => ({ t: "port", v });
const addr = (v: string): NftValue => ({ t: "addr", v: parseIp(v) });

test("golden: NEWSETELEM ports4 with two elements (tcp and udp)", () => {
  assert.deepEqual(ours("add", "ports4", [
    { key: [proto("tcp"), port(8080)], data: [addr("10.0.0.2"), port(80)] },
    { key: [proto("udp"), port(53)], data: [addr("10.0.0.3"), port(5353)] },
  ]), expected(GOLDEN.ports4Add));
});

test("golden: NEWSETELEM ports6, hostports4, hostports6 (sctp)", () => {
  assert.deepEqual(ours("add", "ports6", [{ key: [proto("udp"), port(5353)], data: [addr("fd00::2"), port(53)] }]),
    expected(GOLDEN.ports6Add));
  assert.deepEqual(ours("add", "hostports4", [{ key: [addr("192.168.1.5"), proto("tcp"), port(8081)], data: [addr("10.0.0.2"), port(80)] }]),
    expected(GOLDEN.hostports4Add));
  assert.deepEqual(ours("add", "hostports6", [{ key: [addr("2001:db8::1"), proto("sctp"), port(8082)], data: [addr("fd00::2"), port(80)] }]),
    expected(GOLDEN.hostports6Add));
});

test("golden: DELSETELEM names the element by its key only", () => {
  assert.deepEqual(ours("delete", "ports4", [{ key: [proto("tcp"), port(8080)], data: [addr("10.0.0.2"), port(80)] }]),
    expected(GOLDEN.ports4Del));
  assert.deepEqual(ours("delete", "hostports6", [{ key: [addr("2001:db8::1"), proto("sctp"), port(8082)] }]),
    expected(GOLDEN.hostports6Del));
});

test("golden: interval elements carry a key and a key end, in adds and deletes", () => {
  const range = (lo: number, hi: number): NftValue => ({ t: "portRange", lo, hi });
  assert.deepEqual(ours("add", "ranges4", [{ key: [proto("tcp"), range(30000, 39999)], data: [addr("10.0.0.2")] }]),
    expected(GOLDEN.ranges4Add));
  assert.deepEqual(ours("add", "hostranges6", [{ key: [addr("2001:db8::1"), proto("udp"), range(40000, 49999)], data: [addr("fd00::2")] }]),
    expected(GOLDEN.hostranges6Add));
  assert.deepEqual(ours("delete", "ranges4", [{ key: [proto("tcp"), range(30000, 39999)], data: [addr("10.0.0.2")] }]),
    expected(GOLDEN.ranges4Del));
});

test("elementChangeRequests: deletes first, only the chosen sets, large lists split under the 64 KiB nest limit", () => {
  const t = dnetTable();
  const el = (p: number): NftElement => ({ key: [proto("tcp"), port(p)], data: [addr("10.0.0.2"), port(p)] });
  const many = Array.from({ length: 1500 }, (_, i) => el(10000 + i));
  const add = new Map([["ports4", many], ["bridges", [{ key: [{ t: "ifname", v: "br0" } as NftValue] }]]]);
  const del = new Map([["hostports4", [{ key: [addr("10.9.9.9"), proto("udp"), port(1)] }]]]);
  const reqs = elementChangeRequests(t, add, del, new Set(["ports4", "hostports4"]));
  assert.deepEqual(reqs.map((r) => r.describe), [
    "NFT_MSG_DELSETELEM dnet hostports4",
    "NFT_MSG_NEWSETELEM dnet ports4", "NFT_MSG_NEWSETELEM dnet ports4", "NFT_MSG_NEWSETELEM dnet ports4",
  ]);
  for (const r of reqs) assert.ok(r.payload.length + NLMSG_HDRLEN < 0x10000);
  assert.throws(() => setElemRequest("add", "dnet", "masq4", [{ key: [{ t: "prefix", v: parsePrefix("255.255.255.0/24") }] }]), TypeError,
    "a range up to the last address has no end element: such a change stays on nft -f");
});

test("golden: a pinned port's elements (ifname . ether_addr . ipv4_addr, and a raw 128-bit IPv6 target)", () => {
  // `nft --debug=netlink add element bridge dnet pin4 { "veth2" . 02:42:0a:00:00:03 . 10.0.0.3 }` prints
  // the key as little-endian words: 68746576 00000032 00000000 00000000 000a4202 00000300 0300000a.
  const words = (w: string): Buffer => Buffer.concat(w.split(" ").map((x) => { const b = Buffer.alloc(4); b.writeUInt32LE(parseInt(x, 16)); return b; }));
  const port: NftValue = { t: "ifname", v: "veth2" };
  const mac: NftValue = { t: "ether", v: "02:42:0a:00:00:03" };
  assert.deepEqual(concatValue([port, mac, addr("10.0.0.3")]), words("68746576 00000032 00000000 00000000 000a4202 00000300 0300000a"));
  // The same for pin_nd's `typeof iifname . ether saddr . @th,64,128` with fd00::3.
  assert.deepEqual(concatValue([port, mac, { t: "u128", v: parseIp("fd00::3") }]),
    words("68746576 00000032 00000000 00000000 000a4202 00000300 000000fd 00000000 00000000 03000000"));
  const bridge = setElemRequest("add", "dnet", "pin_v4", [{ key: [port, mac, addr("10.0.0.3")] }], "bridge");
  assert.equal(bridge.payload[0], 7, "NFPROTO_BRIDGE in the nfgenmsg");
});

test("golden: prefixes, as rbtree pairs (masq, snat) and as pipapo key and key end (nets, internal)", () => {
  const pfx = (v: string): NftValue => ({ t: "prefix", v: parsePrefix(v) });
  const br: NftValue = { t: "ifname", v: "br0" };
  assert.deepEqual(ours("add", "masq4", [{ key: [pfx("10.1.0.0/24")] }]), expected(GOLDEN.masq4Add));
  assert.deepEqual(ours("add", "masq6", [{ key: [pfx("fd00:1::/64")] }]), expected(GOLDEN.masq6Add));
  assert.deepEqual(ours("add", "snat4", [{ key: [pfx("10.2.0.0/16")], data: [addr("192.0.2.1")] }]), expected(GOLDEN.snat4Add));
  // Host bits of a subnet (a gateway written as the network) do not reach the kernel.
  assert.deepEqual(ours("add", "nets4", [{ key: [pfx("10.2.0.1/16"), br] }]), expected(GOLDEN.nets4Add));
  assert.deepEqual(ours("add", "internal6", [{ key: [br, pfx("fd00:1::/64")] }]), expected(GOLDEN.internal6Add));
  assert.deepEqual(ours("delete", "masq4", [{ key: [pfx("10.1.0.0/24")] }]), expected(GOLDEN.masq4Del));
  assert.deepEqual(ours("delete", "snat4", [{ key: [pfx("10.2.0.0/16")], data: [addr("192.0.2.1")] }]), expected(GOLDEN.snat4Del));
  assert.deepEqual(ours("delete", "nets4", [{ key: [pfx("10.2.0.0/16"), br] }]), expected(GOLDEN.nets4Del));
});
