// Child process of the Docker coexistence test (src/drivers/bridge/docker-coexistence.test.ts), run as
// `ip netns exec H node coexistence-scenario.js CONFIG_JSON` in the netns H where a real dockerd runs.
// It drives a dnet controller (bridge driver, nftables firewall) next to Docker, probes traffic both
// ways, deletes the networks, and prints one line `REPORT <json>` with what it saw; the test asserts.
// (busybox-static 1.35's `wget -T` segfaults: bound wget with the `timeout` applet instead.)

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Controller, type Network, type Sandbox } from "../index.js";

export interface ScenarioConfig {
  /** Private temp dir for the controller's data, netns files and the web root. */
  readonly dir: string;
  readonly dockerSocket: string;
  /** Docker containers on a user network (c1, c2), one on an internal network (c3), with their addresses. */
  readonly docker: { readonly c1: string; readonly c2: string; readonly c3: string; readonly ip1: string; readonly ip2: string; readonly ip3: string };
  /** The netns that plays "outside", linked to H: H's address there and the outside peer's. */
  readonly outside: { readonly netns: string; readonly hostIp: string; readonly peerIp: string };
  readonly subnetA: string;
  readonly subnetB: string;
  readonly hostPort: number;
  /** Host port Docker publishes for c2's web server (which answers "docker-ok"). */
  readonly dockerHostPort: number;
}

export interface NetworkInfo { readonly id: string; readonly bridge: string; readonly subnet: string }

export interface ScenarioReport {
  readonly a: NetworkInfo;
  readonly b: NetworkInfo;
  readonly addresses: { readonly sb1: string; readonly sb2: string; readonly sb3: string };
  /** `iptables -S DOCKER-USER` and `iptables -S FORWARD` while both dnet networks exist. */
  readonly dockerUserWhileUp: string;
  readonly forwardWhileUp: string;
  /** Probe name → what happened ("ok" or the failure text). */
  readonly probes: Readonly<Record<string, string>>;
  /** After deleting network A only (B stays). */
  readonly afterDeleteA: { readonly iptables: string; readonly nft: string };
  /** After deleting network B too. */
  readonly afterDeleteAll: { readonly iptables: string; readonly nft: string; readonly nftStatus: number | null };
}

export const PROBES = {
  sandboxes: "dnet sb1 → sb2 (same network, bridged through FORWARD DROP)",
  egress: "dnet sb1 → outside peer (masqueraded)",
  published: "outside → published dnet port (curl host:port)",
  dockerToPublished: "docker c1 → published dnet port via H's address (wget)",
  outsideToDocker: "outside → published Docker port (Docker's own port mapping)",
  dnetToDockerPublished: "dnet sb1 → published Docker port via H's address",
  dockerIcc: "docker c1 → c2 (same docker network) while dnet is up",
  dockerEgress: "docker c1 → outside peer while dnet is up",
  dnetToDnet: "dnet sb1 → sb3 (other dnet network) is dropped",
  dockerToDnet: "docker c1 → dnet sb1 directly is dropped",
  dnetToDocker: "dnet sb1 → docker c1 directly is dropped (Docker's isolation holds)",
  dnetToDockerInternal: "dnet sb1 → docker c3 on an internal network is dropped",
} as const;

interface Out { readonly ok: boolean; readonly out: string; readonly status: number | null }

function sh(cmd: string, args: readonly string[], timeoutMs = 10_000): Out {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"] });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}${r.error === undefined ? "" : r.error.message}`.trim();
  return { ok: r.status === 0, out, status: r.status };
}

/** "ok" when the command's success matches what is wanted, else a description of what happened. */
function expect(want: boolean, r: Out): string {
  if (r.ok === want) return "ok";
  return want ? `failed: ${r.out.split("\n").slice(-3).join(" | ")}` : `succeeded but should have been dropped: ${r.out.split("\n").slice(-2).join(" | ")}`;
}

const inNs = (path: string, cmd: string, ...args: string[]): Out => sh("nsenter", [`--net=${path}`, "--", cmd, ...args]);
const ping = (path: string, ip: string): Out => inNs(path, "ping", "-c1", "-W1", ip);

