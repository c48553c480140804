// Ports added to and removed from a running sandbox (Docker has to recreate the container: moby #21282).
// Each change is one atomic step: the bindings go on or off its gateway endpoint (the driver's firewall
// elements and host port sockets for just those bindings) and into or out of its records, and what was
// done is undone when the other part fails. An add is written after the kernel took it, a removal
// before the kernel lets go: a crash in between leaves what a restart makes of the records (ports the
// records do not have are not published again), so a change either happened or did not.

import { hasExternalConnectivity, hasPortChanges, type ExternalConnectivity, type NetworkDriver, type PortProtocol } from "../driver-api/index.js";
import { conflict, forbidden, invalidArgument, notFound } from "../errors/index.js";
import { formatIp, parseIp } from "../types/index.js";
import { driverOf, lockKeys, type ControllerContext } from "./context.js";
import { joinedEndpoints } from "./endpoint-join.js";
import { parsePortBindings, type PortBindingInput } from "./endpoint-options.js";
import { errSandboxDeleting, errSandboxNotFound } from "./errors.js";
import { candidates, driverPortBinding, externalConnectivityError, gatewayEndpoint, sandboxPortBindings, withAddedPorts } from "./gateway.js";
import { newId } from "./ids.js";
import { portBindingKey, type AddedPortRecord, type EndpointRecord, type NetworkRecord, type PortBindingRecord, type SandboxRecord } from "./records.js";
import { change, type Change } from "./state.js";

/**
 * Which bindings a removal names: a container port (or range) and protocol, optionally its host side as
 * given (the fields of a binding as added); a hostIp of "" or an unspecified address: bindings without one.
 */
export type PortSelector = PortBindingInput;

/** What an add did: the bindings as recorded, and where they are published per address family (nowhere while the sandbox has no gateway endpoint). */
export interface AddedPorts {
  readonly bindings: readonly PortBindingRecord[];
  readonly published: readonly PublishedPortBinding[];
}

/** Where an added binding is published on one address family. */
export interface PublishedPortBinding {
  readonly binding: PortBindingRecord;
  readonly hostIp: string;
  readonly hostPort: number;
  readonly hostPortEnd: number;
  readonly containerIp: string;
}

type Gateway = { readonly endpoint: EndpointRecord; readonly network: NetworkRecord; readonly driver: NetworkDriver & ExternalConnectivity };

function readySandbox(ctx: ControllerContext, sandboxId: string): SandboxRecord {
  const sb = ctx.state.sandbox(sandboxId);
  if (sb === undefined || sb.state === "creating") throw errSandboxNotFound(sandboxId);
  if (sb.state === "deleting") throw errSandboxDeleting(sandboxId);
  return sb;
}

/** The endpoint that publishes the sandbox's ports, with its driver; undefined when none does. */
async function gatewayOf(ctx: ControllerContext, joined: readonly EndpointRecord[]): Promise<Gateway | undefined> {
  const gw = gatewayEndpoint(candidates(ctx, joined));
  if (gw === undefined || gw.network.internal) return undefined;
  const driver = await driverOf(ctx, gw.network.driver);
  return hasExternalConnectivity(driver) ? { ...gw, driver } : undefined;
}

function bindingText(b: PortBindingRecord): string {
  const host = b.hostIp === undefined ? "" : `${b.hostIp.includes(":") ? `[${b.hostIp}]` : b.hostIp}:`;
  const hostPorts = b.hostPort === 0 ? "" : `${b.hostPort}${b.hostPortEnd === b.hostPort ? "" : `-${b.hostPortEnd}`}:`;
  return `${host}${hostPorts}${b.port}${b.portEnd === undefined ? "" : `-${b.portEnd}`}/${b.proto}`;
}

/** Refuses a binding the sandbox has already (one lookup among the added ones, however many). */
function checkNew(ctx: ControllerContext, sb: SandboxRecord, joined: readonly EndpointRecord[], bindings: readonly PortBindingRecord[]): void {
  const seen = new Set<string>();
  for (const b of bindings) {
    const key = portBindingKey(b);
    const had = seen.has(key) || ctx.state.addedPortByKey(sb.id, key) !== undefined ||
      [...(sb.portBindings ?? []), ...joined.flatMap((e) => e.portBindings)].some((o) => portBindingKey(o) === key);
    if (had) throw conflict("ERR_PORT_BINDING_EXISTS", `sandbox ${sb.name} already publishes ${bindingText(b)}`);
    seen.add(key);
  }
}

