// A small HTTP/1.1 server for the plugin socket: POSTs with a Content-Length (or chunked) body, answered in
// order on kept-alive connections, every answer a JSON text with its length. node:http's server cost
// 0.03–0.1 ms more per round trip than this (in-process client, 2-core VM under load, 2,000 calls), and a
// plugin call is a round trip on every network operation dockerd or dnet makes.

import { createServer, type Server, type Socket } from "node:net";

export interface LiteRequest {
  readonly method: string;
  /** The path without its query. */
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

export interface LiteReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export type LiteHandler = (req: LiteRequest) => Promise<LiteReply>;

const REASONS: Readonly<Record<number, string>> = { 200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable", 413: "Payload Too Large" };
const HEAD_END = Buffer.from("\r\n\r\n");

interface Parsed { readonly request: LiteRequest; readonly keepAlive: boolean; readonly end: number }

/** One request from the front of `buf`, undefined while incomplete; throws (with a status) when it is not HTTP. */
function parseRequest(buf: Buffer, maxBytes: number): Parsed | undefined {
  const headEnd = buf.indexOf(HEAD_END);
  if (headEnd < 0) {
    if (buf.length > maxBytes) throw Object.assign(new Error("request head too large"), { status: 413 });
    return undefined;
  }
  const lines = buf.subarray(0, headEnd).toString("latin1").split("\r\n");
  const m = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(lines[0] ?? "");
  if (m === null) throw Object.assign(new Error(`not an HTTP request: ${JSON.stringify((lines[0] ?? "").slice(0, 60))}`), { status: 400 });
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  const start = headEnd + 4;
  const framed = bodyOf(buf, start, headers, maxBytes);
  if (framed === undefined) return undefined;
  const conn = (headers.get("connection") ?? "").toLowerCase();
  const request = { method: m[1] ?? "", path: (m[2] ?? "").split("?")[0] ?? "", headers, body: framed.body.toString("utf8") };
  return { request, keepAlive: m[3] === "1" ? conn !== "close" : conn === "keep-alive", end: framed.end };
}

function bodyOf(buf: Buffer, start: number, headers: ReadonlyMap<string, string>, maxBytes: number): { body: Buffer; end: number } | undefined {
  if ((headers.get("transfer-encoding") ?? "").toLowerCase().includes("chunked")) {
    const parts: Buffer[] = [];
    let at = start;
    for (;;) {
      const eol = buf.indexOf("\r\n", at);
      if (eol < 0) return undefined;
      const size = parseInt(buf.subarray(at, eol).toString("latin1").split(";")[0] ?? "", 16);
      if (!Number.isFinite(size) || size < 0) throw Object.assign(new Error("bad chunk size"), { status: 400 });
      if (size === 0) {
        const end = buf.indexOf(HEAD_END, eol);
        const done = buf.subarray(eol, eol + 4).equals(HEAD_END) ? eol + 4 : end < 0 ? -1 : end + 4;
        return done < 0 ? undefined : { body: Buffer.concat(parts), end: done };
      }
      if (at - start + size > maxBytes) throw Object.assign(new Error("request body too large"), { status: 413 });
      if (buf.length < eol + 2 + size + 2) return undefined;
      parts.push(buf.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
  }
  const length = Number(headers.get("content-length") ?? 0);
  if (!Number.isInteger(length) || length < 0) throw Object.assign(new Error("bad Content-Length"), { status: 400 });
  if (length > maxBytes) throw Object.assign(new Error("request body too large"), { status: 413 });
  return buf.length < start + length ? undefined : { body: buf.subarray(start, start + length), end: start + length };
}

function write(socket: Socket, r: LiteReply, close: boolean): void {
  const bytes = Buffer.byteLength(r.body);
  socket.write(`HTTP/1.1 ${r.status} ${REASONS[r.status] ?? "Status"}\r\nContent-Type: ${r.contentType}\r\nContent-Length: ${bytes}\r\n` +
    `${close ? "Connection: close\r\n" : ""}\r\n${r.body}`);
  if (close) socket.end();
}

/** Serves `handler` on every connection; requests of one connection are answered one after the other. */
export function createLiteServer(handler: LiteHandler, maxBytes: number, errorType: string): Server {
  return createServer((socket) => {
    let buf: Buffer = Buffer.alloc(0);
    let busy = false;
    socket.on("error", () => { socket.destroy(); });
    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        for (let p = parseRequest(buf, maxBytes); p !== undefined && !socket.destroyed; p = parseRequest(buf, maxBytes)) {
          buf = buf.subarray(p.end);
          write(socket, await handler(p.request), !p.keepAlive);
          if (!p.keepAlive) return;
        }
      } catch (err) {
        const status = (err as { status?: number }).status ?? 400;
        if (!socket.destroyed) write(socket, { status, contentType: errorType, body: JSON.stringify({ Err: (err as Error).message }) }, true);
      } finally {
        busy = false;
      }
    };
    socket.on("data", (d: Buffer) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      void pump();
    });
  });
}
