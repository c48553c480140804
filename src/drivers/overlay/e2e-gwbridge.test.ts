// Docker's default gateway service on the multi-host test bed (one host is enough): an overlay sandbox
// gets a second leg on the local NAT bridge docker_gwbridge, reaches "the outside" (the underlay's netns)
// masqueraded as its host, has its published port answer on the host's address; a bridge network with a
// gateway takes the leg's place and gives it back; leaving the overlay takes it away; an internal overlay
// gets none; a daemon killed and restarted keeps it; concurrent first connects make the network once.
// Checked with iproute2 and curl, not with our code.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ClusterBed, UNDERLAY_ETCD_IP, hostUnderlayIp } from "../../testing/cluster-bed.js";
import { until } from "../../testing/cluster-probes.js";
import { rootOnly } from "../../testing/kernel.js";
import { NetnsPrograms, curlIn } from "../../testing/netns-programs.js";
import { sh, type TestDaemon } from "../../testing/test-daemon.js";

const GW = "docker_gwbridge";
const OUTSIDE_PORT = 8080;
const HOST_PORT = 18080;

interface Route { dst: string; gateway?: string; dev: string }

function defaultRoute(key: string): { gateway?: string; dev: string } | undefined {
  const [r] = JSON.parse(sh("nsenter", [`--net=${key}`, "ip", "-j", "-4", "route", "show", "default"])) as Route[];
  return r === undefined ? undefined : { ...(r.gateway === undefined ? {} : { gateway: r.gateway }), dev: r.dev };
}

function links(key: string): string[] {
  return (JSON.parse(sh("nsenter", [`--net=${key}`, "ip", "-j", "link", "show"])) as Array<{ ifname: string; operstate: string; flags: string[] }>)
    .filter((l) => l.flags.includes("UP")).map((l) => l.ifname).sort();
}

type SandboxDto = Awaited<ReturnType<TestDaemon["client"]["inspectSandbox"]>>;
const legs = (sb: SandboxDto): string[] => sb.Endpoints.map((e) => `${e.NetworkName}:${e.IfName}`);

