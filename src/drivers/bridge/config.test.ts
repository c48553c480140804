// Unit tests (no root): every bridge option parsed into frozen config, with Docker's error text.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CreateNetworkRequest, IpamData } from "../../driver-api/index.js";
import { LibnetworkError } from "../../errors/index.js";
import { formatIp, formatPrefix, parsePrefix } from "../../types/index.js";
import { gatewayIp, parseBridgeConfig } from "./config.js";
import { BridgeLabels as L } from "./labels.js";

const ID = "3f1c0a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a";

function pool(subnet: string, gateway?: string): IpamData {
  return { addressSpace: "LocalDefault", pool: parsePrefix(subnet), ...(gateway === undefined ? {} : { gateway: parsePrefix(gateway) }), auxAddresses: new Map() };
}

function req(options: Record<string, string> = {}, more: Partial<CreateNetworkRequest> = {}): CreateNetworkRequest {
  return {
    networkId: ID, options: new Map(Object.entries(options)), internal: false, enableIPv6: false,
    ipv4: [pool("10.20.0.0/24", "10.20.0.1/24")], ipv6: [], ...more,
  };
}

/** Parsing must fail with this kind and exactly this message. */
function fails(r: CreateNetworkRequest, kind: string, message: string): void {
  assert.throws(() => parseBridgeConfig(r), (err: unknown) => {
    assert.ok(err instanceof LibnetworkError, String(err));
    assert.equal(err.message, message);
    assert.equal(err.kind, kind);
    return true;
  });
}

describe("bridge config: defaults", () => {
  test("a network with no options gets Docker's defaults, frozen", () => {
    const c = parseBridgeConfig(req());
    assert.equal(c.id, ID);
    assert.equal(c.bridgeName, `br-${ID.slice(0, 12)}`, "br-<first 12 of the network ID>");
    assert.equal(c.icc, true);
    assert.equal(c.masquerade, true);
    assert.equal(c.inhibitIpv4, false);
    assert.equal(c.hostBindingIp, undefined);
    assert.equal(c.snatSource, undefined);
    assert.equal(c.mtu, undefined);
    assert.equal(c.internal, false);
    assert.equal(c.ipv6, false);
    assert.equal(c.v6, undefined);
    assert.equal(formatPrefix(c.v4.pool), "10.20.0.0/24");
    assert.equal(formatIp(gatewayIp(c.v4.gateway) ?? { family: 4, value: 0n }), "10.20.0.1");
    assert.ok(Object.isFrozen(c));
    assert.throws(() => { (c as { icc: boolean }).icc = false; }, TypeError);
  });

  test("internal and IPv6 come from the request; the v6 pool only when IPv6 is enabled", () => {
    const v6 = [pool("fd00:20::/64", "fd00:20::1/64")];
    const on = parseBridgeConfig(req({}, { internal: true, enableIPv6: true, ipv6: v6 }));
    assert.equal(on.internal, true);
    assert.equal(on.ipv6, true);
    assert.equal(on.v6 === undefined ? "" : formatPrefix(on.v6.pool), "fd00:20::/64");
    assert.equal(formatIp(gatewayIp(on.v6?.gateway) ?? { family: 6, value: 0n }), "fd00:20::1");
    assert.equal(parseBridgeConfig(req({}, { ipv6: v6 })).v6, undefined, "IPv6 pools are ignored unless enabled");
  });
});

