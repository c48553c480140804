// The IpamDriver side of dnet's plugin server: Docker's remote IPAM calls served by dnet's default IPAM,
// every pool and address recorded so a restart of dnet asks the IPAM for exactly them again (dockerd
// replays nothing: the plugin answers RequiresRequestReplay false).

import type { Ipam } from "../ipam-api/index.js";
import { formatIp, formatPrefix, ipOf, parseIp } from "../types/index.js";
import {
  decodePoolRef, decodeReleaseAddress, decodeRequestAddress, decodeRequestPool, encodeAddressGrant, encodeAddressSpaces, encodeCapabilities,
  encodePoolGrant, encodeRequestPool,
} from "./ipam-wire.js";
import type { Handler } from "./serve-network.js";
import type { ServedPool, ServedRecords, ServedState } from "./served-state.js";
import { badRequest, type Json } from "./wire-values.js";

export interface IpamServiceDeps {
  readonly ipam: Ipam;
  readonly state: ServedState;
}

export class IpamService {
  readonly #deps: IpamServiceDeps;
  readonly #pools = new Map<string, ServedPool>();

  constructor(deps: IpamServiceDeps) {
    this.#deps = deps;
  }

  /** Asks the IPAM again for every recorded pool (as many times as it is held) and address. Returns what failed. */
  async restore(records: ServedRecords): Promise<unknown[]> {
    const errors: unknown[] = [];
    const { ipam } = this.#deps;
    for (const p of records.pools) {
      try {
        for (let i = 0; i < p.refs; i++) {
          const grant = await ipam.requestPool(decodeRequestPool(p.request, badRequest));
          if (grant.poolId !== p.poolId) throw new Error(`pool ${p.poolId} came back as ${grant.poolId}`);
        }
        this.#pools.set(p.poolId, p);
      } catch (err) { errors.push(err); }
    }
    for (const a of records.addresses) {
      if (!this.#pools.has(a.poolId)) continue;
      await ipam.requestAddress(a.poolId, parseIp(a.address)).catch((err: unknown) => { errors.push(err); });
    }
    return errors;
  }

  handlers(): Readonly<Record<string, Handler>> {
    const { ipam, state } = this.#deps;
    return {
      GetCapabilities: async () => encodeCapabilities({ requiresMacAddress: false, requiresRequestReplay: false }),
      GetDefaultAddressSpaces: async () => encodeAddressSpaces(await ipam.getDefaultAddressSpaces()),
      RequestPool: (b) => this.#requestPool(b),
      ReleasePool: async (b) => {
        const poolId = decodePoolRef(b, badRequest);
        await ipam.releasePool(poolId);
        const p = this.#pools.get(poolId);
        if (p !== undefined && p.refs > 1) await this.#keep({ ...p, refs: p.refs - 1 });
        else {
          this.#pools.delete(poolId);
          await state.deletePool(poolId);
        }
        return {};
      },
      RequestAddress: async (b) => {
        const r = decodeRequestAddress(b, badRequest);
        const grant = await ipam.requestAddress(r.poolId, r.preferred, r.options);
        if (grant.address !== undefined) {
          const ip = ipOf(grant.address);
          await state.putAddress({ poolId: r.poolId, address: formatIp(ip) }).catch(async (err: unknown) => {
            await ipam.releaseAddress(r.poolId, ip).catch(() => {});
            throw err;
          });
        }
        return encodeAddressGrant(grant);
      },
      ReleaseAddress: async (b) => {
        const r = decodeReleaseAddress(b, badRequest);
        await ipam.releaseAddress(r.poolId, r.address);
        await state.deleteAddress(r.poolId, formatIp(r.address));
        return {};
      },
    };
  }

  async #requestPool(body: unknown): Promise<Json> {
    const request = decodeRequestPool(body, badRequest);
    const grant = await this.#deps.ipam.requestPool(request);
    const held = this.#pools.get(grant.poolId);
    const record: ServedPool = held === undefined
      ? { poolId: grant.poolId, request: encodeRequestPool({ ...request, pool: grant.pool }), refs: 1 }
      : { ...held, refs: held.refs + 1 };
    try {
      await this.#keep(record);
    } catch (err) {
      if (held === undefined) this.#pools.delete(grant.poolId);
      else this.#pools.set(grant.poolId, held);
      await this.#deps.ipam.releasePool(grant.poolId).catch(() => {});
      throw err;
    }
    return { ...encodePoolGrant(grant), Pool: formatPrefix(grant.pool) };
  }

  async #keep(p: ServedPool): Promise<void> {
    this.#pools.set(p.poolId, p);
    await this.#deps.state.putPool(p);
  }
}