describe("overlay sandboxes reach out through docker_gwbridge (root)", rootOnly, () => {
  const bed = new ClusterBed();
  const programs = new NetnsPrograms();
  const tag = randomBytes(3).toString("hex");
  const ov = `ovg-${tag}`;
  const sbName = `gws-${tag}`;
  let host: TestDaemon;

  before(async () => {
    const etcd = await bed.startEtcd();
    host = bed.addHost(bed.clusterArgs(0, etcd.url));
    await host.start();
    await until(() => host.log.includes("joined the cluster"));
    // The underlay's netns plays the outside: it answers with the address it saw the client as.
    await programs.echo(`/run/netns/${bed.underlay}`, "outside", [`tcp:${OUTSIDE_PORT}`]);
  });
  after(async () => {
    programs.stopAll();
    await bed.cleanup();
  });

  it("concurrent first connects make docker_gwbridge once, and a leg for each sandbox", { timeout: 90_000 }, async () => {
    await host.client.createNetwork({ Name: ov, Driver: "overlay" });
    const names = [0, 1, 2, 3].map((i) => `gwc${i}-${tag}`);
    await Promise.all(names.map((Name) => host.client.createSandbox({ Name, Networks: [{ Network: ov }] })));
    assert.equal((await host.client.listNetworks()).filter((n) => n.Name === GW).length, 1);
    const sbs = await Promise.all(names.map((n) => host.client.inspectSandbox(n)));
    for (const sb of sbs) assert.deepEqual(legs(sb), [`${ov}:eth0`, `${GW}:eth1`]);
    assert.equal(new Set(sbs.map((sb) => sb.Endpoints[1]?.IPv4Address)).size, names.length);
    await Promise.all(names.map((n) => host.client.removeSandbox(n, true)));
    assert.ok(!(await host.client.listEndpoints()).some((e) => e.NetworkName === GW), "every leg went with its sandbox");
  });

  it("an overlay sandbox gets eth1 on docker_gwbridge with the default route, NAT to the outside and its published port", { timeout: 90_000 }, async () => {
    await host.client.createSandbox({ Name: sbName, PortBindings: [{ Proto: "tcp", Port: 80, HostPort: HOST_PORT }], Networks: [{ Network: ov }] });
    const sb = await host.client.inspectSandbox(sbName);
    assert.deepEqual(legs(sb), [`${ov}:eth0`, `${GW}:eth1`]);
    const gwEp = sb.Endpoints[1]!;
    assert.match(gwEp.EndpointName, /^gateway_/);
    const gwNet = await host.client.inspectNetwork(GW);
    assert.equal(gwNet.Driver, "bridge");
    assert.deepEqual(gwNet.Options, {
      "com.docker.network.bridge.name": GW, "com.docker.network.bridge.enable_icc": "false", "com.docker.network.bridge.enable_ip_masquerade": "true",
    });
    assert.equal(gwNet.EnableIPv6, false);
    // The kernel's view: the bridge device in the host's netns, the sandbox's default route through it.
    assert.match(host.inHost("ip", ["-d", "link", "show", GW]), /bridge/);
    assert.deepEqual(defaultRoute(sb.Key), { gateway: gwNet.IPAM.Config?.[0]?.Gateway, dev: "eth1" });
    // Masqueraded: the outside sees the host's underlay address, not the sandbox's.
    assert.equal(curlIn(sb.Key, UNDERLAY_ETCD_IP, OUTSIDE_PORT), `outside ${UNDERLAY_ETCD_IP} ${hostUnderlayIp(0)}`);
    // Published through the gateway leg: the host's address answers from inside the sandbox.
    await programs.echo(sb.Key, "inside", ["tcp:80"]);
    assert.match(curlIn(`/run/netns/${bed.underlay}`, hostUnderlayIp(0), HOST_PORT), new RegExp(`^inside ${gwEp.IPv4Address.split("/")[0]} `));
    // The overlay endpoint's port map is the gateway leg's (Docker's DriverInfo), and its address is not in hosts.
    assert.deepEqual(sb.Endpoints[0]?.PortBindings.map((p) => [p.Port, p.HostPort]), [[80, HOST_PORT]]);
    // Docker's container inspect lists the networks connected to, not the gateway leg; the ports are published.
    const ctr = JSON.parse((await host.client.raw("GET", `/containers/${sbName}/json`)).text) as {
      NetworkSettings: { Networks: Record<string, unknown>; Ports: Record<string, unknown> };
    };
    assert.deepEqual(Object.keys(ctr.NetworkSettings.Networks), [ov]);
    assert.deepEqual(ctr.NetworkSettings.Ports, { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: String(HOST_PORT) }] });
    assert.doesNotMatch(readFileSync(sb.HostsPath, "utf8"), new RegExp(`^${gwEp.IPv4Address.split("/")[0]!.replace(/\./g, "\\.")}\\s`, "m"));
  });

  it("survives a daemon killed with -9 and restarted: the same leg, route and published port", { timeout: 90_000 }, async () => {
    const before = await host.client.inspectSandbox(sbName);
    await host.stop("SIGKILL");
    await host.start();
    const sb = await host.client.inspectSandbox(sbName);
    assert.deepEqual(sb.Endpoints.map((e) => e.EndpointID), before.Endpoints.map((e) => e.EndpointID));
    assert.equal(defaultRoute(sb.Key)?.dev, "eth1");
    assert.equal(curlIn(sb.Key, UNDERLAY_ETCD_IP, OUTSIDE_PORT), `outside ${UNDERLAY_ETCD_IP} ${hostUnderlayIp(0)}`);
    assert.match(curlIn(`/run/netns/${bed.underlay}`, hostUnderlayIp(0), HOST_PORT), /^inside /);
  });

  it("a bridge network with a gateway takes the leg's place and gives it back; leaving the overlay removes it", { timeout: 90_000 }, async () => {
    const br = `brg-${tag}`;
    const brNet = await host.client.createNetwork({ Name: br });
    await host.client.connect(br, { Container: sbName });
    let sb = await host.client.inspectSandbox(sbName);
    assert.deepEqual(legs(sb), [`${ov}:eth0`, `${br}:eth2`]);
    const brGateway = (await host.client.inspectNetwork(brNet.Id)).IPAM.Config?.[0]?.Gateway;
    assert.deepEqual(defaultRoute(sb.Key), { gateway: brGateway, dev: "eth2" });
    await until(() => !links(sb.Key).includes("eth1"));
    assert.ok(!(await host.client.listEndpoints()).some((e) => e.NetworkName === GW), "the gateway endpoint is deleted");
    assert.match(curlIn(`/run/netns/${bed.underlay}`, hostUnderlayIp(0), HOST_PORT), /^inside /, "the port followed the default route");

    await host.client.disconnect(br, { Container: sbName });
    sb = await host.client.inspectSandbox(sbName);
    assert.deepEqual(legs(sb), [`${ov}:eth0`, `${GW}:eth1`]);
    assert.equal(defaultRoute(sb.Key)?.dev, "eth1");
    await host.client.removeNetwork(br);

    await host.client.disconnect(ov, { Container: sbName });
    sb = await host.client.inspectSandbox(sbName);
    assert.deepEqual(legs(sb), []);
    await until(() => links(sb.Key).join() === "lo");
    assert.ok(!(await host.client.listEndpoints()).some((e) => e.NetworkName === GW));
    assert.ok((await host.client.listNetworks()).some((n) => n.Name === GW), "the network itself stays");
    await host.client.removeSandbox(sbName);
  });

  it("an internal overlay network gets no gateway leg", { timeout: 60_000 }, async () => {
    const internal = `ovi-${tag}`;
    const name = `gwi-${tag}`;
    await host.client.createNetwork({ Name: internal, Driver: "overlay", Internal: true });
    await host.client.createSandbox({ Name: name });
    await host.client.connect(internal, { Container: name });
    const sb = await host.client.inspectSandbox(name);
    assert.deepEqual(legs(sb), [`${internal}:eth0`]);
    assert.equal(defaultRoute(sb.Key), undefined);
    await host.client.removeSandbox(name, true);
    await host.client.removeNetwork(internal);
    await host.client.removeNetwork(ov);
  });
});
