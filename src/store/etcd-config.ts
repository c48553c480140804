// Parsing of a cluster store address (`etcd://HOST:PORT[,HOST:PORT…]`) and its TLS options, once, at the edge.

import { readFileSync } from "node:fs";
import { invalidArgument } from "../errors/index.js";
import { STORE_ERROR_CODES } from "./contract.js";

/** PEM files for a TLS connection to etcd (Docker's kv.cacertfile / kv.certfile / kv.keyfile). */
export interface EtcdTlsFiles {
  readonly caFile: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export interface EtcdEndpoints {
  /** gRPC targets for the client: `http://host:port` or `https://…` with TLS. */
  readonly hosts: readonly string[];
  /** The address as the user wrote it, for messages. */
  readonly display: string;
}

const HOST_PORT = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

function bad(message: string): never {
  throw invalidArgument(STORE_ERROR_CODES.invalidOption, message);
}

function parseMember(text: string, url: string): string {
  const m = HOST_PORT.exec(text);
  if (m === null) bad(`cluster store ${JSON.stringify(url)}: ${JSON.stringify(text)} is not HOST:PORT`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) bad(`cluster store ${JSON.stringify(url)}: port ${m[3]} is out of range 1-65535`);
  return m[1] !== undefined ? `[${m[1]}]:${port}` : `${m[2]}:${port}`;
}

/** `etcd://h1:2379,h2:2379` → its members; anything else is ERR_STORE_INVALID_OPTION naming the problem. */
export function parseEtcdUrl(url: string, tls: boolean): EtcdEndpoints {
  const scheme = "etcd://";
  if (typeof url !== "string" || !url.startsWith(scheme)) {
    bad(`cluster store ${JSON.stringify(url)} is not an etcd address (expected etcd://HOST:PORT[,HOST:PORT…])`);
  }
  const rest = url.slice(scheme.length).replace(/\/+$/, "");
  if (rest === "") bad(`cluster store ${JSON.stringify(url)} names no host (expected etcd://HOST:PORT)`);
  const members = rest.split(",").map((m) => parseMember(m.trim(), url));
  const proto = tls ? "https" : "http";
  return { hosts: members.map((m) => `${proto}://${m}`), display: url };
}

const TLS_KEYS: ReadonlyMap<string, "caFile" | "certFile" | "keyFile"> = new Map([
  ["kv.cacertfile", "caFile"],
  ["kv.certfile", "certFile"],
  ["kv.keyfile", "keyFile"],
] as const);

/** `--cluster-store-opt` pairs → TLS files; undefined when none is given. Unknown keys are refused. */
export function parseClusterStoreOptions(options: ReadonlyMap<string, string>): EtcdTlsFiles | undefined {
  const found: { caFile?: string; certFile?: string; keyFile?: string } = {};
  for (const [key, value] of options) {
    const field = TLS_KEYS.get(key);
    if (field === undefined) bad(`cluster store option ${JSON.stringify(key)} is unknown (known: ${[...TLS_KEYS.keys()].join(", ")})`);
    if (value === "") bad(`cluster store option ${key} needs a file path`);
    found[field] = value;
  }
  if (Object.keys(found).length === 0) return undefined;
  if (found.caFile === undefined) bad("cluster store TLS needs kv.cacertfile");
  if ((found.certFile === undefined) !== (found.keyFile === undefined)) bad("cluster store TLS needs both kv.certfile and kv.keyfile, or neither");
  return { caFile: found.caFile, ...(found.certFile !== undefined ? { certFile: found.certFile } : {}), ...(found.keyFile !== undefined ? { keyFile: found.keyFile } : {}) };
}

export interface EtcdCredentials {
  readonly rootCertificate: Buffer;
  readonly privateKey?: Buffer;
  readonly certChain?: Buffer;
}

function readPem(option: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    return bad(`cluster store option ${option}: cannot read ${path}: ${(err as Error).message}`);
  }
}

export function loadTlsCredentials(files: EtcdTlsFiles): EtcdCredentials {
  const rootCertificate = readPem("kv.cacertfile", files.caFile);
  if (files.certFile === undefined || files.keyFile === undefined) return { rootCertificate };
  return { rootCertificate, certChain: readPem("kv.certfile", files.certFile), privateKey: readPem("kv.keyfile", files.keyFile) };
}
