// DNS names on the wire (RFC 1035 §3.1, §4.1.4): bounded decoding with compression pointers, encoding.

import { invalidArgument, type LibnetworkError } from "../errors/index.js";

/** Wire length of a name, length octets and the root label included (RFC 1035 §2.3.4). */
export const MAX_NAME_WIRE_LENGTH = 255;
export const MAX_LABEL_LENGTH = 63;
/** Compression pointers carry 14 bits of offset. */
const MAX_POINTER_OFFSET = 0x3fff;

export function malformedDns(message: string): LibnetworkError {
  return invalidArgument("ERR_DNS_MALFORMED", `malformed DNS message: ${message}`);
}

export interface DecodedName {
  /** Labels as raw bytes read as latin1, in order; [] for the root. */
  readonly labels: readonly string[];
  /** Offset just after the name where it started (after the first pointer, if any). */
  readonly end: number;
}

/**
 * Reads a possibly compressed name. Every pointer must go strictly backwards from the segment it was
 * read in, so a loop cannot exist and the walk ends after at most `offset` jumps; the 255-octet limit
 * bounds the output. Throws ERR_DNS_MALFORMED on anything out of bounds.
 */
export function readName(buf: Uint8Array, offset: number): DecodedName {
  const labels: string[] = [];
  let pos = offset;
  let segmentStart = offset;
  let end = -1;
  let wireLength = 1;
  for (;;) {
    if (pos >= buf.length) throw malformedDns("name runs past the end");
    const len = buf[pos] as number;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      return { labels, end };
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= buf.length) throw malformedDns("truncated compression pointer");
      const target = ((len & 0x3f) << 8) | (buf[pos + 1] as number);
      if (target >= segmentStart) throw malformedDns("compression pointer does not point backwards");
      if (end < 0) end = pos + 2;
      pos = target;
      segmentStart = target;
      continue;
    }
    if (kind !== 0) throw malformedDns(`unsupported label type 0x${kind.toString(16)}`);
    if (pos + 1 + len > buf.length) throw malformedDns("label runs past the end");
    wireLength += len + 1;
    if (wireLength > MAX_NAME_WIRE_LENGTH) throw malformedDns("name longer than 255 octets");
    labels.push(latin1(buf, pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
}

function latin1(buf: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i] as number);
  return s;
}

/** Escapes a label for presentation like dig does: `.` and `\` escaped, non-printables as \DDD. */
function escapeLabel(label: string): string {
  let out = "";
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    if (c === 0x2e || c === 0x5c) out += `\\${label[i] as string}`;
    else if (c <= 0x20 || c >= 0x7f) out += `\\${c.toString().padStart(3, "0")}`;
    else out += label[i] as string;
  }
  return out;
}

/** Presentation form without the trailing dot ("" for the root). */
export function labelsToName(labels: readonly string[]): string {
  return labels.map(escapeLabel).join(".");
}

/** Splits a presentation name into raw labels, honouring `\.` and `\DDD` escapes. */
export function nameToLabels(name: string): string[] {
  const labels: string[] = [];
  let cur = "";
  for (let i = 0; i < name.length; i++) {
    const ch = name[i] as string;
    if (ch === "\\") {
      const digits = name.slice(i + 1, i + 4);
      if (/^[0-9]{3}$/.test(digits)) {
        const code = Number(digits);
        if (code > 255) throw invalidArgument("ERR_DNS_NAME", `bad escape in DNS name ${JSON.stringify(name)}`);
        cur += String.fromCharCode(code);
        i += 3;
      } else {
        if (i + 1 >= name.length) throw invalidArgument("ERR_DNS_NAME", `dangling escape in ${JSON.stringify(name)}`);
        cur += name[i + 1] as string;
        i += 1;
      }
    } else if (ch === ".") {
      if (cur === "") throw invalidArgument("ERR_DNS_NAME", `empty label in DNS name ${JSON.stringify(name)}`);
      labels.push(cur);
      cur = "";
    } else {
      cur += ch;
    }
  }
  if (cur !== "") labels.push(cur);
  return labels;
}

/** Lower-case ASCII only: DNS case-insensitivity (RFC 4343) does not fold other octets. */
export function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/** Canonical key for comparisons: lower-case, no trailing dot. */
export function canonicalName(name: string): string {
  const trimmed = name.endsWith(".") && !name.endsWith("\\.") ? name.slice(0, -1) : name;
  return asciiLower(trimmed);
}

/** Appends names to a growing message, compressing suffixes already written (offsets < 0x4000). */
export class NameWriter {
  readonly #offsets = new Map<string, number>();
  readonly #compress: boolean;

  constructor(compress: boolean) {
    this.#compress = compress;
  }

  /** Encodes `labels` at absolute message offset `at`; returns the bytes to append. */
  encode(labels: readonly string[], at: number): Buffer {
    checkLabels(labels);
    const parts: number[] = [];
    for (let i = 0; i < labels.length; i++) {
      // Exact-case keys: pointing "Example" at "example" would change what the receiver reads.
      const key = labels.slice(i).join("\u0000");
      const seen = this.#compress ? this.#offsets.get(key) : undefined;
      if (seen !== undefined) {
        parts.push(0xc0 | (seen >> 8), seen & 0xff);
        return Buffer.from(parts);
      }
      const here = at + parts.length;
      if (this.#compress && here <= MAX_POINTER_OFFSET) this.#offsets.set(key, here);
      const label = labels[i] as string;
      parts.push(label.length);
      for (let j = 0; j < label.length; j++) parts.push(label.charCodeAt(j) & 0xff);
    }
    parts.push(0);
    return Buffer.from(parts);
  }
}

function checkLabels(labels: readonly string[]): void {
  let wireLength = 1;
  for (const label of labels) {
    if (label.length === 0 || label.length > MAX_LABEL_LENGTH) {
      throw invalidArgument("ERR_DNS_NAME", `DNS label of ${label.length} octets (1-63 allowed)`);
    }
    wireLength += label.length + 1;
  }
  if (wireLength > MAX_NAME_WIRE_LENGTH) throw invalidArgument("ERR_DNS_NAME", "DNS name longer than 255 octets");
}

/** Uncompressed wire form of a presentation name. */
export function encodeName(name: string): Buffer {
  return new NameWriter(false).encode(nameToLabels(name), 0);
}
