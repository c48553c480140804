// Unit tests (no root): the host port allocator — fixed, range, dynamic from the range, wrap-around,
// conflicts (Docker's message), wildcard against specific addresses, release, and the range sysctl.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { LibnetworkError } from "../../errors/index.js";
import { parseIp } from "../../types/index.js";
import { PortAllocator, readLocalPortRange } from "./ports.js";

const ANY4 = parseIp("0.0.0.0");
const ANY6 = parseIp("::");
const H1 = parseIp("192.0.2.1");
const H2 = parseIp("192.0.2.2");
const H6 = parseIp("2001:db8::1");

function rejects(fn: () => unknown, kind: string, code: string, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof LibnetworkError, String(err));
    assert.deepEqual([err.kind, err.code, err.message], [kind, code, message]);
    return true;
  });
}

describe("port allocator: fixed ports", () => {
  test("a free port is handed out as asked; taken again it is Docker's error", () => {
    const a = new PortAllocator([32768, 60999]);
    assert.equal(a.allocate("tcp", ANY4, 8080, 8080), 8080);
    rejects(() => a.allocate("tcp", ANY4, 8080, 8080), "conflict", "ERR_PORT_ALLOCATED", "Bind for 0.0.0.0:8080 failed: port is already allocated");
    assert.equal(a.size, 1, "the failed request reserved nothing");
  });

  test("protocols and families are separate spaces", () => {
    const a = new PortAllocator([32768, 60999]);
    a.allocate("tcp", ANY4, 53, 53);
    assert.equal(a.allocate("udp", ANY4, 53, 53), 53);
    assert.equal(a.allocate("sctp", ANY4, 53, 53), 53);
    assert.equal(a.allocate("tcp", ANY6, 53, 53), 53, ":: does not collide with 0.0.0.0");
    assert.equal(a.allocate("tcp", H6, 54, 54), 54);
    rejects(() => a.allocate("tcp", ANY6, 54, 54), "conflict", "ERR_PORT_ALLOCATED", "Bind for [::]:54 failed: port is already allocated");
    rejects(() => a.allocate("tcp", H6, 53, 53), "conflict", "ERR_PORT_ALLOCATED", "Bind for [2001:db8::1]:53 failed: port is already allocated");
  });

  test("two specific addresses share a port; a wildcard collides with any address of its family, both ways", () => {
    const a = new PortAllocator([32768, 60999]);
    assert.equal(a.allocate("tcp", H1, 80, 80), 80);
    assert.equal(a.allocate("tcp", H2, 80, 80), 80, "192.0.2.1:80 and 192.0.2.2:80 coexist");
    rejects(() => a.allocate("tcp", ANY4, 80, 80), "conflict", "ERR_PORT_ALLOCATED", "Bind for 0.0.0.0:80 failed: port is already allocated");
    a.allocate("tcp", ANY4, 81, 81);
    rejects(() => a.allocate("tcp", H1, 81, 81), "conflict", "ERR_PORT_ALLOCATED", "Bind for 192.0.2.1:81 failed: port is already allocated");
    a.release("tcp", H1, 80);
    rejects(() => a.allocate("tcp", ANY4, 80, 80), "conflict", "ERR_PORT_ALLOCATED", "Bind for 0.0.0.0:80 failed: port is already allocated");
    a.release("tcp", H2, 80);
    assert.equal(a.allocate("tcp", ANY4, 80, 80), 80, "free once both specific reservations are gone");
  });

  test("release frees exactly one reservation; unknown releases are no-ops", () => {
    const a = new PortAllocator([32768, 60999]);
    a.allocate("tcp", ANY4, 8080, 8080);
    a.allocate("udp", ANY4, 8080, 8080);
    a.release("tcp", parseIp("0.0.0.0"), 8080);
    a.release("tcp", ANY4, 8080);
    a.release("sctp", H1, 1);
    assert.equal(a.size, 1);
    assert.equal(a.allocate("tcp", ANY4, 8080, 8080), 8080);
    rejects(() => a.allocate("udp", ANY4, 8080, 8080), "conflict", "ERR_PORT_ALLOCATED", "Bind for 0.0.0.0:8080 failed: port is already allocated");
  });
});

