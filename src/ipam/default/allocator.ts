// The default IPAM (Docker's ipam.Allocator): local and global address spaces, explicit, sub- and
// automatic pools, first-free / serial / preferred addresses, snapshot and restore.

import {
  errInvalidAddressSpace, errInvalidPool, errInvalidSubPool, errIpamInternal, errInvalidSnapshot,
  errNoDefaultsForSpace, errPoolIdNotFound, errUnknownAddressSpace, IpamLabels,
} from "../../ipam-api/index.js";
import type {
  AddressGrant, AddressSpaces, Ipam, IpamCapabilities, IpamOptions, PoolGrant, PoolRequest,
} from "../../ipam-api/index.js";
import { isLibnetworkError } from "../../errors/index.js";
import { familyBits, prefixContains, prefixNetwork } from "../../types/index.js";
import type { IpAddress, IpPrefix } from "../../types/index.js";
import { AddressSpace } from "./address-space.js";
import type { PoolEntry } from "./address-space.js";
import { parsePoolId } from "./pool-id.js";
import { GLOBAL_DEFAULT_POOLS, LOCAL_DEFAULT_POOLS, PredefinedPools } from "./pools.js";
import { restoreSpace, snapshotSpace } from "./snapshot.js";
import type { IpamSnapshot } from "./snapshot.js";

export const LOCAL_ADDRESS_SPACE = "LocalDefault";
export const GLOBAL_ADDRESS_SPACE = "GlobalDefault";

/** Routes and addresses already on the host (the osl layer supplies them; this module never reads the kernel). */
export type HostPrefixSource = () => Promise<readonly IpPrefix[]> | readonly IpPrefix[];

export interface DefaultIpamOptions {
  /** Default pools of the local space (`parseAddressPools`); Docker's 31 when absent. */
  readonly localPools?: PredefinedPools;
  /** Default pools of the global space; 10.0.0.0/8 in /24s when absent. */
  readonly globalPools?: PredefinedPools;
  /** Consulted for every automatic pool of the local space; none when absent. */
  readonly hostPrefixes?: HostPrefixSource;
}

const CAPABILITIES: IpamCapabilities = Object.freeze({ requiresMacAddress: false, requiresRequestReplay: true });
const NO_META: IpamOptions = Object.freeze({});

export class DefaultIpam implements Ipam {
  readonly #spaces = new Map<string, AddressSpace>();
  readonly #predefined: ReadonlyMap<string, PredefinedPools>;
  readonly #hostPrefixes: HostPrefixSource | undefined;

