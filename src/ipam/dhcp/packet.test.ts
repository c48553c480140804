// The DHCP codec against a real dnsmasq exchange (testdata/dnsmasq.ts): our client messages byte for byte,
// dnsmasq's OFFER, ACK and NAK decoded; RFC 3396 long options, option overload, search lists, routes.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatIp, parseIp } from "../../types/index.js";
import { grantedOf } from "./client.js";
import {
  decodeClasslessRoutes, decodeSearchList, DhcpDecodeError, DhcpMessageType, DhcpOption, encodeClasslessRoutes, encodeSearchList,
} from "./options.js";
import { BOOTREPLY, decodeDhcpMessage, encodeDhcpMessage, FLAG_BROADCAST } from "./packet.js";
import { DNSMASQ_EXCHANGE as X } from "./testdata/dnsmasq.js";

const bytes = (hex: string): Buffer => Buffer.from(hex, "hex");
const ip = (text: string) => parseIp(text);
const CLIENT_ID = Uint8Array.from([1, 0x02, 0x42, 0xc0, 0xa8, 0x4d, 0x0a]);
const PARAMETERS = [1, 121, 3, 6, 15, 119, 51, 58, 59];

describe("DHCP packets against a real dnsmasq exchange", () => {
  test("our DISCOVER and REQUEST are the bytes dnsmasq answered", () => {
    const discover = decodeDhcpMessage(bytes(X.discover));
    const common = { xid: discover.xid, flags: FLAG_BROADCAST, chaddr: "02:42:c0:a8:4d:0a" };
    const ours = encodeDhcpMessage({
      ...common, options: { messageType: DhcpMessageType.discover, clientId: CLIENT_ID, hostname: "alpha", parameterRequest: PARAMETERS },
    });
    assert.equal(ours.toString("hex"), X.discover);
    const offer = decodeDhcpMessage(bytes(X.offer));
    const request = encodeDhcpMessage({
      ...common, options: {
        messageType: DhcpMessageType.request, clientId: CLIENT_ID, requestedAddress: offer.yiaddr,
        ...(offer.options.serverId === undefined ? {} : { serverId: offer.options.serverId }), hostname: "alpha", parameterRequest: PARAMETERS,
      },
    });
    assert.equal(request.toString("hex"), X.request);
    assert.equal(ours.length, 300, "padded to BOOTP's minimum");
  });

  test("dnsmasq's OFFER: a reply to our xid and MAC with the address, server, lease, T1, T2, mask, router, DNS, domain", () => {
    const offer = decodeDhcpMessage(bytes(X.offer));
    const discover = decodeDhcpMessage(bytes(X.discover));
    assert.equal(offer.op, BOOTREPLY);
    assert.equal(offer.xid, discover.xid);
    assert.equal(offer.chaddr, "02:42:c0:a8:4d:0a");
    assert.equal(offer.flags & FLAG_BROADCAST, FLAG_BROADCAST, "the broadcast flag comes back");
    const o = offer.options;
    assert.equal(o.messageType, DhcpMessageType.offer);
    assert.match(formatIp(offer.yiaddr), /^192\.168\.77\.1(0[0-9]|10)$/);
    assert.equal(formatIp(o.serverId ?? ip("0.0.0.0")), "192.168.77.1");
    assert.equal(o.leaseSeconds, 120);
    assert.equal(o.renewalSeconds, 40);
    assert.equal(o.rebindingSeconds, 70);
    assert.equal(formatIp(o.subnetMask ?? ip("0.0.0.0")), "255.255.255.0");
    assert.deepEqual(o.routers?.map(formatIp), ["192.168.77.1"]);
    assert.deepEqual(o.dnsServers?.map(formatIp), ["192.168.77.53"]);
    assert.equal(o.domainName, "lan.test");
    // dnsmasq 2.90 does not echo option 61 (RFC 6842): the client matches replies by xid and MAC, and by
    // option 61 only when a server echoes it.
    assert.equal(o.clientId, undefined);
  });

  test("dnsmasq's ACK makes the lease the join answers", () => {
    const ack = decodeDhcpMessage(bytes(X.ack));
    assert.equal(ack.options.messageType, DhcpMessageType.ack);
    const g = grantedOf(ack, 1000);
    assert.ok(g !== undefined);
    assert.equal(g.lease.address.length, 24);
    assert.equal(formatIp({ family: 4, value: g.lease.address.address }), formatIp(ack.yiaddr));
    assert.equal(formatIp(g.lease.gateway ?? ip("0.0.0.0")), "192.168.77.1");
    assert.deepEqual(g.lease.dnsServers.map(formatIp), ["192.168.77.53"]);
    assert.deepEqual(g.lease.searchDomains, ["lan.test"]);
    assert.deepEqual(g.lease.routes, []);
    assert.deepEqual([g.t1, g.t2, g.lease.leaseSeconds, g.lease.renewedAt], [40, 70, 120, 1000]);
  });

  test("dnsmasq's NAK for an address outside its range, with its reason", () => {
    const nak = decodeDhcpMessage(bytes(X.nak));
    assert.equal(nak.options.messageType, DhcpMessageType.nak);
    assert.equal(nak.yiaddr.value, 0n);
    assert.equal(typeof nak.options.message, "string");
    assert.equal(grantedOf(nak, 0), undefined);
  });

  test("every captured message survives decode → encode → decode", () => {
    for (const hex of Object.values(X)) {
      const m = decodeDhcpMessage(bytes(hex));
      assert.deepEqual(decodeDhcpMessage(encodeDhcpMessage(m)), m);
    }
  });
});

