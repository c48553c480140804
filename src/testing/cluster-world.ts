// Several controllers in one process sharing one etcd, as hosts of a cluster: for the global-scope tests.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Capability, RestoreState } from "../driver-api/index.js";
import { Controller } from "../libnetwork.js";
import { openEtcdStore, type EtcdStore } from "../store/index.js";
import { TestVethDriver } from "./veth-driver.js";

/** The test veth driver declaring global scope: what the controller needs to treat its networks as cluster-wide. */
export class GlobalVethDriver extends TestVethDriver {
  override capability(): Capability {
    return { dataScope: "global", connectivityScope: "global" };
  }

  async restore(state: RestoreState): Promise<void> {
    for (const n of state.networks) await this.createNetwork(n);
  }
}

export const GLOBAL_TEST_DRIVER = "gveth";

export interface TestHost {
  readonly controller: Controller;
  readonly store: EtcdStore;
  readonly address: string;
  close(): Promise<void>;
}

/** A controller (own data and netns dirs, no firewall, no DNS) attached to the etcd at `url` as `address`. */
export async function openTestHost(url: string, root: string, address: string): Promise<TestHost> {
  const dir = mkdtempSync("/tmp/dnet-host-");
  writeFileSync(join(dir, "resolv.conf"), "nameserver 192.0.2.53\n");
  const controller = await Controller.create({
    dataDir: join(dir, "data"), netnsDir: join(dir, "netns"), etcNetnsDir: join(dir, "etc"), hostResolvConf: join(dir, "resolv.conf"),
    firewall: "none", embeddedDns: false,
    drivers: ({ handles }) => [new GlobalVethDriver(handles, { name: GLOBAL_TEST_DRIVER })],
  });
  const store = await openEtcdStore({ url, root });
  await controller.attachCluster(store, address);
  let closed = false;
  return {
    controller, store, address,
    close: async () => {
      if (closed) return;
      closed = true;
      await controller.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once `check` holds, looking again after each turn of 25 ms (no deadline: the test's timeout is the guard). */
export async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 25));
}
