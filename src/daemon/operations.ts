// What the routes do, in terms of the controller: Docker's connect (create an endpoint named after the
// sandbox, then join), disconnect, prune, and sandbox creation with its networks — each with undo on
// failure, an event and an operation metric.

import type { DockerNetworkCreateRequest, PortBindingDto, SandboxCreateRequest, SandboxNetworkRequest } from "../api/dto.js";
import type { Endpoint, Network, NetworkController, Sandbox } from "../controller/index.js";
import { forbidden, invalidArgument, isLibnetworkError, notFound, notImplemented } from "../errors/index.js";
import { errorFields } from "./error-info.js";
import type { EventBus } from "./events.js";
import type { Logger } from "./logging.js";
import type { Metrics } from "./metrics.js";
import { PendingUndos } from "./pending-undo.js";

export interface ConnectOptions {
  readonly ip?: string;
  readonly ip6?: string;
  readonly aliases?: readonly string[];
  readonly macAddress?: string;
  readonly portBindings?: readonly PortBindingDto[];
}

export class Operations {
  readonly #undos: PendingUndos;

  constructor(
    readonly controller: NetworkController,
    readonly events: EventBus,
    readonly metrics: Metrics,
    readonly logger: Logger,
  ) {
    this.#undos = new PendingUndos(logger);
  }

