// Children of left endpoints, deleted at once, off the event loop. Taking a macvlan down (what the
// controller does with other drivers' interfaces) or changing its MAC waits for an RCU grace period inside
// the request (10-25 ms measured), and an up child holds its MAC (and an ipvlan child its addresses) on the
// parent, which the next join may need at once: the endpoint's address, and so its MAC, is handed out again.
// Deleting closes the child without that wait and frees them first; the kernel's remaining ~17 ms pass on a
// thread-pool thread. A join waits only for children left on its parent that hold what it needs (its MAC,
// its addresses), until the kernel has closed them (no longer up, or gone).

import { deleteLinkOffThread, findLink, linkIndex, type NetnsHandle } from "../../osl/index.js";

interface Leaving {
  readonly sandbox: NetnsHandle;
  readonly index: number;
  /** What the child holds on its parent until it is closed: its MAC (macvlan), its addresses (ipvlan). */
  readonly holds: ReadonlySet<string>;
  readonly deleted: Promise<void>;
  done: boolean;
}

const code = (err: unknown): string | undefined => (err as { code?: string }).code;
const GONE = new Set(["ENODEV", "ERR_HANDLE_CLOSED"]);

export class ChildRetirer {
  /** Children being deleted, by the name of their parent. */
  readonly #leaving = new Map<string, Set<Leaving>>();

  /** Starts deleting the child `ifname` of `sandbox` (on `parent`); resolves once the request is on its way. */
  async retire(sandbox: NetnsHandle, ifname: string, parent: string, holds: readonly string[]): Promise<void> {
    const index = await linkIndex(sandbox, ifname);
    const leaving: Leaving = { sandbox, index, holds: new Set(holds), done: false, deleted: Promise.resolve() };
    const set = this.#leaving.get(parent) ?? new Set<Leaving>();
    this.#leaving.set(parent, set);
    set.add(leaving);
    const deleted = deleteLinkOffThread(sandbox, index).catch((err: unknown) => {
      if (!GONE.has(code(err) ?? "")) throw err;
    }).catch(() => undefined).finally(() => {
      leaving.done = true;
      set.delete(leaving);
      if (set.size === 0 && this.#leaving.get(parent) === set) this.#leaving.delete(parent);
    });
    Object.assign(leaving, { deleted });
  }

  /**
   * Resolves when the children left on `parent` that hold any of `needs` (all of them when undefined: the
   * join does not know yet, as with a lease to come) are closed: the kernel clears IFF_UP right after the
   * driver's stop gave the MAC and addresses up, and before it unlists the link.
   */
  async settled(parent: string, needs: readonly string[] | undefined): Promise<void> {
    for (const l of this.#leaving.get(parent) ?? []) {
      if (needs !== undefined && !needs.some((n) => l.holds.has(n))) continue;
      while (!l.done && !l.sandbox.closed && (await findLink(l.sandbox, l.index).catch(() => undefined))?.up === true) {
        // A millisecond apart: a busy loop of requests would compete with the kernel's work it waits for.
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  }

  /** Waits for every deletion under way (tests, shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.#leaving.values()].flatMap((set) => [...set].map((l) => l.deleted)));
  }
}
