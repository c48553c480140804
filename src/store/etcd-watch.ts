// An etcd watch on a key prefix turned into the store's WatchEvents; and how etcd client errors read.

import type { Etcd3, IKeyValue } from "etcd3";
import type { Revision } from "./contract.js";
import type { StoreWatch, WatchEvent } from "./watch.js";

export interface EtcdWatchRequest {
  /** Full etcd key prefix (root included). */
  readonly prefix: string;
  /** The store's root ("dnet/"), stripped from keys before they are delivered. */
  readonly root: string;
  readonly after: Revision;
  readonly onEvent: (event: WatchEvent) => void;
}

/** Starts an etcd watch; the client library resumes it after a reconnect from the last revision seen. */
export async function watchEtcd(client: Etcd3, req: EtcdWatchRequest): Promise<StoreWatch> {
  const key = (kv: IKeyValue): string => kv.key.toString("utf8").slice(req.root.length);
  const watcher = await client
    .watch()
    .prefix(req.prefix)
    .startRevision(String(req.after + 1))
    .create();
  let open = true;
  watcher.on("put", (kv) => {
    if (open) req.onEvent({ type: "put", key: key(kv), value: kv.value.toString("utf8"), revision: Number(kv.mod_revision) });
  });
  watcher.on("delete", (kv) => {
    if (open) req.onEvent({ type: "delete", key: key(kv), revision: Number(kv.mod_revision) });
  });
  // The library retries on its own after an error; an unhandled "error" event would crash the process.
  watcher.on("error", () => undefined);
  return {
    close: async () => {
      if (!open) return;
      open = false;
      await watcher.cancel().catch(() => undefined);
    },
  };
}

/** A short reason from a gRPC / etcd client error ("14 UNAVAILABLE: No connection established"). */
export function describeEtcdError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const name = err.constructor.name;
  if (name === "BrokenCircuitError") return "too many failed requests, waiting before trying again";
  return err.message.split("\n")[0] ?? name;
}
