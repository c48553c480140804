// Bad input to sandboxes, joins, leaves and lookups (§8.2): every case is a typed error (kind, code,
// message) and changes nothing: store, controller lists, netns/etc dirs, the sandbox's kernel state.

import assert from "node:assert/strict";
import { closeSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MemoryStore } from "../store/index.js";
import { rootOnly } from "../testing/kernel.js";
import type { Endpoint, Network, Sandbox } from "./objects.js";
import { expectError, openHarness, uniqueName, worldSnapshot, type ExpectedError, type Harness } from "./harness.test.js";

/** Errors whose message names objects made in `before` are given as functions, evaluated when the case runs. */
interface Case { readonly what: string; readonly run: () => Promise<unknown> | unknown; readonly error: ExpectedError | (() => ExpectedError) }

const invalid = (code: string, message?: string | RegExp): ExpectedError =>
  ({ kind: "invalid-argument", code, ...(message === undefined ? {} : { message }) });

describe("bad input to sandboxes, joins and lookups changes nothing (root)", rootOnly, () => {
  const store = new MemoryStore();
  let h: Harness;
  let net: Network;
  let sb: Sandbox;
  let deletedSb: Sandbox;
  let joined: Endpoint;
  let free: Endpoint;
  let deletedEp: Endpoint;
  before(async () => {
    h = await openHarness({ store });
    net = await h.controller.createNetwork({ name: uniqueName("bad"), driver: "testveth", ipam: { config: [{ subnet: "10.239.1.0/24" }] } });
    sb = await h.controller.createSandbox({ containerId: uniqueName("ctr"), name: uniqueName("named") });
    deletedSb = await h.controller.createSandbox({ containerId: uniqueName("gone") });
    await deletedSb.delete();
    joined = await net.createEndpoint({ name: "joined" });
    await joined.join(sb);
    free = await net.createEndpoint({ name: "free" });
    deletedEp = await net.createEndpoint({ name: "deleted" });
    await deletedEp.delete();
    closeSync(openSync(join(h.netnsDir, "foreign"), "w")); // a netns file name someone else uses
  });
  after(async () => {
    rmSync(join(h.netnsDir, "foreign"), { force: true });
    await h?.close();
    await store.close();
  });

  const sandbox = (o: Record<string, unknown>) => () => h.controller.createSandbox({ containerId: uniqueName("c"), ...o } as never);

  const cases: Case[] = [
    { what: "sandbox: empty container ID", run: sandbox({ containerId: "" }), error: invalid("ERR_INVALID_CONTAINER_ID", "invalid container ID") },
    { what: "sandbox: blank container ID", run: sandbox({ containerId: "  " }), error: invalid("ERR_INVALID_CONTAINER_ID", "invalid container ID") },
    { what: "sandbox: README NewSandbox with an empty container ID", run: () => h.controller.NewSandbox(""), error: invalid("ERR_INVALID_CONTAINER_ID") },
    { what: "sandbox: second sandbox for a container", run: () => h.controller.createSandbox({ containerId: sb.containerId, name: uniqueName("x") }), error: () => ({ kind: "conflict", code: "ERR_SANDBOX_EXISTS", message: `container ${sb.containerId} is already present in sandbox ${sb.id}` }) },
    { what: "sandbox: name of another sandbox", run: () => sandbox({ name: sb.name })(), error: () => ({ kind: "conflict", code: "ERR_SANDBOX_EXISTS", message: `sandbox with name ${sb.name} already exists` }) },
    { what: "sandbox: name of a netns file that is not ours", run: sandbox({ name: "foreign" }), error: { kind: "conflict", code: "ERR_SANDBOX_EXISTS", message: "sandbox with name foreign already exists" } },
    { what: "sandbox: name with a slash", run: sandbox({ name: "a/b" }), error: invalid("ERR_INVALID_NETNS_NAME", /^invalid network namespace name "a\/b"/) },
    { what: "sandbox: name '..'", run: sandbox({ name: ".." }), error: invalid("ERR_INVALID_NETNS_NAME") },
    { what: "sandbox: empty name", run: sandbox({ name: "" }), error: invalid("ERR_INVALID_NETNS_NAME") },
    { what: "sandbox: hostname starting with '-'", run: sandbox({ hostname: "-bad" }), error: invalid("ERR_INVALID_HOSTNAME", 'invalid hostname "-bad"') },
    { what: "sandbox: hostname with a space", run: sandbox({ hostname: "a b" }), error: invalid("ERR_INVALID_HOSTNAME", 'invalid hostname "a b"') },
    { what: "sandbox: domainname with a space", run: sandbox({ domainname: "bad domain" }), error: invalid("ERR_INVALID_HOSTNAME", 'invalid domainname "bad domain"') },
    { what: "sandbox: DNS server that is no IP", run: sandbox({ dns: ["dns.example"] }), error: invalid("ERR_INVALID_DNS_SERVER", 'invalid DNS server "dns.example": not an IP address') },
    { what: "sandbox: DNS search domain with a space", run: sandbox({ dnsSearch: ["a b"] }), error: invalid("ERR_INVALID_DNS_SEARCH", /^invalid DNS search domain "a b"/) },
    { what: "sandbox: DNS option that is not one token", run: sandbox({ dnsOptions: ["ndots: 2"] }), error: invalid("ERR_INVALID_DNS_OPTION", /^invalid DNS option "ndots: 2"/) },
    { what: "sandbox: ndots without a number", run: sandbox({ dnsOptions: ["ndots:x"] }), error: invalid("ERR_INVALID_DNS_OPTION", 'invalid DNS option "ndots:x": ndots needs a number ≥ 0') },
    { what: "sandbox: extra host without an IP", run: sandbox({ extraHosts: ["db"] }), error: invalid("ERR_INVALID_EXTRA_HOST", 'invalid extra host "db": expected NAME:IP') },
    { what: "sandbox: extra host with a bad IP", run: sandbox({ extraHosts: ["db:10.0.0.300"] }), error: invalid("ERR_INVALID_EXTRA_HOST", /^invalid extra host "db:10\.0\.0\.300"/) },
    { what: "sandbox: extra host object with a bad name", run: sandbox({ extraHosts: [{ name: "a b", ip: "10.0.0.1" }] }), error: invalid("ERR_INVALID_EXTRA_HOST") },
    { what: "sandbox: external netns that does not exist", run: sandbox({ netnsPath: "/nonexistent/netns" }), error: invalid("ERR_INVALID_NETNS") },
    { what: "sandbox: delete of a deleted sandbox", run: () => deletedSb.delete(), error: { kind: "not-found", code: "ERR_SANDBOX_NOT_FOUND" } },
    { what: "join: README Join with an empty container ID", run: () => free.Join(""), error: invalid("ERR_INVALID_CONTAINER_ID", "invalid container ID") },
    { what: "join: a deleted sandbox", run: () => free.join(deletedSb), error: () => ({ kind: "not-found", code: "ERR_SANDBOX_NOT_FOUND", message: `sandbox ${deletedSb.id} not found` }) },
    { what: "join: a deleted endpoint", run: () => deletedEp.join(sb), error: () => ({ kind: "not-found", code: "ERR_ENDPOINT_NOT_FOUND", message: `endpoint ${deletedEp.id} not found` }) },
    { what: "join: an endpoint already joined", run: () => joined.join(sb), error: { kind: "forbidden", code: "ERR_ENDPOINT_JOINED" } },
    { what: "join: by a bad container ID that would need a new sandbox", run: () => free.Join("bad/id", { hostname: "-x" }), error: invalid("ERR_INVALID_HOSTNAME") },
    { what: "leave: an endpoint that is not joined", run: () => free.leave(sb), error: { kind: "forbidden", code: "ERR_ENDPOINT_NOT_JOINED" } },
    { what: "leave: by an unknown container ID", run: () => joined.Leave("no-such-container"), error: { kind: "not-found", code: "ERR_SANDBOX_NOT_FOUND", message: "sandbox no-such-container not found" } },
    { what: "leave: by an empty container ID", run: () => joined.leave(""), error: invalid("ERR_INVALID_ID") },
    { what: "leave: a deleted sandbox", run: () => joined.leave(deletedSb), error: { kind: "not-found", code: "ERR_SANDBOX_NOT_FOUND" } },
    { what: "lookup: network by empty reference", run: () => h.controller.network(""), error: invalid("ERR_INVALID_ID") },
    { what: "lookup: network by unknown name", run: () => h.controller.NetworkByName("nope"), error: { kind: "not-found", code: "ERR_NETWORK_NOT_FOUND", message: "network nope not found" } },
    { what: "lookup: network by unknown ID", run: () => h.controller.NetworkByID("0".repeat(64)), error: { kind: "not-found", code: "ERR_NETWORK_NOT_FOUND" } },
    { what: "lookup: sandbox by unknown ID", run: () => h.controller.SandboxByID("0".repeat(64)), error: { kind: "not-found", code: "ERR_SANDBOX_NOT_FOUND" } },
    { what: "lookup: sandbox by a deleted one's container ID", run: () => h.controller.sandbox(deletedSb.containerId), error: { kind: "not-found", code: "ERR_SANDBOX_NOT_FOUND" } },
    { what: "lookup: endpoint by blank reference", run: () => net.endpoint(" "), error: invalid("ERR_INVALID_ID") },
    { what: "lookup: a deleted endpoint's info", run: () => deletedEp.info(), error: { kind: "not-found", code: "ERR_ENDPOINT_NOT_FOUND" } },
    { what: "lookup: a deleted endpoint by name", run: () => net.endpoint("deleted"), error: { kind: "not-found", code: "ERR_ENDPOINT_NOT_FOUND" } },
  ];

  for (const c of cases) {
    it(c.what, async () => {
      const before = await worldSnapshot(h, store, sb.key);
      await expectError(c.run, typeof c.error === "function" ? c.error() : c.error);
      assert.deepEqual(await worldSnapshot(h, store, sb.key), before);
    });
  }

  it("after all that, the sandbox still works: the free endpoint joins as eth1, by container ID", async () => {
    await free.Join(sb.containerId);
    assert.equal(free.info().ifname, "eth1");
    await free.Leave(sb.containerId);
    assert.equal(joined.info().sandboxId, sb.id);
  });
});
