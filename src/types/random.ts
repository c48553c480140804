// Random bytes for identifiers, drawn from a pool filled a few kilobytes at a time.

import { randomFillSync } from "node:crypto";

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let used = POOL_BYTES;

/**
 * `bytes` cryptographically random bytes as lower-case hex. crypto.randomBytes costs a call into
 * OpenSSL each time: ~40 µs per ID on the attach path (CPU profile of the bridge bench); refilling
 * the pool once per 4 KiB makes that a copy (crypto.randomUUID caches its entropy the same way).
 */
export function randomHex(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes <= 0 || bytes > POOL_BYTES) throw new RangeError(`randomHex: bad byte count ${bytes}`);
  if (used + bytes > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString("hex", used, used + bytes);
  used += bytes;
  return hex;
}
