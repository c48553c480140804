// Creating a sandbox: a network namespace at <netnsDir>/<name> with lo up, and its hosts/resolv.conf.

import { existsSync } from "node:fs";
import { invalidArgument } from "../errors/index.js";
import { parseDnsUserConfig, parseExtraHost, validateSandboxName, type ExtraHost } from "../dns/index.js";
import { setLink, validateNetnsName } from "../osl/index.js";
import { lockKeys, type ControllerContext } from "./context.js";
import { errContainerHasSandbox, errInvalidContainerId, errSandboxNameTaken } from "./errors.js";
import { newId } from "./ids.js";
import type { SandboxRecord } from "./records.js";
import { attachResolver, forgetSandbox } from "./dns-sync.js";
import { parsePortBindings, type PortBindingInput } from "./endpoint-options.js";
import { createSandboxUts, removeSandboxUts, wantsUts } from "./sandbox-uts.js";
import { removeSandboxFiles, writeSandboxFiles } from "./sandbox-files.js";
import { writeIPv6Default } from "./sandbox-interface.js";
import { Rollback } from "./steps.js";

export interface CreateSandboxOptions {
  readonly containerId: string;
  /** Name of the netns file and of `/etc/netns/<name>`; default: the container ID (or the sandbox ID's first 12). */
  readonly name?: string;
  readonly hostname?: string;
  readonly domainname?: string;
  readonly dns?: readonly string[];
  readonly dnsSearch?: readonly string[];
  readonly dnsOptions?: readonly string[];
  /** `name:ip` strings or objects (`--add-host`). */
  readonly extraHosts?: ReadonlyArray<string | ExtraHost>;
  /** Adopt an existing netns (e.g. `/proc/<pid>/ns/net`) instead of creating one. */
  readonly netnsPath?: string;
  /** Host networking: the sandbox is the host's own netns. */
  readonly hostNetns?: boolean;
  /**
   * Published ports of the sandbox (Docker's container ports, `-p`): programmed on whichever of its
   * endpoints gives it its default route, following it from network to network.
   */
  readonly portBindings?: readonly PortBindingInput[];
}

function checkHostname(what: string, v: string | undefined): string {
  if (v === undefined) return "";
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(v)) throw invalidArgument("ERR_INVALID_HOSTNAME", `invalid ${what} ${JSON.stringify(v)}`);
  return v;
}

/** Docker's default hostname is the container's short ID; one that is no valid hostname falls back to ours. */
function defaultHostname(containerId: string, id: string): string {
  try { return checkHostname("hostname", containerId.slice(0, 12)); } catch { return id.slice(0, 12); }
}

function sandboxName(containerId: string, id: string, name: string | undefined): string {
  if (name !== undefined) return validateSandboxName(validateNetnsName(name));
  try { return validateNetnsName(containerId); } catch { return id.slice(0, 12); }
}

/** The options a sandbox's files are made from, and that `Sandbox.refresh` replaces. */
export type SandboxConfigOptions = Pick<CreateSandboxOptions, "hostname" | "domainname" | "dns" | "dnsSearch" | "dnsOptions" | "extraHosts">;
type SandboxConfig = Pick<SandboxRecord, "hostname" | "domainname" | "dns" | "dnsSearch" | "dnsOptions" | "extraHosts">;

/** Validated configuration; an option not given gets its default (Docker's Refresh resets, then applies). */
export function sandboxConfig(containerId: string, id: string, o: SandboxConfigOptions): SandboxConfig {
  const dns = parseDnsUserConfig({ dns: [...(o.dns ?? [])], dnsSearch: [...(o.dnsSearch ?? [])], dnsOptions: [...(o.dnsOptions ?? [])] });
  const extraHosts = (o.extraHosts ?? []).map((h) => (typeof h === "string" ? parseExtraHost(h) : parseExtraHost(`${h.name}:${h.ip}`)));
  return {
    hostname: o.hostname === undefined ? defaultHostname(containerId, id) : checkHostname("hostname", o.hostname),
    domainname: checkHostname("domainname", o.domainname),
    dns: dns.servers, dnsSearch: dns.search, dnsOptions: dns.options,
    extraHosts: extraHosts.map((h) => ({ name: h.name, ip: h.ip })),
  };
}

/** Checks every option before anything is created, so bad input changes nothing. */
function buildRecord(ctx: ControllerContext, o: CreateSandboxOptions): SandboxRecord {
  if (typeof o.containerId !== "string" || o.containerId.trim() === "") throw errInvalidContainerId();
  const id = newId();
  const name = sandboxName(o.containerId, id, o.name);
  const config = sandboxConfig(o.containerId, id, o);
  if (o.netnsPath !== undefined && !existsSync(o.netnsPath)) {
    throw invalidArgument("ERR_INVALID_NETNS", `network namespace ${o.netnsPath} does not exist`);
  }
  const hostNetns = o.hostNetns === true;
  const portBindings = parsePortBindings(o.portBindings);
  const record: SandboxRecord = {
    // The daemon's own netns: "host" networking means the namespace dnet itself runs in.
    id, containerId: o.containerId, name, key: hostNetns ? "/proc/self/ns/net" : ctx.netns.pathOf(name),
    external: o.netnsPath !== undefined, hostNetns, created: new Date().toISOString(),
    ...(hostNetns || o.netnsPath !== undefined ? {} : { ipv6DefaultOff: true as const }),
    ...config, endpoints: [], nextInterface: {}, state: "creating",
    ...(portBindings.length === 0 ? {} : { portBindings }),
  };
  return wantsUts(ctx, record) ? { ...record, uts: true } : record;
}

export async function createSandbox(ctx: ControllerContext, o: CreateSandboxOptions): Promise<SandboxRecord> {
  const record = buildRecord(ctx, o);
  return ctx.locks.run([lockKeys.sandboxNames], async () => {
    for (const { record: s } of ctx.state.sandboxes.values()) {
      if (s.containerId === o.containerId) throw errContainerHasSandbox(o.containerId, s.id);
      if (!record.hostNetns && s.name === record.name) throw errSandboxNameTaken(record.name);
    }
    if (!record.hostNetns && ctx.netns.exists(record.name)) throw errSandboxNameTaken(record.name);
    await ctx.state.putSandbox(record);
    const rollback = new Rollback();
    rollback.push("forget sandbox record", () => ctx.state.applyOrDefer([{ kind: "sandbox", id: record.id, record: undefined }]));
    try {
      ctx.fault("sandbox-create:intent");
      if (!record.hostNetns) {
        if (o.netnsPath !== undefined) ctx.netns.adopt(record.name, o.netnsPath);
        else ctx.netns.create(record.name);
        rollback.push("delete netns", () => { ctx.handles.release(record.key); ctx.netns.delete(record.name); });
        ctx.fault("sandbox-create:netns");
        if (record.uts === true) {
          createSandboxUts(ctx, record);
          rollback.push("delete UTS namespace", () => removeSandboxUts(ctx, record));
        }
        const handle = ctx.handles.get(record.key);
        if (record.ipv6DefaultOff === true) writeIPv6Default(handle);
        await setLink(handle, "lo", { up: true });
        await attachResolver(ctx, record);
        rollback.push("detach resolver", () => forgetSandbox(ctx, record.id));
        rollback.push("remove sandbox files", () => removeSandboxFiles(ctx, record));
        await writeSandboxFiles(ctx, record, []);
      }
      ctx.fault("sandbox-create:files");
      const ready: SandboxRecord = { ...record, state: "ready" };
      await ctx.state.putSandbox(ready);
      return ready;
    } catch (err) {
      return rollback.unwind(err);
    }
  });
}
