// Unit tests (no root): `-p` specs with port ranges, and what `dnet port`, `port add` and `port rm` print
// (docker port's lines and order, ranges, IPv6 in brackets, Docker's error for a port not published).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { portLines } from "./port.js";
import { publishedLine } from "./port-add.js";
import { publishSpec } from "./port-rm.js";
import { parsePublish } from "./publish.js";

describe("-p specs", () => {
  it("container port ranges, with host ranges, addresses and protocols", () => {
    assert.deepEqual(parsePublish("10000-19999:10000-19999/udp"), { Proto: "udp", Port: 10000, PortEnd: 19999, HostPort: 10000, HostPortEnd: 19999 });
    assert.deepEqual(parsePublish("127.0.0.1:9000-9001:9000-9001"), { Proto: "tcp", Port: 9000, PortEnd: 9001, HostIP: "127.0.0.1", HostPort: 9000, HostPortEnd: 9001 });
    assert.deepEqual(parsePublish("[fd00::1]:8080:80"), { Proto: "tcp", Port: 80, HostIP: "fd00::1", HostPort: 8080, HostPortEnd: 8080 });
    assert.deepEqual(parsePublish("9000-9001"), { Proto: "tcp", Port: 9000, PortEnd: 9001 }, "the daemon says what it needs: a host range");
    assert.deepEqual(parsePublish("80/sctp"), { Proto: "sctp", Port: 80 });
    assert.throws(() => parsePublish("9000-x:9000"), /invalid port "x"/);
    assert.throws(() => parsePublish("80/icmp"), /invalid protocol/);
  });
});

describe("dnet port output", () => {
  const ports = {
    "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }, { HostIp: "::", HostPort: "8080" }],
    "9000/tcp": [{ HostIp: "0.0.0.0", HostPort: "9000" }], "10000/udp": [{ HostIp: "0.0.0.0", HostPort: "10000" }],
    "53/udp": null,
  };

  it("every port in docker port's natural order, IPv6 in brackets; one port: its host sides only", () => {
    assert.deepEqual(portLines(ports, undefined, "web"), [
      "80/tcp -> 0.0.0.0:8080", "80/tcp -> [::]:8080", "9000/tcp -> 0.0.0.0:9000", "10000/udp -> 0.0.0.0:10000",
    ]);
    assert.deepEqual(portLines(ports, "80", "web"), ["0.0.0.0:8080", "[::]:8080"]);
    assert.deepEqual(portLines(ports, "10000/udp", "web"), ["0.0.0.0:10000"]);
  });

  it("a port asked for but not published, or not asked for: Docker's error", () => {
    assert.throws(() => portLines(ports, "53/udp", "web"), { kind: "not-found", code: "ERR_PORT_NOT_PUBLISHED", message: "no public port '53/udp' published for web" });
    assert.throws(() => portLines(ports, "81", "web"), { message: "no public port '81/tcp' published for web" });
    assert.throws(() => portLines(ports, "x", "web"), /invalid port "x"/);
  });

  it("port add prints a range in one line; port rm prints bindings in -p form", () => {
    assert.equal(publishedLine({ Proto: "tcp", Port: 10000, PortEnd: 19999, HostIP: "0.0.0.0", HostPort: 10000, HostPortEnd: 19999 }),
      "10000-19999/tcp -> 0.0.0.0:10000-19999");
    assert.equal(publishedLine({ Proto: "udp", Port: 53, HostIP: "::", HostPort: 32768, HostPortEnd: 32768 }), "53/udp -> [::]:32768");
    assert.equal(publishSpec({ Proto: "tcp", Port: 80, HostIP: "", HostPort: 8080, HostPortEnd: 8080 }), "8080:80/tcp");
    assert.equal(publishSpec({ Proto: "udp", Port: 9000, PortEnd: 9001, HostIP: "127.0.0.1", HostPort: 9000, HostPortEnd: 9001 }), "127.0.0.1:9000-9001:9000-9001/udp");
    assert.equal(publishSpec({ Proto: "tcp", Port: 80, HostIP: "", HostPort: 0, HostPortEnd: 0 }), "80/tcp");
    assert.equal(publishSpec({ Proto: "tcp", Port: 80, HostIP: "fd00::1", HostPort: 0, HostPortEnd: 0 }), "[fd00::1]::80/tcp");
  });
});