describe("port allocator: ranges", () => {
  test("the first free port of the range; a full range is an error and reserves nothing", () => {
    const a = new PortAllocator([32768, 60999]);
    assert.equal(a.allocate("tcp", ANY4, 8000, 8002), 8000);
    assert.equal(a.allocate("tcp", ANY4, 8000, 8002), 8001);
    a.allocate("tcp", ANY4, 8002, 8002);
    rejects(() => a.allocate("tcp", ANY4, 8000, 8002), "unavailable", "ERR_ALL_PORTS_ALLOCATED", "all ports are allocated (tcp 8000-8002 on 0.0.0.0)");
    a.release("tcp", ANY4, 8001);
    assert.equal(a.allocate("tcp", ANY4, 8000, 8002), 8001, "a freed port in the range is found again");
    assert.equal(a.allocate("tcp", H1, 7999, 8000), 7999, "ranges skip ports held by the wildcard");
    rejects(() => a.allocate("tcp", H1, 8000, 8002), "unavailable", "ERR_ALL_PORTS_ALLOCATED", "all ports are allocated (tcp 8000-8002 on 192.0.2.1)");
  });

  test("a range does not move the dynamic cursor", () => {
    const a = new PortAllocator([100, 110]);
    assert.equal(a.allocate("tcp", ANY4, 105, 108), 105);
    assert.equal(a.allocate("tcp", ANY4, 0, 0), 100);
  });
});

describe("port allocator: dynamic ports", () => {
  test("from the start of ip_local_port_range, each after the last one handed out (Docker: first is 32768)", () => {
    const a = new PortAllocator([32768, 60999]);
    assert.equal(a.allocate("tcp", ANY4, 0, 0), 32768);
    assert.equal(a.allocate("tcp", ANY4, 0, 0), 32769);
    a.release("tcp", ANY4, 32768);
    assert.equal(a.allocate("tcp", ANY4, 0, 0), 32770, "a released port is not reused at once");
    assert.equal(a.allocate("udp", ANY4, 0, 0), 32768, "per protocol");
  });

  test("per host address: -p 80 on 0.0.0.0 and on :: gets the same port number", () => {
    const a = new PortAllocator([32768, 60999]);
    assert.equal(a.allocate("tcp", ANY4, 0, 0), 32768);
    assert.equal(a.allocate("tcp", ANY6, 0, 0), 32768);
    assert.equal(a.allocate("tcp", ANY4, 0, 0), 32769);
    assert.equal(a.allocate("tcp", ANY6, 0, 0), 32769);
  });

  test("skips ports taken by fixed or specific reservations", () => {
    const a = new PortAllocator([100, 104]);
    a.allocate("tcp", ANY4, 100, 100);
    a.allocate("tcp", H1, 101, 101);
    assert.equal(a.allocate("tcp", ANY4, 0, 0), 102);
    assert.equal(a.allocate("tcp", H2, 0, 0), 100 + 1, "192.0.2.2 may use 101 (held by 192.0.2.1 only) but not 100");
  });

  test("wraps around at the end of the range and finds the holes", () => {
    const a = new PortAllocator([100, 103]);
    assert.deepEqual([0, 1, 2, 3].map(() => a.allocate("tcp", ANY4, 0, 0)), [100, 101, 102, 103]);
    a.release("tcp", ANY4, 101);
    assert.equal(a.allocate("tcp", ANY4, 0, 0), 101, "after 103 comes 100 (taken), then 101");
    rejects(() => a.allocate("tcp", ANY4, 0, 0), "unavailable", "ERR_ALL_PORTS_ALLOCATED", "all ports are allocated (tcp 100-103 on 0.0.0.0)");
    a.release("tcp", ANY4, 103);
    a.release("tcp", ANY4, 100);
    assert.equal(a.allocate("tcp", ANY4, 0, 0), 103, "continues after 101: 102 is taken, 103 is free");
    assert.equal(a.allocate("tcp", ANY4, 0, 0), 100, "then wraps to 100");
  });

  test("a one-port range", () => {
    const a = new PortAllocator([5000, 5000]);
    assert.equal(a.allocate("udp", ANY4, 0, 0), 5000);
    rejects(() => a.allocate("udp", ANY4, 0, 0), "unavailable", "ERR_ALL_PORTS_ALLOCATED", "all ports are allocated (udp 5000-5000 on 0.0.0.0)");
  });
});

