// Tests for withLinkIndex: address and link requests built for a placeholder index, aimed at the real one.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeAddrMessage, decodeLinkMessage, RTM_NEWLINK } from "../netlink/index.js";
import { parsePrefix } from "../types/index.js";
import { addAddressRequest } from "./addr.js";
import { linkRequest } from "./link.js";
import { PLACEHOLDER_INDEX, withLinkIndex } from "./prepared.js";
import { addRouteRequest } from "./route.js";

describe("withLinkIndex", () => {
  it("re-aims an address request: only the index changes, the original is left as it was", () => {
    const built = addAddressRequest(PLACEHOLDER_INDEX, { link: PLACEHOLDER_INDEX, address: parsePrefix("10.1.2.3/24") });
    const before = Buffer.from(built.payload);
    const aimed = withLinkIndex(built, 4242);
    const msg = decodeAddrMessage(Buffer.from(aimed.payload));
    assert.equal(msg.ifa.index, 4242);
    assert.deepEqual({ ...msg, ifa: { ...msg.ifa, index: PLACEHOLDER_INDEX } }, decodeAddrMessage(before));
    assert.deepEqual(Buffer.from(built.payload), before, "the built request is not modified");
    assert.equal(aimed.type, built.type);
    assert.equal(aimed.flags, built.flags);
  });

  it("re-aims a link request and the index its description names", () => {
    const built = linkRequest(RTM_NEWLINK, "set link", PLACEHOLDER_INDEX, { ifi: { index: PLACEHOLDER_INDEX, flags: 1, change: 1 }, attrs: { address: "02:42:0a:00:00:02" } });
    const aimed = withLinkIndex(built, 77);
    const msg = decodeLinkMessage(Buffer.from(aimed.payload));
    assert.equal(msg.ifi.index, 77);
    assert.equal(msg.attrs.address, "02:42:0a:00:00:02");
    assert.equal(aimed.describe, "set link ifindex 77");
  });

  it("refuses requests that carry no link index in their header, and invalid indexes", () => {
    const route = addRouteRequest(PLACEHOLDER_INDEX, { destination: parsePrefix("10.9.0.0/16"), link: PLACEHOLDER_INDEX });
    assert.throws(() => withLinkIndex(route, 5), { code: "ERR_NOT_INDEXED" });
    const addr = addAddressRequest(PLACEHOLDER_INDEX, { link: PLACEHOLDER_INDEX, address: parsePrefix("10.1.2.3/24") });
    for (const bad of [0, -1, 1.5, 2 ** 31]) assert.throws(() => withLinkIndex(addr, bad), { code: "ERR_INVALID_IFINDEX" });
  });
});
