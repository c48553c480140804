// `dnet system cleanup`: removes what dnet made on this host, for uninstalling. Through the library first
// (it knows every sandbox, endpoint and network it recorded, and deletes each the way a user would:
// netns, veths, bridges, nftables rules), then what only dnet names: the `inet dnet` and `bridge dnet`
// nftables tables, the iptables rules tagged `dnet:…`, its directories and its socket. Kernel objects are
// removed only in the namespace the daemon ran in (netns-record.ts). Shared directories (/run/netns,
// /etc/netns) keep what is not a recorded sandbox's. The caller makes sure no daemon is running.

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, rmdirSync, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { conflict } from "../errors/index.js";
import { Controller } from "../libnetwork.js";
import { currentNetns, netnsEntryPath, recordedNetns } from "./netns-record.js";

export interface CleanupOptions {
  readonly socket: string;
  readonly dataDir: string;
  readonly netnsDir: string;
  readonly etcNetnsDir?: string;
}

export interface CleanupStep {
  /** What goes, for the user: `network n1 (bridge)`, `directory /var/lib/dnet`. */
  readonly what: string;
  readonly run: () => Promise<void>;
}

export interface CleanupPlan {
  readonly steps: readonly CleanupStep[];
  /** What the user should know about the plan (kernel objects left out, and why). */
  readonly notes: readonly string[];
  /** Releases what planning opened (the controller); call it whether or not the steps ran. */
  close(): Promise<void>;
}

const SHARED_NETNS_DIR = "/run/netns";
const SHARED_ETC_DIR = "/etc/netns";

function etcDirOf(o: CleanupOptions): string {
  if (o.etcNetnsDir !== undefined) return o.etcNetnsDir;
  return o.netnsDir === SHARED_NETNS_DIR ? SHARED_ETC_DIR : join(dirname(o.netnsDir), `${basename(o.netnsDir)}-etc`);
}