describe("port allocator: ranges mapped one to one", () => {
  test("a range is one reservation that singles, dynamic ports and other ranges collide with, wildcard against specific both ways", () => {
    const a = new PortAllocator([10000, 10009]);
    a.holdRange("tcp", [ANY4], 10000, 10004);
    assert.equal(a.size, 5);
    rejects(() => a.allocate("tcp", ANY4, 10002, 10002), "conflict", "ERR_PORT_ALLOCATED", "Bind for 0.0.0.0:10002 failed: port is already allocated");
    rejects(() => a.allocate("tcp", H1, 10004, 10004), "conflict", "ERR_PORT_ALLOCATED", "Bind for 192.0.2.1:10004 failed: port is already allocated");
    assert.equal(a.allocate("tcp", ANY4, 0, 0), 10005, "a dynamic port skips the range");
    assert.equal(a.allocate("udp", ANY4, 10000, 10000), 10000, "other protocols are separate");
    assert.equal(a.allocate("tcp", ANY6, 10000, 10000), 10000, "and so is the other family");
    rejects(() => a.holdRange("tcp", [H1], 10004, 10010), "conflict", "ERR_PORT_ALLOCATED", "Bind for 192.0.2.1:10004 failed: port is already allocated");
    rejects(() => a.holdRange("tcp", [ANY4], 10005, 10006), "conflict", "ERR_PORT_ALLOCATED", "Bind for 0.0.0.0:10005 failed: port is already allocated");
    a.holdRange("tcp", [H1], 20000, 20999);
    a.holdRange("tcp", [H2], 20000, 20999);
    rejects(() => a.holdRange("tcp", [ANY4], 20500, 20600), "conflict", "ERR_PORT_ALLOCATED", "Bind for 0.0.0.0:20500 failed: port is already allocated");
    a.release("tcp", ANY4, 10000, 10004);
    assert.equal(a.allocate("tcp", ANY4, 10002, 10002), 10002, "released as a whole");
    a.release("tcp", ANY4, 10000, 10004); // twice is harmless
    assert.equal(a.size, 2 + 1 + 2000 + 1);
  });
});

describe("readLocalPortRange", () => {
  test("reads the sysctl file; falls back to Docker's 49153-65535 when missing or garbage", () => {
    const dir = mkdtempSync(join(tmpdir(), "dnet-ports-"));
    try {
      const file = join(dir, "ip_local_port_range");
      writeFileSync(file, "32768\t60999\n");
      assert.deepEqual(readLocalPortRange(file), [32768, 60999]);
      writeFileSync(file, "1024 1024\n");
      assert.deepEqual(readLocalPortRange(file), [1024, 1024]);
      for (const bad of ["", "abc def", "60999 32768", "1.5 3"]) {
        writeFileSync(file, bad);
        assert.deepEqual(readLocalPortRange(file), [49153, 65535], JSON.stringify(bad));
      }
      assert.deepEqual(readLocalPortRange(join(dir, "missing")), [49153, 65535]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the process's own netns file parses (the default path)", () => {
    const [lo, hi] = readLocalPortRange();
    assert.ok(Number.isInteger(lo) && Number.isInteger(hi) && lo <= hi);
  });
});
