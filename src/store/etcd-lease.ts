// A leased key on etcd (host liveness): kept alive by the client, granted again when lost, until closed.

import type { Etcd3, Lease } from "etcd3";

/** Wait before granting again after a failed grant: etcd is away, and a lost lease must not spin. */
const REGRANT_DELAY_MS = 1000;

export class EtcdLeasedKey {
  readonly #client: Etcd3;
  readonly #key: Buffer;
  readonly #value: string;
  readonly #ttlSeconds: number;
  #lease: Lease | undefined;
  #timer: NodeJS.Timeout | undefined;
  #open = true;

  constructor(client: Etcd3, key: Buffer, value: string, ttlSeconds: number) {
    this.#client = client;
    this.#key = key;
    this.#value = value;
    this.#ttlSeconds = ttlSeconds;
  }

  /** Grants the lease and writes the key under it; rejects when etcd does not answer (nothing is retried then). */
  async start(): Promise<void> {
    await this.#grant();
  }

  /**
   * The client gives a lease up after 2 × TTL without a keep-alive (etcd was away), and etcd lets it
   * expire: the key is written again under a new lease, retried every second until etcd answers.
   */
  async #grant(): Promise<void> {
    const lease = this.#client.lease(this.#ttlSeconds, { autoKeepAlive: true });
    this.#lease = lease;
    lease.on("lost", () => {
      if (this.#lease === lease) this.#later();
    });
    await lease.put(this.#key).value(this.#value).exec();
  }

  #later(): void {
    if (!this.#open || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#open) this.#grant().catch(() => this.#later());
    }, REGRANT_DELAY_MS);
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    clearTimeout(this.#timer);
    await this.#lease?.revoke().catch(() => undefined);
  }
}
