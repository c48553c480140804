// Repairs of what someone deleted or changed behind the controller's back (`ip link del br-…`): the host
// namespace's link events go to the drivers that own the links (Repairable.concerns); their repair runs
// with every network and endpoint locked, and the sandbox end of each re-created interface is configured
// again as at join (addresses, MAC, routes, the default route when it is the sandbox's gateway).

import { isRepairable, type LinkChange, type NetworkDriver, type Repairable } from "../driver-api/index.js";
import { configureInterface, findLink, watchLinks, type AddressRemoved, type Link, type LinkEvent, type LinkWatch } from "../osl/index.js";
import { lockKeys, type ControllerContext } from "./context.js";
import { interfaceConfig, joinedEndpoints } from "./endpoint-join.js";
import { candidates, gatewayEndpoint } from "./gateway.js";
import { sandboxHandle, setInterfaceIPv6 } from "./sandbox-interface.js";

/** Link events of one burst (a bridge deleted with its ports) are answered by one repair. */
const COALESCE_MS = 5;

export interface RepairNotice {
  readonly networkId: string;
  readonly endpointId?: string;
  readonly message: string;
  /** The repair could not be made; it is tried again on the next change of the driver's links. */
  readonly failed: boolean;
}

export type RepairListener = (notice: RepairNotice) => void;

function repairables(ctx: ControllerContext): Array<NetworkDriver & Repairable> {
  return ctx.drivers.names().map((n) => ctx.drivers.peek(n)).filter((d): d is NetworkDriver & Repairable => d !== undefined && isRepairable(d));
}

export interface RepairOutcome {
  readonly notices: RepairNotice[];
  /** Unrecorded kernel objects the drivers removed at restore (see Repairable). */
  readonly reclaimed: string[];
}

/** Every Repairable driver's repair, with every network and endpoint locked; what each did or could not do. */
export async function repairDrivers(ctx: ControllerContext): Promise<RepairOutcome> {
  const drivers = repairables(ctx);
  if (drivers.length === 0) return { notices: [], reclaimed: [] };
  const keys = [...[...ctx.state.networks.keys()].map(lockKeys.network), ...[...ctx.state.endpoints.keys()].map(lockKeys.endpoint)];
  return ctx.locks.run(keys, async () => {
    const out: RepairNotice[] = [];
    const reclaimed: string[] = [];
    for (const driver of drivers) {
      const report = await driver.repair();
      reclaimed.push(...report.reclaimed);
      for (const r of report.repairs) out.push({ ...r, failed: false });
      for (const r of report.failures) out.push({ ...r, failed: true });
      for (const { networkId, endpointId } of report.recreated) {
        await configureSandboxEnd(ctx, endpointId).catch((err: unknown) => {
          out.push({ networkId, endpointId, message: `its sandbox end could not be configured again: ${err instanceof Error ? err.message : String(err)}`, failed: true });
        });
      }
    }
    return { notices: out, reclaimed };
  });
}

/** The new sandbox end of a joined endpoint, configured as the join did. */
async function configureSandboxEnd(ctx: ControllerContext, endpointId: string): Promise<void> {
  const ep = ctx.state.endpoint(endpointId);
  if (ep?.sandboxId === undefined || ep.ifname === undefined) return;
  const sb = ctx.state.sandbox(ep.sandboxId);
  if (sb === undefined || sb.hostNetns) return;
  const gw = gatewayEndpoint(candidates(ctx, joinedEndpoints(ctx, sb)));
  setInterfaceIPv6(ctx, sb, ep.ifname, ep.addressIPv6 !== undefined);
  ctx.ifindexes.set(ep.id, await configureInterface(sandboxHandle(ctx, sb), ep.ifname, interfaceConfig(ep, gw?.endpoint.id === ep.id)));
}

/** What an event says of a link, as the drivers' `concerns` reads it. */
function changeOf(e: LinkEvent | AddressRemoved): LinkChange {
  return "addressRemovedFrom" in e
    ? { deleted: false, index: e.addressRemovedFrom, name: "", up: true, group: 0, addressRemoved: true }
    : { deleted: e.deleted, ...linkState(e.link) };
}

function linkState(link: Link): Omit<LinkChange, "deleted"> {
  return { index: link.index, name: link.name, up: link.up, group: link.group, ...(link.master === undefined ? {} : { master: link.master }) };
}

/** How often link events led to a full repair, and how often the kernel's answer dismissed them. */
export interface LinkRepairCounts {
  /** Full repairs started by link events (each lists every link of the host's namespace). */
  readonly runs: number;
  /** Bursts of events that concerned a driver, about links that were as they should be when asked again. */
  readonly dismissed: number;
}

/**
 * The watch: link events of the host's namespace, coalesced into serial repairs. An event tells a link's
 * state when it was sent, and a join's veth is created down and brought up at once: read after the join
 * recorded it, its first events look like an endpoint whose host end went down. So the links events name
 * are asked for again (one RTM_GETLINK each) before a repair, which lists every link: without that, each
 * join of a daemon with 1,000 endpoints set off one (63 ms per create + connect through the API at 1,000,
 * from 15 at the start).
 */
export class LinkRepairs {
  readonly #ctx: ControllerContext;
  readonly #notify: RepairListener;
  #watch: LinkWatch | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #closed = false;
  /** Links whose events concerned a driver since the last run, by ifindex: the latest event of each. */
  readonly #suspects = new Map<number, LinkChange>();
  /** An overrun (events lost) or an address removed: repair without asking the kernel first. */
  #certain = false;
  #runs = 0;
  #dismissed = 0;

  constructor(ctx: ControllerContext, notify: RepairListener) {
    this.#ctx = ctx;
    this.#notify = notify;
  }

  get counts(): LinkRepairCounts {
    return { runs: this.#runs, dismissed: this.#dismissed };
  }

  start(): void {
    this.#watch = watchLinks(this.#ctx.handles.host(), (e) => {
      if (e === "overrun") {
        this.#certain = true;
      } else {
        const change = changeOf(e);
        if (!this.#concerns(change)) return;
        if (change.addressRemoved === true) this.#certain = true; else this.#suspects.set(change.index, change);
      }
      this.#schedule();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#watch?.close();
    await this.#running;
  }

  #concerns(change: LinkChange): boolean {
    return repairables(this.#ctx).some((d) => d.concerns(change));
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#running.then(() => this.#run());
    }, COALESCE_MS);
    this.#timer.unref();
  }

  async #run(): Promise<void> {
    if (this.#closed) return;
    const suspects = [...this.#suspects.values()];
    const certain = this.#certain;
    this.#suspects.clear();
    this.#certain = false;
    try {
      if (!certain && !(await this.#stillConcerning(suspects))) {
        this.#dismissed++;
        return;
      }
      this.#runs++;
      for (const n of (await repairDrivers(this.#ctx)).notices) this.#notify(n);
    } catch (err) {
      this.#notify({ networkId: "", message: `repair failed: ${err instanceof Error ? err.message : String(err)}`, failed: true });
    }
  }

  /** Whether any suspect, as the kernel has it now, still concerns a driver (a link that is gone: deleted). */
  async #stillConcerning(suspects: readonly LinkChange[]): Promise<boolean> {
    const host = this.#ctx.handles.host();
    for (const s of suspects) {
      // A link that cannot be read now is repaired rather than trusted.
      const link = await findLink(host, s.index).catch(() => null);
      if (link === null) return true;
      if (this.#concerns(link === undefined ? { ...s, deleted: true, up: false } : { deleted: false, ...linkState(link) })) return true;
    }
    return false;
  }
}
