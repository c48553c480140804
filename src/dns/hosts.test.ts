// Tests for /etc/hosts generation (Docker's etchosts layout) and `--add-host` parsing.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isLibnetworkError } from "../errors/index.js";
import { parseIp } from "../types/index.js";
import { buildHosts, extraHost, ownHostNames, parseExtraHost } from "./hosts.js";

const DEFAULTS =
  "127.0.0.1\tlocalhost\n" +
  "::1\tlocalhost ip6-localhost ip6-loopback\n" +
  "fe00::0\tip6-localnet\n" +
  "ff00::0\tip6-mcastprefix\n" +
  "ff02::1\tip6-allnodes\n" +
  "ff02::2\tip6-allrouters\n";

function invalid(code: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(isLibnetworkError(err), `not a LibnetworkError: ${String(err)}`);
    assert.equal(err.kind, "invalid-argument");
    assert.equal(err.code, code);
    return true;
  };
}

describe("buildHosts", () => {
  it("writes Docker's six default lines for a sandbox with nothing joined", () => {
    assert.equal(buildHosts({}), DEFAULTS);
    assert.equal(buildHosts({ hostname: "test", domainname: "docker.io" }), DEFAULTS);
  });

  it("adds extra hosts after the defaults", () => {
    const text = buildHosts({ extraHosts: [parseExtraHost("db:10.0.0.5"), parseExtraHost("v6:::1")] });
    assert.equal(text, `${DEFAULTS}10.0.0.5\tdb\n::1\tv6\n`);
  });

  it("adds `<ip>\\t<fqdn> <shortname>` per joined endpoint, IPv4 then IPv6, in join order", () => {
    const text = buildHosts({
      hostname: "myhost",
      domainname: "dom.example",
      extraHosts: [extraHost("gw", "192.168.0.1")],
      endpoints: [
        { ipv4: "192.168.0.6", ipv6: "2001:db8:0:0::6" },
        { ipv4: parseIp("10.1.0.2") },
      ],
    });
    assert.equal(
      text,
      `${DEFAULTS}192.168.0.1\tgw\n` +
        "192.168.0.6\tmyhost.dom.example myhost\n" +
        "2001:db8::6\tmyhost.dom.example myhost\n" +
        "10.1.0.2\tmyhost.dom.example myhost\n",
    );
  });

  it("names the addresses like Docker: FQDN hostnames are split, bare ones stand alone", () => {
    assert.equal(ownHostNames("myhost", "dom.example"), "myhost.dom.example myhost");
    assert.equal(ownHostNames("myhost.dom.example"), "myhost.dom.example myhost");
    assert.equal(ownHostNames("c18e22400c3a"), "c18e22400c3a");
    assert.equal(ownHostNames(""), undefined);
    assert.equal(buildHosts({ hostname: "c18e22400c3a", endpoints: [{ ipv4: "172.18.0.2" }] }), `${DEFAULTS}172.18.0.2\tc18e22400c3a\n`);
  });

  it("removes exactly the lines of the endpoint that left (not, as Docker, every own-hostname line)", () => {
    const base = { hostname: "c1", extraHosts: [extraHost("c1", "10.9.9.9")] };
    const a = { ipv4: "172.18.0.2" };
    const b = { ipv4: "172.19.0.2", ipv6: "fd00::2" };
    assert.equal(buildHosts({ ...base, endpoints: [a, b] }), `${DEFAULTS}10.9.9.9\tc1\n172.18.0.2\tc1\n172.19.0.2\tc1\nfd00::2\tc1\n`);
    assert.equal(buildHosts({ ...base, endpoints: [b] }), `${DEFAULTS}10.9.9.9\tc1\n172.19.0.2\tc1\nfd00::2\tc1\n`);
    assert.equal(buildHosts({ ...base, endpoints: [a] }), `${DEFAULTS}10.9.9.9\tc1\n172.18.0.2\tc1\n`);
  });

  it("leaves endpoint lines out without a hostname", () => {
    assert.equal(buildHosts({ endpoints: [{ ipv4: "10.0.0.2" }] }), DEFAULTS);
  });

  it("rejects bad hostnames, domainnames and endpoint addresses", () => {
    assert.throws(() => buildHosts({ hostname: "my host", endpoints: [{ ipv4: "10.0.0.2" }] }), invalid("ERR_INVALID_HOSTNAME"));
    assert.throws(() => buildHosts({ hostname: "h", domainname: "a\tb" }), invalid("ERR_INVALID_DOMAINNAME"));
    assert.throws(() => buildHosts({ domainname: "x#y" }), invalid("ERR_INVALID_DOMAINNAME"));
    assert.throws(() => buildHosts({ hostname: "h", endpoints: [{ ipv4: "fd00::2" }] }), invalid("ERR_INVALID_IP"));
    assert.throws(() => buildHosts({ hostname: "h", endpoints: [{ ipv6: parseIp("10.0.0.2") }] }), invalid("ERR_INVALID_IP"));
    assert.throws(() => buildHosts({ hostname: "h", endpoints: [{ ipv4: "10.0.0.256" }] }), invalid("ERR_INVALID_IP"));
    assert.throws(() => buildHosts({ extraHosts: [{ name: "a b", ip: "10.0.0.1" }] }), invalid("ERR_INVALID_EXTRA_HOST"));
  });
});

describe("parseExtraHost", () => {
  it("splits at the first colon and canonicalises the address", () => {
    assert.deepEqual(parseExtraHost("db:10.0.0.5"), { name: "db", ip: "10.0.0.5" });
    assert.deepEqual(parseExtraHost("loop6:::1"), { name: "loop6", ip: "::1" });
    assert.deepEqual(parseExtraHost("v6:2001:DB8:0::1"), { name: "v6", ip: "2001:db8::1" });
    assert.deepEqual(parseExtraHost("br:[2001:db8::1]"), { name: "br", ip: "2001:db8::1" });
    assert.deepEqual(parseExtraHost("my.host.example:192.0.2.1"), { name: "my.host.example", ip: "192.0.2.1" });
  });

  it("rejects a missing name, a missing colon, whitespace and bad addresses, naming the value", () => {
    for (const bad of ["noip", ":1.2.3.4", "a b:1.2.3.4", "h:notanip", "h:host-gateway", "h:", "h:1.2.3.4 ", "h#x:1.2.3.4"]) {
      assert.throws(() => parseExtraHost(bad), (err: unknown) => {
        assert.ok(invalid("ERR_INVALID_EXTRA_HOST")(err));
        assert.ok(isLibnetworkError(err) && err.message.includes(JSON.stringify(bad).slice(1, -1)), String(err));
        return true;
      });
    }
  });
});
