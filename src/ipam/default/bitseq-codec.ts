// Compact binary form of a RunBitmap for the store: a few bytes per run, whatever the pool size.
//
// Layout (version 1), every number an unsigned LEB128 varint of any width:
//   0x01 | bits | cursor | runCount | (gap, length) × runCount
// where `gap` is the distance from the previous run's end (from 0 for the first run). Docker's
// format spends 12 bytes per node and caps sizes at 2^64; deltas make an empty /64 about 20 bytes.

import { errIpamInternal } from "../../ipam-api/index.js";
import { RunBitmap } from "./bitseq.js";
import type { Run } from "./bitseq.js";

const VERSION = 1;
/** A 129-bit value (an IPv6 /0 has 2^128 ordinals) needs 19 groups of 7 bits. */
const MAX_VARINT_BYTES = 19;

function writeVarint(out: number[], value: bigint): void {
  let v = value;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

class Reader {
  #pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  varint(): bigint {
    let value = 0n;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const byte = this.bytes[this.#pos++];
      if (byte === undefined) throw corrupt("truncated");
      value |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if ((byte & 0x80) === 0) return value;
    }
    throw corrupt("varint too long");
  }

  get done(): boolean {
    return this.#pos >= this.bytes.length;
  }
}

function corrupt(why: string): Error {
  return errIpamInternal(`corrupt bitmap encoding: ${why}`);
}

export function encodeBitmap(bm: RunBitmap): Uint8Array {
  const out: number[] = [VERSION];
  writeVarint(out, bm.bits);
  writeVarint(out, bm.cursor);
  writeVarint(out, BigInt(bm.runCount));
  let prevEnd = 0n;
  for (const run of bm.runs()) {
    writeVarint(out, run.start - prevEnd);
    writeVarint(out, run.end - run.start);
    prevEnd = run.end;
  }
  return Uint8Array.from(out);
}

export function decodeBitmap(bytes: Uint8Array): RunBitmap {
  if (bytes[0] !== VERSION) throw corrupt(`unknown version ${bytes[0] ?? "(empty)"}`);
  const reader = new Reader(bytes.subarray(1));
  const bits = reader.varint();
  const cursor = reader.varint();
  const count = reader.varint();
  // Each run takes at least two bytes: refuse counts the input cannot hold before looping on them.
  if (count * 2n > BigInt(bytes.length)) throw corrupt(`${count} runs in ${bytes.length} bytes`);
  const runs: Run[] = [];
  let prevEnd = 0n;
  for (let i = 0n; i < count; i++) {
    const start = prevEnd + reader.varint();
    const end = start + reader.varint();
    runs.push({ start, end });
    prevEnd = end;
  }
  if (!reader.done) throw corrupt("trailing bytes");
  return RunBitmap.fromRuns(bits, runs, cursor);
}

export function encodeBitmapBase64(bm: RunBitmap): string {
  return Buffer.from(encodeBitmap(bm)).toString("base64");
}

export function decodeBitmapBase64(text: string): RunBitmap {
  return decodeBitmap(Buffer.from(text, "base64"));
}