describe("bridge config: each option", () => {
  test("com.docker.network.bridge.name", () => {
    assert.equal(parseBridgeConfig(req({ [L.name]: "dnet-br0" })).bridgeName, "dnet-br0");
    fails(req({ [L.name]: "a-very-long-bridge" }), "invalid-argument",
      "failed to parse com.docker.network.bridge.name value: a-very-long-bridge (it is longer than 15 bytes)");
    fails(req({ [L.name]: "br x" }), "invalid-argument",
      "failed to parse com.docker.network.bridge.name value: br x (it contains '/', ':', whitespace, quotes, backslashes or control characters)");
    fails(req({ [L.name]: "br*" }), "invalid-argument",
      "failed to parse com.docker.network.bridge.name value: br* (only letters, digits, '_', '.', '@' and '-' are allowed)");
    assert.equal(parseBridgeConfig(req({ [L.name]: "" })).bridgeName, `br-${ID.slice(0, 12)}`, "empty = default, as in Docker");
  });

  for (const [label, field, fallback] of [
    [L.enableIcc, "icc", true], [L.enableIpMasquerade, "masquerade", true], [L.inhibitIpv4, "inhibitIpv4", false],
  ] as const) {
    test(`${label}: Go's ParseBool spellings, and its error`, () => {
      for (const t of ["1", "t", "T", "true", "TRUE", "True"]) assert.equal(parseBridgeConfig(req({ [label]: t }))[field], true, t);
      for (const f of ["0", "f", "F", "false", "FALSE", "False"]) assert.equal(parseBridgeConfig(req({ [label]: f }))[field], false, f);
      assert.equal(parseBridgeConfig(req())[field], fallback);
      fails(req({ [label]: "yes" }), "invalid-argument",
        `failed to parse ${label} value: yes (strconv.ParseBool: parsing "yes": invalid syntax)`);
      fails(req({ [label]: "" }), "invalid-argument", `failed to parse ${label} value:  (strconv.ParseBool: parsing "": invalid syntax)`);
    });
  }

  test("com.docker.network.bridge.host_binding_ipv4: any IP; garbage is Docker's \"nil ip\"", () => {
    assert.equal(formatIp(parseBridgeConfig(req({ [L.hostBindingIpv4]: "192.0.2.7" })).hostBindingIp ?? { family: 4, value: 0n }), "192.0.2.7");
    assert.equal(parseBridgeConfig(req({ [L.hostBindingIpv4]: "::1" })).hostBindingIp?.family, 6);
    assert.equal(parseBridgeConfig(req({ [L.hostBindingIpv4]: "" })).hostBindingIp, undefined, "empty = default");
    fails(req({ [L.hostBindingIpv4]: "localhost" }), "invalid-argument",
      "failed to parse com.docker.network.bridge.host_binding_ipv4 value: localhost (nil ip)");
    fails(req({ [L.hostBindingIpv4]: "1.2.3.256" }), "invalid-argument",
      "failed to parse com.docker.network.bridge.host_binding_ipv4 value: 1.2.3.256 (nil ip)");
  });

  test("com.docker.network.host_ipv4 (SNAT source): IPv4 only", () => {
    assert.equal(formatIp(parseBridgeConfig(req({ [L.hostIpv4]: "198.51.100.9" })).snatSource ?? { family: 4, value: 0n }), "198.51.100.9");
    fails(req({ [L.hostIpv4]: "nope" }), "invalid-argument", "failed to parse com.docker.network.host_ipv4 value: nope (nil ip)");
    fails(req({ [L.hostIpv4]: "2001:db8::1" }), "invalid-argument",
      "failed to parse com.docker.network.host_ipv4 value: 2001:db8::1 (not an IPv4 address)");
  });

  test("com.docker.network.driver.mtu: Atoi, negative is Docker's \"invalid MTU number\", 0 = kernel default", () => {
    assert.equal(parseBridgeConfig(req({ [L.mtu]: "1400" })).mtu, 1400);
    assert.equal(parseBridgeConfig(req({ [L.mtu]: "0" })).mtu, undefined);
    assert.equal(parseBridgeConfig(req({ [L.mtu]: "" })).mtu, undefined);
    fails(req({ [L.mtu]: "-1" }), "invalid-argument", "invalid MTU number: -1");
    fails(req({ [L.mtu]: "abc" }), "invalid-argument",
      'failed to parse com.docker.network.driver.mtu value: abc (strconv.Atoi: parsing "abc": invalid syntax)');
    fails(req({ [L.mtu]: "1.5" }), "invalid-argument",
      'failed to parse com.docker.network.driver.mtu value: 1.5 (strconv.Atoi: parsing "1.5": invalid syntax)');
    fails(req({ [L.mtu]: "20" }), "invalid-argument", "invalid MTU number: 20 (must be 68-65535)");
    fails(req({ [L.mtu]: "70000" }), "invalid-argument", "invalid MTU number: 70000 (must be 68-65535)");
  });

  test("com.docker.network.container_iface_prefix is the controller's (accepted, not a bridge.* key)", () => {
    assert.doesNotThrow(() => parseBridgeConfig(req({ [L.containerIfacePrefix]: "lnv" })));
  });

  test("com.docker.network.bridge.default_bridge parses (the controller keeps it for the daemon's predefined bridge)", () => {
    assert.equal(parseBridgeConfig(req({ [L.defaultBridge]: "false" })).defaultBridge, false);
    assert.equal(parseBridgeConfig(req({ [L.defaultBridge]: "true" })).defaultBridge, true);
    fails(req({ [L.defaultBridge]: "maybe" }), "invalid-argument",
      'failed to parse com.docker.network.bridge.default_bridge value: maybe (strconv.ParseBool: parsing "maybe": invalid syntax)');
  });

  test("an unknown com.docker.network.bridge.* key is refused; other keys are left to others", () => {
    fails(req({ "com.docker.network.bridge.enable_icc_typo": "true" }), "invalid-argument",
      "unknown bridge option com.docker.network.bridge.enable_icc_typo");
    assert.doesNotThrow(() => parseBridgeConfig(req({ "com.example.label": "x", "com.docker.network.enable_ipv6": "true" })));
  });
});

describe("bridge config: IPAM data", () => {
  test("no IPv4 pool, or only 0.0.0.0/0 (the null IPAM): Docker's \"ipv4 pool is empty\"", () => {
    fails(req({}, { ipv4: [] }), "invalid-argument", "ipv4 pool is empty");
    fails(req({}, { ipv4: [pool("0.0.0.0/0")] }), "invalid-argument", "ipv4 pool is empty");
  });

  test("more than one v4 or v6 pool: Docker's \"bridge driver doesn't support multiple subnets\"", () => {
    fails(req({}, { ipv4: [pool("10.20.0.0/24"), pool("10.21.0.0/24")] }), "forbidden", "bridge driver doesn't support multiple subnets");
    fails(req({}, { enableIPv6: true, ipv6: [pool("fd00:1::/64"), pool("fd00:2::/64")] }), "forbidden",
      "bridge driver doesn't support multiple subnets");
  });

  test("a pool without a gateway keeps the gateway undefined", () => {
    assert.equal(parseBridgeConfig(req({}, { ipv4: [pool("10.30.0.0/16")] })).v4.gateway, undefined);
    assert.equal(gatewayIp(undefined), undefined);
  });

  test("the first failing option is reported, and nothing is returned half parsed", () => {
    fails(req({ [L.enableIcc]: "nah", [L.mtu]: "-5" }), "invalid-argument",
      'failed to parse com.docker.network.bridge.enable_icc value: nah (strconv.ParseBool: parsing "nah": invalid syntax)');
  });
});