function run(cmd: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync(cmd, [...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return undefined;
  }
}

/** The objects the store knows: sandboxes first (they take their endpoints along), then networks. */
async function librarySteps(o: CleanupOptions): Promise<{ steps: CleanupStep[]; close: () => Promise<void> }> {
  if (!existsSync(o.dataDir) || readdirSync(o.dataDir).length === 0) return { steps: [], close: async () => {} };
  const controller = await Controller.create({
    // No link watch: it would re-create the default network's bridge this cleanup deletes with `ip link del`.
    dataDir: o.dataDir, netnsDir: o.netnsDir, embeddedDns: false, utsNamespaces: true, watchLinks: false,
    ...(o.etcNetnsDir === undefined ? {} : { etcNetnsDir: o.etcNetnsDir }),
  });
  const steps: CleanupStep[] = [];
  for (const sb of controller.sandboxes()) {
    const info = sb.info();
    steps.push({ what: `sandbox ${info.name} (netns ${info.key})`, run: () => sb.delete() });
  }
  for (const ep of controller.endpoints()) {
    const info = ep.info();
    if (info.sandboxId === undefined) steps.push({ what: `endpoint ${info.name} (on no sandbox)`, run: () => ep.delete(true) });
  }
  for (const net of controller.networks()) {
    const info = net.info();
    // Docker's default network is never deleted through the API: its device goes, its records with the data dir.
    const device = info.predefined && info.driver === "bridge" ? info.options["com.docker.network.bridge.name"] : undefined;
    if (device !== undefined) steps.push({ what: `network ${info.name} (bridge ${device})`, run: async () => { run("ip", ["link", "del", device]); } });
    // A global network stays in the cluster store for the other hosts; here its namespace goes with the
    // overlay directory below and its record with the state directory.
    if (info.predefined || info.scope === "global") continue;
    // The bridge driver's name for it when none was given (as `dnet topology` shows it).
    const bridge = info.options["com.docker.network.bridge.name"] ?? (info.driver === "bridge" ? `br-${info.id.slice(0, 12)}` : undefined);
    steps.push({ what: `network ${info.name} (${info.driver}${bridge === undefined ? "" : ` ${bridge}`})`, run: () => net.delete() });
  }
  return { steps, close: () => controller.close() };
}

/** The filter rules tagged `dnet:<id>:…` (coexistence with Docker), as `iptables -D` arguments. */
function taggedRules(tool: string): string[][] {
  const saved = run(`${tool}-save`, ["-t", "filter"]) ?? "";
  return saved.split("\n").filter((l) => l.startsWith("-A ") && /--comment "?dnet:[A-Za-z0-9_.-]+:/.test(l))
    .map((rule) => rule.slice(3).match(/"[^"]*"|\S+/g)?.map((a) => a.replace(/^"|"$/g, "")) ?? []);
}

/** Deleting a network removes its rules; these steps take what is still there when they run. */
function iptablesSteps(): CleanupStep[] {
  return ["iptables", "ip6tables"].filter((tool) => taggedRules(tool).length > 0).map((tool) => ({
    what: `${tool} rules tagged dnet: (coexistence with Docker)`,
    run: async () => { for (const args of taggedRules(tool)) run(tool, ["-w", "-t", "filter", "-D", ...args]); },
  }));
}

/** Mount points at or below `dir`, deepest first (netns files are bind mounts; the directory is one too). */
function mountsUnder(dir: string): string[] {
  const points = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "");
  return points.filter((m) => m === dir || m.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
}

/** Unmounts what is mounted under `dir`, then removes it; nothing when it is not there. */
function mountDirStep(dir: string, what: string): CleanupStep[] {
  if (!existsSync(dir)) return [];
  return [{
    what: `directory ${dir} (${what})`,
    run: async () => {
      for (const m of mountsUnder(dir)) run("umount", ["-l", m]);
      rmSync(dir, { recursive: true, force: true });
    },
  }];
}

function fileSteps(o: CleanupOptions, closeLibrary: () => Promise<void>): CleanupStep[] {
  const steps: CleanupStep[] = [];
  const etc = etcDirOf(o);
  if (o.netnsDir !== SHARED_NETNS_DIR && existsSync(o.netnsDir)) {
    steps.push({
      what: `directory ${o.netnsDir} (sandbox namespaces)`,
      run: async () => {
        // A netns file is a bind mount, and the directory a shared bind mount of itself (as iproute2 makes
        // /run/netns): unmount them (lazily, like `ip netns del`) before they can go.
        for (const m of mountsUnder(o.netnsDir)) run("umount", ["-l", m]);
        rmSync(o.netnsDir, { recursive: true, force: true });
      },
    });
  }
  // Directories only dnet uses, of bind-mounted namespaces: the sandboxes' UTS namespaces (osl/uts.ts)
  // and the overlay networks' namespaces.
  steps.push(...mountDirStep(join(dirname(o.netnsDir), `${basename(o.netnsDir)}-uts`), "sandbox hostnames"));
  steps.push(...mountDirStep(`${o.netnsDir}-overlay`, "overlay network namespaces"));
  if (etc !== SHARED_ETC_DIR && existsSync(etc)) steps.push({ what: `directory ${etc} (sandbox hosts and resolv.conf)`, run: async () => { rmSync(etc, { recursive: true, force: true }); } });
  if (existsSync(o.dataDir)) {
    steps.push({
      what: `directory ${o.dataDir} (state)`,
      run: async () => {
        await closeLibrary();
        rmSync(o.dataDir, { recursive: true, force: true });
      },
    });
  }
  if (existsSync(o.socket)) {
    steps.push({
      what: `socket ${o.socket}`,
      run: async () => {
        unlinkSync(o.socket);
        // The daemon made the socket's directory (/run/dnet); it goes when nothing else is in it.
        try { rmdirSync(dirname(o.socket)); } catch { /* not empty, or not ours */ }
      },
    });
  }
  return steps;
}

/** The firewall tables only dnet names (`inet dnet`; `bridge dnet` pins ports to MACs) that exist: one listing. */
function tableSteps(): CleanupStep[] {
  const listed = run("nft", ["list", "tables"]) ?? "";
  return [["inet", "dnet"], ["bridge", "dnet"]].filter((t) => new RegExp(`^table ${t.join(" ")}$`, "m").test(listed)).map((t) => ({
    what: `nftables table ${t.join(" ")}`,
    run: async () => { if (run("nft", ["list", "table", ...t]) !== undefined) execFileSync("nft", ["delete", "table", ...t], { stdio: "ignore" }); },
  }));
}

/**
 * The namespace the daemon ran in when it no longer exists (its kernel objects went with it); undefined
 * when it is this one (or nothing was recorded: a data directory of an older dnet). In any other namespace
 * this refuses, naming where to run it, so it never deletes another's bridges or tables.
 */
function goneDaemonNetns(o: CleanupOptions): string | undefined {
  const recorded = recordedNetns(o.dataDir);
  const here = currentNetns();
  if (recorded === undefined || recorded === here) return undefined;
  const path = netnsEntryPath(recorded);
  if (path === undefined) return recorded;
  throw conflict("ERR_CLEANUP_OTHER_NETNS", `the daemon of ${o.dataDir} ran in network namespace ${recorded}, and this command runs in ${here}: ` +
    `its bridges and firewall tables are there. Run it there: nsenter --net=${path} dnet system cleanup …`);
}

export async function planCleanup(o: CleanupOptions): Promise<CleanupPlan> {
  const gone = goneDaemonNetns(o);
  if (gone !== undefined) {
    const note = `the daemon's network namespace (${gone}) is gone, and its bridges, veths and firewall tables with it: only its files are left to remove`;
    return { steps: fileSteps(o, async () => {}), notes: [note], close: async () => {} };
  }
  const lib = await librarySteps(o);
  // Looked at once the library has the state open (opening re-applies the rules of recorded networks).
  const steps = [...lib.steps, ...tableSteps(), ...iptablesSteps(), ...fileSteps(o, lib.close)];
  return { steps, notes: [], close: lib.close };
}