/**
 * Adds port bindings to a sandbox and publishes them on its gateway endpoint, all or none. A sandbox
 * on no network keeps them for when it joins one, like ports given at creation.
 */
export async function addSandboxPorts(ctx: ControllerContext, sandboxId: string, inputs: readonly PortBindingInput[]): Promise<AddedPorts> {
  const bindings = parsePortBindings(inputs);
  return ctx.locks.run([lockKeys.sandbox(sandboxId)], async () => {
    const sb = readySandbox(ctx, sandboxId);
    const joined = joinedEndpoints(ctx, sb);
    checkNew(ctx, sb, joined, bindings);
    const gw = await gatewayOf(ctx, joined);
    const published = gw === undefined ? [] : await publishOn(ctx, sb, joined, gw, bindings);
    const records: AddedPortRecord[] = bindings.map((binding) => ({ id: newId(), sandboxId: sb.id, binding }));
    try {
      await ctx.state.applyInChunks(records.map((r) => change.port(sb.id, r.id, r)));
    } catch (err) {
      const written = records.filter((r) => ctx.state.addedPortByKey(sb.id, portBindingKey(r.binding))?.id === r.id);
      await ctx.state.applyInChunks(written.map((r) => change.port(sb.id, r.id, undefined))).catch(() => undefined);
      const current = (): PortBindingRecord[] => [...sandboxPortBindings(withAddedPorts(ctx, sb), joined), ...bindings];
      if (gw !== undefined) await unpublishOn(gw, bindings, current).catch(() => undefined);
      throw err;
    }
    return { bindings, published };
  });
}

async function publishOn(
  ctx: ControllerContext, sb: SandboxRecord, joined: readonly EndpointRecord[], gw: Gateway, bindings: readonly PortBindingRecord[],
): Promise<PublishedPortBinding[]> {
  try {
    if (hasPortChanges(gw.driver)) {
      const out = await gw.driver.publishPorts(gw.network.id, gw.endpoint.id, bindings.map(driverPortBinding));
      return out.map((p) => ({
        binding: bindings.find((b) => portBindingKey(b) === portBindingKey(recordOf(p.binding))) ?? recordOf(p.binding),
        hostIp: formatIp(p.hostIp), hostPort: p.hostPort, hostPortEnd: p.hostPortEnd, containerIp: formatIp(p.containerIp),
      }));
    }
    const before = sandboxPortBindings(withAddedPorts(ctx, sb), joined);
    await reprogram(gw, before, [...before, ...bindings]);
    return [];
  } catch (err) {
    throw externalConnectivityError(gw.endpoint, err);
  }
}

/** `current`: every binding the endpoint publishes now, these included (asked only of a driver without PortChanges). */
async function unpublishOn(gw: Gateway, bindings: readonly PortBindingRecord[], current: () => readonly PortBindingRecord[]): Promise<void> {
  if (hasPortChanges(gw.driver)) {
    await gw.driver.unpublishPorts(gw.network.id, gw.endpoint.id, bindings.map(driverPortBinding));
    return;
  }
  const gone = new Set(bindings.map(portBindingKey));
  const all = current();
  await reprogram(gw, all, all.filter((b) => !gone.has(portBindingKey(b))));
}

/** A driver without PortChanges: its external connectivity programmed again with the new list, the old one back on failure. */
async function reprogram(gw: Gateway, before: readonly PortBindingRecord[], after: readonly PortBindingRecord[]): Promise<void> {
  await gw.driver.revokeExternalConnectivity(gw.network.id, gw.endpoint.id);
  try {
    await gw.driver.programExternalConnectivity(gw.network.id, gw.endpoint.id, { portBindings: after.map(driverPortBinding) });
  } catch (err) {
    await gw.driver.programExternalConnectivity(gw.network.id, gw.endpoint.id, { portBindings: before.map(driverPortBinding) }).catch(() => undefined);
    throw err;
  }
}

function recordOf(b: { proto: PortProtocol; port: number; portEnd?: number; hostIp?: { family: 4 | 6; value: bigint }; hostPort: number; hostPortEnd: number }): PortBindingRecord {
  return {
    proto: b.proto, port: b.port, ...(b.portEnd === undefined ? {} : { portEnd: b.portEnd }),
    ...(b.hostIp === undefined ? {} : { hostIp: formatIp(b.hostIp) }), hostPort: b.hostPort, hostPortEnd: b.hostPortEnd,
  };
}