describe("DHCP options", () => {
  test("a value over 255 bytes is split into instances and joined again (RFC 3396)", () => {
    const domains = Array.from({ length: 30 }, (_, i) => `d${i}.example.test`);
    const wire = encodeDhcpMessage({ chaddr: "02:00:00:00:00:01", options: { messageType: 1, searchDomains: domains } });
    let at = 240;
    let instances = 0;
    while (wire[at] !== DhcpOption.end) {
      if (wire[at] === DhcpOption.domainSearch) instances++;
      at += 2 + (wire[at + 1] as number);
    }
    assert.ok(instances >= 2, `${instances} instances of option 119`);
    assert.deepEqual(decodeDhcpMessage(wire).options.searchDomains, domains);
  });

  test("options overloaded into the file and sname fields are read (option 52)", () => {
    const wire = encodeDhcpMessage({ op: BOOTREPLY, chaddr: "02:00:00:00:00:01", options: { messageType: 5 } });
    // Option 52 = 3 (file and sname), inserted before END; the router in file, the domain in sname.
    const end = wire.indexOf(DhcpOption.end, 240);
    const moved = Buffer.concat([wire.subarray(0, end), Buffer.from([52, 1, 3, 255]), wire.subarray(end + 4)]);
    Buffer.from([3, 4, 10, 0, 0, 1, 255]).copy(moved, 108);
    Buffer.from([15, 4, ...Buffer.from("lan1"), 255]).copy(moved, 44);
    const o = decodeDhcpMessage(moved).options;
    assert.deepEqual(o.routers?.map(formatIp), ["10.0.0.1"]);
    assert.equal(o.domainName, "lan1");
    assert.equal(o.unknown, undefined, "option 52 itself is consumed");
  });

  test("search lists: DNS labels, with compression pointers inside the option (RFC 3397)", () => {
    assert.deepEqual(decodeSearchList(encodeSearchList(["eng.example.test", "example.test"])), ["eng.example.test", "example.test"]);
    // "eng.example.test", then "example.test" as a pointer to offset 4.
    const compressed = Buffer.concat([encodeSearchList(["eng.example.test"]), Buffer.from([0xc0, 4])]);
    assert.deepEqual(decodeSearchList(compressed), ["eng.example.test", "example.test"]);
    assert.throws(() => decodeSearchList(Buffer.from([0xc0, 0])), DhcpDecodeError, "a pointer loop is refused");
  });

  test("classless static routes (RFC 3442): significant octets only, routers, on-link routes", () => {
    const routes = [
      { destination: ip("0.0.0.0"), length: 0, router: ip("10.0.0.1") },
      { destination: ip("10.8.0.0"), length: 14, router: ip("10.0.0.2") },
      { destination: ip("192.168.5.0"), length: 24, router: ip("0.0.0.0") },
    ];
    const wire = encodeClasslessRoutes(routes);
    assert.equal(wire.toString("hex"), "000a000001" + "0e0a080a000002" + "18c0a805" + "00000000");
    assert.deepEqual(decodeClasslessRoutes(wire), routes);
    const ack = decodeDhcpMessage(encodeDhcpMessage({
      op: BOOTREPLY, chaddr: "02:00:00:00:00:01", yiaddr: ip("10.0.0.9"),
      options: { messageType: 5, serverId: ip("10.0.0.1"), subnetMask: ip("255.255.255.0"), routers: [ip("10.0.0.254")], classlessRoutes: routes },
    }));
    const g = grantedOf(ack, 0);
    assert.equal(formatIp(g?.lease.gateway ?? ip("0.0.0.0")), "10.0.0.1", "option 121's default route wins over option 3");
    assert.deepEqual(g?.lease.routes.map((r) => [r.type, r.destination.length, r.nextHop === undefined ? "" : formatIp(r.nextHop)]), [
      ["nexthop", 14, "10.0.0.2"], ["connected", 24, ""],
    ]);
  });

  test("malformed messages are refused with a DhcpDecodeError, never a crash", () => {
    const good = bytes(X.ack);
    assert.throws(() => decodeDhcpMessage(good.subarray(0, 100)), DhcpDecodeError);
    const noMagic = Buffer.from(good);
    noMagic.writeUInt32BE(0, 236);
    assert.throws(() => decodeDhcpMessage(noMagic), DhcpDecodeError);
    const truncated = Buffer.from(good.subarray(0, 244));
    truncated[240] = DhcpOption.dnsServer;
    truncated[241] = 200;
    assert.throws(() => decodeDhcpMessage(truncated), DhcpDecodeError);
    const badList = encodeDhcpMessage({ chaddr: "02:00:00:00:00:01", options: { unknown: new Map([[6, Uint8Array.from([1, 2, 3])]]) } });
    assert.throws(() => decodeDhcpMessage(badList), DhcpDecodeError);
  });

  test("domains a resolv.conf cannot carry are dropped from a lease", () => {
    const ack = decodeDhcpMessage(encodeDhcpMessage({
      op: BOOTREPLY, chaddr: "02:00:00:00:00:01", yiaddr: ip("10.0.0.9"),
      options: { messageType: 5, serverId: ip("10.0.0.1"), searchDomains: ["good.test", "bad domain", "x;rm"] },
    }));
    assert.deepEqual(grantedOf(ack, 0)?.lease.searchDomains, ["good.test"]);
  });
});