export async function runScenario(cfg: ScenarioConfig): Promise<ScenarioReport> {
  const docker = (...args: string[]): Out => sh("docker", ["-H", `unix://${cfg.dockerSocket}`, ...args], 15_000);
  const www = join(cfg.dir, "www");
  mkdirSync(www, { recursive: true });
  writeFileSync(join(www, "index.html"), "dnet-ok\n");
  writeFileSync(join(cfg.dir, "resolv.conf"), "nameserver 192.0.2.53\n");
  const c = await Controller.create({
    dns: ["127.0.0.1"], dataDir: join(cfg.dir, "data"), netnsDir: join(cfg.dir, "netns"), etcNetnsDir: join(cfg.dir, "netns-etc"),
    hostResolvConf: join(cfg.dir, "resolv.conf"), firewall: "nftables",
  });
  let httpd: ChildProcess | undefined;
  const sandboxes: Sandbox[] = [];
  const nets: Network[] = [];
  try {
    const netA = await c.createNetwork({ name: "dcx-a", driver: "bridge", ipam: { config: [{ subnet: cfg.subnetA }] } });
    nets.push(netA);
    const netB = await c.createNetwork({ name: "dcx-b", driver: "bridge", ipam: { config: [{ subnet: cfg.subnetB }] } });
    nets.push(netB);
    const attach = async (net: Network, name: string, ports = false): Promise<{ sb: Sandbox; ip: string }> => {
      const ep = await net.createEndpoint({ name, ...(ports ? { portBindings: [{ proto: "tcp" as const, port: 80, hostPort: cfg.hostPort }] } : {}) });
      const sb = await c.createSandbox({ containerId: `dcx-${name}` });
      sandboxes.push(sb);
      await ep.join(sb);
      return { sb, ip: (ep.info().address ?? "").split("/")[0] ?? "" };
    };
    const s1 = await attach(netA, "sb1", true);
    const s2 = await attach(netA, "sb2");
    const s3 = await attach(netB, "sb3");
    const info = (n: Network, subnet: string): NetworkInfo => ({ id: n.id, bridge: `br-${n.id.slice(0, 12)}`, subnet });
    const a = info(netA, cfg.subnetA);
    const b = info(netB, cfg.subnetB);

    httpd = spawn("nsenter", [`--net=${s1.sb.key}`, "--", "busybox", "httpd", "-f", "-p", "80", "-h", www], { stdio: "ignore" });
    await waitUntil(() => inNs(s1.sb.key, "curl", "-sS", "--max-time", "1", `http://${s1.ip}/`).out.includes("dnet-ok"), 10_000, "httpd in sb1");

    const url = `http://${cfg.outside.hostIp}:${cfg.hostPort}/`;
    const outsidePath = `/run/netns/${cfg.outside.netns}`;
    const curlOut = inNs(outsidePath, "curl", "-sS", "--max-time", "3", url);
    const wgetIn = docker("exec", cfg.docker.c1, "timeout", "5", "wget", "-q", "-O", "-", url);
    const dockerUrl = `http://${cfg.outside.hostIp}:${cfg.dockerHostPort}/`;
    const toDocker = [inNs(outsidePath, "curl", "-sS", "--max-time", "3", dockerUrl), inNs(s1.sb.key, "curl", "-sS", "--max-time", "3", dockerUrl)];
    const web = (r: Out, want: string): string => (r.ok && r.out.includes(want) ? "ok" : `failed: ${r.out}`);
    const probes: Record<string, string> = {
      sandboxes: expect(true, ping(s1.sb.key, s2.ip)),
      egress: expect(true, ping(s1.sb.key, cfg.outside.peerIp)),
      published: web(curlOut, "dnet-ok"),
      dockerToPublished: web(wgetIn, "dnet-ok"),
      outsideToDocker: web(toDocker[0] ?? curlOut, "docker-ok"),
      dnetToDockerPublished: web(toDocker[1] ?? curlOut, "docker-ok"),
      dockerIcc: expect(true, docker("exec", cfg.docker.c1, "ping", "-c1", "-W2", cfg.docker.ip2)),
      dockerEgress: expect(true, docker("exec", cfg.docker.c1, "ping", "-c1", "-W2", cfg.outside.peerIp)),
      dnetToDnet: expect(false, ping(s1.sb.key, s3.ip)),
      dockerToDnet: expect(false, docker("exec", cfg.docker.c1, "ping", "-c1", "-W1", s1.ip)),
      dnetToDocker: expect(false, ping(s1.sb.key, cfg.docker.ip1)),
      dnetToDockerInternal: expect(false, ping(s1.sb.key, cfg.docker.ip3)),
    };
    const dockerUserWhileUp = sh("iptables", ["-w", "-S", "DOCKER-USER"]).out;
    const forwardWhileUp = sh("iptables", ["-w", "-S", "FORWARD"]).out;

    httpd.kill("SIGTERM");
    httpd = undefined;
    for (const sb of sandboxes.splice(0, 2)) await deleteSandbox(c, sb);
    await netA.delete();
    nets.splice(0, 1);
    const afterDeleteA = { iptables: sh("iptables-save", ["-t", "filter"]).out, nft: sh("nft", ["list", "table", "inet", "dnet"]).out };
    for (const sb of sandboxes.splice(0)) await deleteSandbox(c, sb);
    await netB.delete();
    nets.splice(0);
    const nftAll = sh("nft", ["list", "table", "inet", "dnet"]);
    return {
      a, b, addresses: { sb1: s1.ip, sb2: s2.ip, sb3: s3.ip }, dockerUserWhileUp, forwardWhileUp, probes, afterDeleteA,
      afterDeleteAll: { iptables: sh("iptables-save", ["-t", "filter"]).out, nft: nftAll.out, nftStatus: nftAll.status },
    };
  } finally {
    httpd?.kill("SIGKILL");
    // Best effort on failure paths: leave nothing of ours in H (the test deletes H anyway).
    for (const sb of sandboxes) await deleteSandbox(c, sb).catch(() => {});
    for (const n of nets) await n.delete().catch(() => {});
    await c.close();
    sh("umount", ["-l", join(cfg.dir, "netns")]);
  }
}

/** Leaves and deletes every endpoint joined to the sandbox, then the sandbox. */
async function deleteSandbox(c: Controller, sb: Sandbox): Promise<void> {
  for (const ep of c.networks().flatMap((n) => n.endpoints()).filter((e) => e.info().sandboxId === sb.id)) {
    await ep.leave(sb);
    await ep.delete();
  }
  await sb.delete();
}

async function waitUntil(ok: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const isMain = process.argv[1]?.endsWith("coexistence-scenario.js") === true;
if (isMain) {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as ScenarioConfig;
  const timer = setTimeout(() => { console.error("coexistence-scenario: overall timeout (90 s)"); process.exit(2); }, 90_000);
  timer.unref();
  runScenario(cfg).then((report) => {
    console.log(`REPORT ${JSON.stringify(report)}`);
    process.exit(0);
  }, (err: unknown) => {
    console.error("coexistence-scenario failed:", err);
    process.exit(1);
  });
}
