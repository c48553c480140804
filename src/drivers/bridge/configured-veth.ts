// A joining endpoint's veth pair, created on the sandbox's netlink socket from a thread-pool thread: the
// host end in the host's netns, enslaved and up; the peer born in the sandbox under its final name. When
// the controller offered the interface's setup, the same thread sends it right after the creation (the
// peer's addresses, the peer up, the default routes), and the controller has no kernel call left to make.
// Without one (an IPv6 sysctl to write first), the peer stays down for the controller to configure.

import type { InterfaceSetup } from "../../driver-api/index.js";
import { NetlinkError } from "../../errors/index.js";
import {
  addAddressRequest, addRouteRequest, deleteLink, linkUpRequest, vethRequest, type NetlinkRequest, type NetnsHandle,
} from "../../osl/index.js";
import { randomHex, type IpAddress } from "../../types/index.js";

export interface ConfiguredVethSpec {
  readonly hostIfname: string;
  readonly bridgeIndex: number;
  readonly mtu?: number;
  /** In-sandbox name and MAC of the peer. */
  readonly ifname: string;
  readonly mac: string;
  /** Absent: the pair alone, the peer down (the controller configures it). */
  readonly setup?: InterfaceSetup;
  readonly gateway?: IpAddress;
  readonly gatewayIPv6?: IpAddress;
}

/**
 * Both ends get one random index from [2^20, 2^31), chosen before the creation so that the requests
 * configuring the peer can travel with it. The kernel hands out indexes counting up from 1 in each netns,
 * so these are free but for a rare draw that is taken (refused: another draw). The host's netns holds the
 * index as long as the pair lives, so no other pair of ours can have it in a sandbox either. Kernels
 * honour the peer's index only when the link's own is given too.
 */
const INDEX_BASE = 1 << 20;
const INDEX_SPAN = 0x7fffffff - INDEX_BASE;
const ATTEMPTS = 4;

/**
 * One TX and one RX queue per end instead of the kernel's one per possible CPU: only XDP or GRO on the
 * veth would use more, and each queue costs sysfs entries at creation (kernel microbench, 400 pairs created
 * and configured, alternating, 2 CPUs: 0.924 / 0.888 / 0.838 of the default's median; more CPUs, more gain).
 */
const VETH_QUEUES = 1;

function randomIfindex(): number {
  return INDEX_BASE + (Number.parseInt(randomHex(4), 16) % INDEX_SPAN);
}

function setupRequests(index: number, spec: ConfiguredVethSpec): NetlinkRequest[] {
  const setup = spec.setup;
  if (setup === undefined) return [];
  const requests = setup.addresses.map((address) => addAddressRequest(index, { link: index, address, ...(address.family === 6 ? { nodad: true } : {}) }));
  // The MAC is the peer's from birth: bringing it up is all that is left.
  requests.push(linkUpRequest(index));
  if (setup.defaultRoutes) {
    if (spec.gateway !== undefined) requests.push(addRouteRequest(index, { family: 4, gateway: spec.gateway, link: index, replace: true }));
    const v6 = setup.addresses.some((a) => a.family === 6);
    if (v6 && spec.gatewayIPv6 !== undefined) requests.push(addRouteRequest(index, { family: 6, gateway: spec.gatewayIPv6, link: index, replace: true }));
  }
  return requests;
}

/**
 * Creates the pair, and configures it when given a setup; resolves to its index (the same on both ends). `evict` is asked once,
 * on the first EEXIST, whether the host end's name is taken by a left endpoint's veth still waiting for
 * the reaper: true when it made room (or the name is free: then the index was taken, and another is drawn).
 * A configuration request that fails takes the pair away again before the error is thrown.
 *
 * When the creation fails, the requests after it aim at an index that does not exist, and fail too
 * (ENODEV). Only an interface that a user created in the sandbox with this very index would get them.
 */
export async function createConfiguredVeth(
  host: NetnsHandle, sandbox: NetnsHandle, spec: ConfiguredVethSpec, evict: () => Promise<boolean>, draw = randomIfindex,
): Promise<number> {
  let evicted = false;
  for (let attempt = 1; ; attempt++) {
    const index = draw();
    const built = vethRequest(sandbox, {
      name: spec.hostIfname, index, netns: host, up: true, master: spec.bridgeIndex, queues: VETH_QUEUES, ...(spec.mtu === undefined ? {} : { mtu: spec.mtu }),
      peer: { name: spec.ifname, index, mac: spec.mac, netns: sandbox },
    });
    const create = built instanceof Promise ? await built : built;
    // The setup is built while the kernel creates the pair, and sent right after it by the same thread.
    const [created, ...rest] = await sandbox.route.chain([create], () => setupRequests(index, spec));
    if (created instanceof NetlinkError) {
      // A taken index and a taken name both answer EEXIST (older kernels: EBUSY for the index).
      const retry = attempt < ATTEMPTS && (created.code === "EBUSY" || created.code === "EEXIST");
      if (!retry) throw created;
      if (created.code === "EEXIST" && !evicted) {
        evicted = true;
        if (!(await evict())) throw created;
      }
      continue;
    }
    const failed = rest.find((r): r is NetlinkError => r instanceof NetlinkError);
    if (failed === undefined) return index;
    await deleteLink(host, index).catch(() => {});
    throw failed;
  }
}