/** A selector checked once: its host address as records hold it (undefined: every address; null: any). */
function matcher(sel: PortSelector): (b: PortBindingRecord) => boolean {
  const [proto, port, portEnd] = [sel.proto ?? "tcp", sel.port, sel.portEnd ?? sel.port];
  if (!Number.isInteger(port) || !Number.isInteger(portEnd) || port < 1 || portEnd < port || portEnd > 65535) {
    throw invalidArgument("ERR_INVALID_PORT", `invalid port ${selectorText(sel)}`);
  }
  const ip = sel.hostIp === undefined ? null : sel.hostIp === "" ? undefined : parseIp(sel.hostIp, "host IP");
  const hostIp = ip === null || ip === undefined || ip.value === 0n ? (ip === null ? null : undefined) : formatIp(ip);
  return (b) => b.proto === proto && b.port === port && (b.portEnd ?? b.port) === portEnd && (hostIp === null || b.hostIp === hostIp) &&
    (sel.hostPort === undefined || (b.hostPort === sel.hostPort && b.hostPortEnd === (sel.hostPortEnd ?? sel.hostPort)));
}

/**
 * Removes the sandbox's bindings that `sel` names (given at creation or added since) and unpublishes
 * them, closing their connections (conntrack entries). Returns them. Bindings given with an endpoint
 * belong to it: they go with a disconnect, not here.
 */
export async function removeSandboxPorts(ctx: ControllerContext, sandboxId: string, sel: PortSelector): Promise<PortBindingRecord[]> {
  const matches = matcher(sel);
  return ctx.locks.run([lockKeys.sandbox(sandboxId)], async () => {
    const sb = readySandbox(ctx, sandboxId);
    const joined = joinedEndpoints(ctx, sb);
    const own = (sb.portBindings ?? []).filter(matches);
    const added = ctx.state.addedPorts(sb.id).filter((p) => matches(p.binding));
    const ofEndpoint = joined.find((e) => e.portBindings.some(matches));
    if (ofEndpoint !== undefined) {
      throw forbidden("ERR_PORT_BINDING_OF_ENDPOINT", `the port was published with endpoint ${ofEndpoint.name}: it goes when that endpoint is disconnected`);
    }
    const gone = [...own, ...added.map((p) => p.binding)];
    if (gone.length === 0) throw notFound("ERR_PORT_BINDING_NOT_FOUND", `sandbox ${sb.name} publishes no ${selectorText(sel)}`);
    const gw = await gatewayOf(ctx, joined);
    const current = sandboxPortBindings(withAddedPorts(ctx, sb), joined);
    const ownKeys = new Set(own.map(portBindingKey));
    const rest = (sb.portBindings ?? []).filter((b) => !ownKeys.has(portBindingKey(b)));
    const drop: Change[] = [...added.map((p) => change.port(sb.id, p.id, undefined)), ...(own.length === 0 ? [] : [change.sandbox(sb.id, { ...sb, portBindings: rest })])];
    const putBack = async (): Promise<void> => {
      const back = ctx.state.sandbox(sb.id) ?? sb;
      const gone = added.filter((p) => ctx.state.addedPortByKey(sb.id, portBindingKey(p.binding)) === undefined);
      await ctx.state.applyInChunks([...gone.map((p) => change.port(sb.id, p.id, p)), ...(own.length === 0 ? [] : [change.sandbox(sb.id, { ...back, portBindings: sb.portBindings ?? [] })])]);
    };
    try {
      await ctx.state.applyInChunks(drop);
    } catch (err) {
      await putBack().catch(() => undefined);
      throw err;
    }
    try {
      if (gw !== undefined) await unpublishOn(gw, gone, () => current);
    } catch (err) {
      await putBack();
      throw externalConnectivityError(gw?.endpoint ?? { name: sb.name, id: sb.id }, err);
    }
    return gone;
  });
}

function selectorText(sel: PortSelector): string {
  const host = sel.hostPort === undefined ? "" : `${sel.hostIp === undefined || sel.hostIp === "" ? "" : `${sel.hostIp}:`}${sel.hostPort}${sel.hostPortEnd === undefined || sel.hostPortEnd === sel.hostPort ? "" : `-${sel.hostPortEnd}`}:`;
  return `${host}${sel.port}${sel.portEnd === undefined || sel.portEnd === sel.port ? "" : `-${sel.portEnd}`}/${sel.proto ?? "tcp"}`;
}