  /** Times a change, after the undo steps earlier failed requests left (see PendingUndos). */
  #change<T>(op: string, fn: () => Promise<T>): Promise<T> {
    return this.metrics.time(op, async () => {
      await this.#undos.settle();
      return fn();
    });
  }

  network(ref: string): Network {
    return this.controller.network(ref);
  }

  /** Docker's "No such container" for a sandbox that does not exist. */
  sandbox(ref: string): Sandbox {
    try {
      return this.controller.sandbox(ref);
    } catch (err) {
      if (isLibnetworkError(err) && err.kind === "not-found") throw notFound("ERR_SANDBOX_NOT_FOUND", `No such container: ${ref}`);
      throw err;
    }
  }

  createNetwork(req: DockerNetworkCreateRequest): Promise<Network> {
    return this.#change("network_create", async () => {
      if (req.Ingress === true) throw forbidden("ERR_INGRESS", "ingress networks need swarm mode, which dnet does not run");
      if (req.ConfigOnly === true) throw notImplemented("ERR_CONFIG_ONLY", "config-only networks are not supported");
      if (req.Scope !== undefined && req.Scope !== null && req.Scope !== "" && req.Scope !== "local") {
        throw invalidArgument("ERR_INVALID_SCOPE", `scope ${JSON.stringify(req.Scope)} is not supported: use local`);
      }
      const ipamDriver = req.IPAM?.Driver ?? "";
      const net = await this.controller.createNetwork({
        name: req.Name, driver: req.Driver === undefined || req.Driver === null || req.Driver === "" ? "bridge" : req.Driver,
        ipam: {
          ...(ipamDriver === "" ? {} : { driver: ipamDriver }),
          config: (req.IPAM?.Config ?? []).map((c) => ({
            ...(c.Subnet === undefined || c.Subnet === "" ? {} : { subnet: c.Subnet }),
            ...(c.IPRange === undefined || c.IPRange === "" ? {} : { ipRange: c.IPRange }),
            ...(c.Gateway === undefined || c.Gateway === "" ? {} : { gateway: c.Gateway }),
            auxAddresses: c.AuxiliaryAddresses ?? {},
          })),
          options: req.IPAM?.Options ?? {},
        },
        options: req.Options ?? {}, labels: req.Labels ?? {},
        internal: req.Internal === true, ipv6: req.EnableIPv6 === true, attachable: req.Attachable === true,
      });
      this.events.emit("network", "create", net.id, { name: net.name, type: net.type });
      this.logger.info("network created", { network: net.name, id: net.id, driver: net.type });
      return net;
    });
  }

  removeNetwork(ref: string): Promise<void> {
    return this.#change("network_remove", async () => {
      const net = this.network(ref);
      const { name, driver } = net.info();
      await net.delete();
      this.events.emit("network", "destroy", net.id, { name, type: driver });
      this.logger.info("network removed", { network: name, id: net.id });
    });
  }

  /** Creates the sandbox's endpoint on the network (named after the sandbox) and joins it. */
  connect(netRef: string, sbRef: string, o: ConnectOptions = {}): Promise<Endpoint> {
    return this.#change("connect", async () => {
      const net = this.network(netRef);
      const sb = this.sandbox(sbRef);
      const info = net.info();
      if ((o.ip !== undefined && info.ipam.v4.every((p) => p.subnet === undefined)) ||
        (o.ip6 !== undefined && info.ipam.v6.every((p) => p.subnet === undefined))) {
        throw invalidArgument("ERR_STATIC_IP", "user specified IP address is supported only when connecting to networks with user configured subnets");
      }
      await leftoverOf(net, sb.name)?.delete(true);
      const ep = await net.createEndpoint({
        name: sb.name,
        ...(o.ip === undefined ? {} : { ip: o.ip }), ...(o.ip6 === undefined ? {} : { ip6: o.ip6 }),
        ...(o.macAddress === undefined ? {} : { macAddress: o.macAddress }),
        aliases: [...(o.aliases ?? [])],
        portBindings: (o.portBindings ?? []).map((p) => ({
          proto: p.Proto, port: p.Port,
          ...(p.HostIP === undefined || p.HostIP === "" ? {} : { hostIp: p.HostIP }),
          ...(p.HostPort === undefined ? {} : { hostPort: p.HostPort }),
          ...(p.HostPortEnd === undefined ? {} : { hostPortEnd: p.HostPortEnd }),
        })),
      });
      try {
        await ep.join(sb);
      } catch (err) {
        await this.#undos.run(`endpoint:${ep.id}`, `undo of the endpoint ${ep.name} a failed connect created`, () => ep.delete(true));
        throw err;
      }
      this.events.emit("network", "connect", net.id, { name: info.name, container: sb.id, sandbox: sb.name, endpoint: ep.id });
      return ep;
    });
  }

  disconnect(netRef: string, sbRef: string, force: boolean): Promise<void> {
    return this.#change("disconnect", async () => {
      const net = this.network(netRef);
      let sb: Sandbox | undefined;
      try {
        sb = this.sandbox(sbRef);
      } catch (err) {
        if (!force) throw err;
      }
      // Not joined, but a connect that failed half way (the store refused its undo) left its endpoint: remove it.
      const ep = net.endpoints().find((e) => (sb === undefined ? e.name === sbRef : e.info().sandboxId === sb.id)) ??
        (sb === undefined ? undefined : leftoverOf(net, sb.name));
      if (ep === undefined) {
        throw notFound("ERR_NOT_CONNECTED", `container ${sb?.name ?? sbRef} is not connected to network ${net.name}`);
      }
      if (sb !== undefined && ep.info().sandboxId === sb.id) await ep.leave(sb);
      await ep.delete(force);
      this.events.emit("network", "disconnect", net.id, { name: net.name, container: sb?.id ?? "", sandbox: sb?.name ?? sbRef, endpoint: ep.id });
    });
  }

  /** Deletes every custom network without endpoints that matches the labels; returns their names. */
  prune(labels: readonly string[]): Promise<string[]> {
    return this.#change("network_prune", async () => {
      const deleted: string[] = [];
      for (const net of this.controller.networks()) {
        const info = net.info();
        if (info.predefined || net.endpoints().length > 0 || !labels.every((l) => labelMatches(info.labels, l))) continue;
        try {
          await net.delete();
          deleted.push(info.name);
          this.events.emit("network", "destroy", info.id, { name: info.name, type: info.driver });
        } catch (err) {
          this.logger.debug("prune skipped a network", { network: info.name, ...errorFields(err) });
        }
      }
      return deleted;
    });
  }

  createSandbox(req: SandboxCreateRequest): Promise<Sandbox> {
    return this.#change("sandbox_create", async () => {
      if ((req.PortBindings ?? []).length > 0 && (req.Networks ?? []).length === 0) {
        throw invalidArgument("ERR_PUBLISH_WITHOUT_NETWORK", "published ports need a network (--network)");
      }
      const networks = (req.Networks ?? []).map((n) => ({ req: n, net: this.network(n.Network) }));
      const sb = await this.controller.createSandbox({
        containerId: req.ContainerID ?? req.Name, name: req.Name,
        ...(req.Hostname === undefined ? {} : { hostname: req.Hostname }),
        ...(req.Domainname === undefined ? {} : { domainname: req.Domainname }),
        dns: req.Dns ?? [], dnsSearch: req.DnsSearch ?? [], dnsOptions: req.DnsOptions ?? [], extraHosts: req.ExtraHosts ?? [],
      });
      this.events.emit("sandbox", "create", sb.id, { name: sb.name });
      try {
        for (const [i, { req: n, net }] of networks.entries()) await this.connect(net.id, sb.id, connectOptionsOf(n, i === 0 ? req.PortBindings : undefined));
      } catch (err) {
        await this.#undos.run(`sandbox:${sb.id}`, `undo of the sandbox ${sb.name} a failed create made`, async () => {
          await this.controller.sandbox(sb.id).delete();
          this.events.emit("sandbox", "destroy", sb.id, { name: sb.name });
        });
        throw err;
      }
      return sb;
    });
  }

  removeSandbox(ref: string, force = true): Promise<void> {
    return this.#change("sandbox_remove", async () => {
      const sb = this.sandbox(ref);
      const info = sb.info();
      if (!force && info.endpoints.length > 0) {
        throw forbidden("ERR_SANDBOX_CONNECTED", `sandbox ${info.name} is connected to ${info.endpoints.length} network(s): disconnect it first or use force`);
      }
      await sb.delete();
      this.events.emit("sandbox", "destroy", sb.id, { name: info.name });
    });
  }
}

/**
 * An endpoint named after the sandbox that is not joined: through this API endpoints exist only joined
 * (connect = create + join), so it is what a connect left when its undo could not be written.
 */
function leftoverOf(net: Network, sandboxName: string): Endpoint | undefined {
  return net.endpoints().find((e) => {
    const i = e.info();
    return i.name === sandboxName && i.sandboxId === undefined && i.pending === undefined;
  });
}

function connectOptionsOf(n: SandboxNetworkRequest, ports: readonly PortBindingDto[] | undefined): ConnectOptions {
  return {
    ...(n.IPv4Address === undefined || n.IPv4Address === "" ? {} : { ip: n.IPv4Address }),
    ...(n.IPv6Address === undefined || n.IPv6Address === "" ? {} : { ip6: n.IPv6Address }),
    aliases: n.Aliases ?? [], portBindings: ports ?? [],
  };
}

/** Docker's label filter: "key" (present) or "key=value". */
export function labelMatches(labels: Readonly<Record<string, string>>, filter: string): boolean {
  const eq = filter.indexOf("=");
  if (eq < 0) return Object.hasOwn(labels, filter);
  return labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}