  constructor(options: DefaultIpamOptions = {}) {
    this.#predefined = new Map([
      [LOCAL_ADDRESS_SPACE, options.localPools ?? new PredefinedPools(LOCAL_DEFAULT_POOLS)],
      [GLOBAL_ADDRESS_SPACE, options.globalPools ?? new PredefinedPools(GLOBAL_DEFAULT_POOLS)],
    ]);
    this.#hostPrefixes = options.hostPrefixes;
    for (const [name, pools] of this.#predefined) this.#spaces.set(name, new AddressSpace(name, pools));
  }

  async getDefaultAddressSpaces(): Promise<AddressSpaces> {
    return { local: LOCAL_ADDRESS_SPACE, global: GLOBAL_ADDRESS_SPACE };
  }

  async capabilities(): Promise<IpamCapabilities> {
    return CAPABILITIES;
  }

  async requestPool(request: PoolRequest): Promise<PoolGrant> {
    const { addressSpace: name, pool, subPool } = request;
    if (typeof name !== "string" || name === "" || name.includes("/")) throw errInvalidAddressSpace();
    if (pool === undefined) {
      if (subPool !== undefined) throw errInvalidSubPool();
      return this.#requestDefaultPool(name, request.v6);
    }
    if (!isWellFormed(pool)) throw errInvalidPool();
    const subnet = prefixNetwork(pool);
    if (subPool !== undefined && (!isWellFormed(subPool) || !prefixContains(subnet, subPool))) throw errInvalidSubPool();
    const space = this.#space(name);
    const poolId = subPool === undefined ? space.addMaster(subnet) : space.addSubPool(subnet, prefixNetwork(subPool));
    return { poolId, pool: subnet, meta: NO_META };
  }

  async releasePool(poolId: string): Promise<void> {
    this.#space(parsePoolId(poolId).space).releasePool(poolId);
  }

  async requestAddress(poolId: string, preferred?: IpAddress, options?: IpamOptions): Promise<AddressGrant> {
    const { space, pool } = this.#pool(poolId);
    const serial = options?.[IpamLabels.serial] === "true";
    return { address: space.requestAddress(pool, preferred, serial), meta: NO_META };
  }

  async releaseAddress(poolId: string, address: IpAddress): Promise<void> {
    const { space, pool } = this.#pool(poolId);
    space.releaseAddress(pool, address);
  }

  /** The whole allocator state as JSON-ready data (see snapshot.ts). */
  snapshot(): IpamSnapshot {
    const spaces: Record<string, ReturnType<typeof snapshotSpace>> = {};
    for (const [name, space] of this.#spaces) spaces[name] = snapshotSpace(space);
    return { version: 1, spaces };
  }

  /** Replaces the state with a snapshot's; a snapshot that does not validate changes nothing. */
  restore(snapshot: IpamSnapshot): void {
    if (snapshot.version !== 1) throw errInvalidSnapshot(`unknown version ${String(snapshot.version)}`);
    const rebuilt = new Map<string, AddressSpace>();
    for (const [name, snap] of Object.entries(snapshot.spaces)) {
      const pools = this.#predefined.get(name);
      if (pools === undefined) throw errInvalidSnapshot(`unknown address space ${JSON.stringify(name)}`);
      rebuilt.set(name, restoreSpace(name, pools, snap));
    }
    for (const [name, pools] of this.#predefined) {
      this.#spaces.set(name, rebuilt.get(name) ?? new AddressSpace(name, pools));
    }
  }

  async #requestDefaultPool(name: string, v6: boolean): Promise<PoolGrant> {
    if (!this.#predefined.has(name)) throw errNoDefaultsForSpace();
    // Docker checks host routes for local-scope networks only: global (overlay) networks live in
    // their own namespaces, where the host's routes do not collide with them.
    const host = name === LOCAL_ADDRESS_SPACE ? await this.#hostPrefixesNow() : [];
    // Everything from here on is synchronous, so no other request can interleave with the choice.
    const space = this.#space(name);
    const subnet = space.pickDefault(v6 ? 6 : 4, host);
    return { poolId: space.addMaster(subnet), pool: subnet, meta: NO_META };
  }

  async #hostPrefixesNow(): Promise<readonly IpPrefix[]> {
    if (this.#hostPrefixes === undefined) return [];
    let prefixes: readonly IpPrefix[];
    try {
      prefixes = await this.#hostPrefixes();
    } catch (err) {
      if (isLibnetworkError(err)) throw err;
      throw errIpamInternal("could not list the host's routes and addresses", err);
    }
    // A default route has no destination in Docker's check; as 0.0.0.0/0 it would overlap every pool.
    return prefixes.filter((p) => p.length > 0);
  }

  /**
   * Finds a live pool by id with one map lookup (ids are canonical, so the space is the text before
   * the first `/`); only a miss parses the id, to tell a malformed id from an unknown pool.
   */
  #pool(poolId: string): { space: AddressSpace; pool: PoolEntry } {
    const slash = poolId.indexOf("/");
    const space = slash > 0 ? this.#spaces.get(poolId.slice(0, slash)) : undefined;
    const pool = space?.pools.get(poolId);
    if (space !== undefined && pool !== undefined) return { space, pool };
    this.#space(parsePoolId(poolId).space);
    throw errPoolIdNotFound(poolId);
  }

  #space(name: string): AddressSpace {
    const space = this.#spaces.get(name);
    if (space === undefined) throw errUnknownAddressSpace(name);
    return space;
  }
}

/** Guards the contract's values against hand-built prefixes (JavaScript callers, remote input). */
function isWellFormed(p: IpPrefix): boolean {
  if (p.family !== 4 && p.family !== 6) return false;
  const bits = familyBits(p.family);
  return Number.isInteger(p.length) && p.length >= 0 && p.length <= bits &&
    typeof p.address === "bigint" && p.address >= 0n && p.address < 1n << BigInt(bits);
}
