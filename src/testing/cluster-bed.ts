// The multi-host test bed: N "hosts" (netns, each with its own dnet daemon) wired to one underlay bridge
// in a further netns, which also runs etcd on its underlay address.

import { randomBytes } from "node:crypto";
import { startEtcd, type EtcdServer } from "./etcd-server.js";
import { TestDaemon, sh } from "./test-daemon.js";

/** Far from the 10.0.0.0/8 that global networks take their pools from. */
const UNDERLAY = "172.31.250";
export const UNDERLAY_ETCD_IP = `${UNDERLAY}.254`;
export const hostUnderlayIp = (i: number): string => `${UNDERLAY}.${i + 1}`;

function trySh(cmd: string, args: readonly string[]): void {
  try { sh(cmd, args); } catch { /* best effort */ }
}

export class ClusterBed {
  readonly underlay = `dnu-${randomBytes(4).toString("hex")}`;
  readonly hosts: TestDaemon[] = [];
  etcd: EtcdServer | undefined;

  constructor() {
    sh("ip", ["netns", "add", this.underlay]);
    sh("ip", ["-n", this.underlay, "link", "set", "lo", "up"]);
    sh("ip", ["-n", this.underlay, "link", "add", "ul0", "type", "bridge"]);
    sh("ip", ["-n", this.underlay, "addr", "add", `${UNDERLAY_ETCD_IP}/24`, "dev", "ul0"]);
    sh("ip", ["-n", this.underlay, "link", "set", "ul0", "up"]);
  }

  async startEtcd(clientPort?: number): Promise<EtcdServer> {
    this.etcd = await startEtcd({ netns: this.underlay, ip: UNDERLAY_ETCD_IP, ...(clientPort === undefined ? {} : { clientPort }) });
    return this.etcd;
  }

  /** The etcd URL hosts are given (whether or not etcd runs yet: tests of a late etcd pick the port themselves). */
  clusterArgs(i: number, url: string): string[] {
    return ["--cluster-store", url, "--advertise-addr", hostUnderlayIp(i)];
  }

  /**
   * A host netns with `eth0` (born there: never created and moved) on the underlay bridge and its daemon
   * prepared with `args` (not started).
   */
  addHost(args: readonly string[]): TestDaemon {
    const i = this.hosts.length;
    const host = new TestDaemon(args);
    this.hosts.push(host);
    const port = `ul${i}-${host.hostNetns.slice(-4)}`;
    sh("ip", ["-n", this.underlay, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", host.hostNetns]);
    sh("ip", ["-n", this.underlay, "link", "set", port, "master", "ul0", "up"]);
    sh("ip", ["-n", host.hostNetns, "addr", "add", `${hostUnderlayIp(i)}/24`, "dev", "eth0"]);
    sh("ip", ["-n", host.hostNetns, "link", "set", "eth0", "up"]);
    return host;
  }

  async cleanup(): Promise<void> {
    for (const host of this.hosts) await host.cleanup();
    await this.etcd?.stop();
    trySh("ip", ["netns", "del", this.underlay]);
  }
}
