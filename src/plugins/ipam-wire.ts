// IpamDriver messages of Docker's remote IPAM protocol (ipams/remote/api), both ways.

import type { AddressGrant, AddressSpaces, IpamCapabilities, IpamOptions, PoolGrant, PoolRequest } from "../ipam-api/index.js";
import type { IpAddress } from "../types/index.js";
import {
  boolean, ipText, object, optionalIp, optionalObject, optionalPrefix, optionalString, optionsMap, prefixText, string, type Fail, type Json,
} from "./wire-values.js";

function stringOptions(v: unknown, what: string, fail: Fail): IpamOptions {
  return Object.freeze(Object.fromEntries(optionsMap(v, what, fail)));
}

export function encodeCapabilities(c: IpamCapabilities): Json {
  return { RequiresMACAddress: c.requiresMacAddress, RequiresRequestReplay: c.requiresRequestReplay };
}

export function decodeCapabilities(v: unknown, fail: Fail): IpamCapabilities {
  const o = optionalObject(v, "GetCapabilities", fail);
  return { requiresMacAddress: boolean(o, "RequiresMACAddress", fail), requiresRequestReplay: boolean(o, "RequiresRequestReplay", fail) };
}

export function encodeAddressSpaces(s: AddressSpaces): Json {
  return { LocalDefaultAddressSpace: s.local, GlobalDefaultAddressSpace: s.global };
}

export function decodeAddressSpaces(v: unknown, fail: Fail): AddressSpaces {
  const o = object(v, "GetDefaultAddressSpaces", fail);
  return { local: string(o, "LocalDefaultAddressSpace", fail), global: string(o, "GlobalDefaultAddressSpace", fail) };
}

export function encodeRequestPool(r: PoolRequest): Json {
  return { AddressSpace: r.addressSpace, Pool: prefixText(r.pool), SubPool: prefixText(r.subPool), Options: r.options ?? {}, V6: r.v6 };
}

export function decodeRequestPool(v: unknown, fail: Fail): PoolRequest {
  const o = object(v, "request", fail);
  const pool = optionalPrefix(o, "Pool", fail);
  const subPool = optionalPrefix(o, "SubPool", fail);
  return {
    addressSpace: optionalString(o, "AddressSpace", fail), v6: boolean(o, "V6", fail), options: stringOptions(o.Options, "Options", fail),
    ...(pool === undefined ? {} : { pool }), ...(subPool === undefined ? {} : { subPool }),
  };
}

export function encodePoolGrant(g: PoolGrant): Json {
  return { PoolID: g.poolId, Pool: prefixText(g.pool), Data: g.meta };
}

export function decodePoolGrant(v: unknown, fail: Fail): PoolGrant {
  const o = object(v, "RequestPool", fail);
  const poolId = string(o, "PoolID", fail);
  if (poolId === "") throw fail("an empty PoolID");
  const pool = optionalPrefix(o, "Pool", fail);
  if (pool === undefined) throw fail("no Pool");
  return { poolId, pool, meta: stringOptions(o.Data, "Data", fail) };
}

export function encodeRequestAddress(poolId: string, preferred: IpAddress | undefined, options: IpamOptions | undefined): Json {
  return { PoolID: poolId, Address: ipText(preferred), Options: options ?? {} };
}

export interface AddressRequest {
  readonly poolId: string;
  readonly preferred?: IpAddress;
  readonly options: IpamOptions;
}

export function decodeRequestAddress(v: unknown, fail: Fail): AddressRequest {
  const o = object(v, "request", fail);
  const preferred = optionalIp(o, "Address", fail);
  return { poolId: string(o, "PoolID", fail), options: stringOptions(o.Options, "Options", fail), ...(preferred === undefined ? {} : { preferred }) };
}

/** An address grant; the server answers "" for an IPAM that hands out none (the client then fails as Docker does). */
export function encodeAddressGrant(g: AddressGrant): Json {
  return { Address: prefixText(g.address), Data: g.meta };
}

export function decodeAddressGrant(v: unknown, fail: Fail): AddressGrant {
  const o = object(v, "RequestAddress", fail);
  return { address: optionalPrefix(o, "Address", fail), meta: stringOptions(o.Data, "Data", fail) };
}

export function encodeReleaseAddress(poolId: string, address: IpAddress): Json {
  return { PoolID: poolId, Address: ipText(address) };
}

export function decodeReleaseAddress(v: unknown, fail: Fail): { poolId: string; address: IpAddress } {
  const o = object(v, "request", fail);
  const address = optionalIp(o, "Address", fail);
  if (address === undefined) throw fail("Address is missing");
  return { poolId: string(o, "PoolID", fail), address };
}

export function decodePoolRef(v: unknown, fail: Fail): string {
  return string(object(v, "request", fail), "PoolID", fail);
}
