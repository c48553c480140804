// The native routes that change a running sandbox's published ports, one binding per change:
// POST /sandboxes/{id}/ports (a PortBinding) and DELETE /sandboxes/{id}/ports/{port}/{proto} (a
// container port or range, narrowed by ?HostIP=&HostPort=), each with its event and operation metric.

import type { PortBindingDto } from "../api/dto.js";
import type { PortBindingRecord, PortSelector, PublishedPortBinding, Sandbox } from "../controller/index.js";
import { invalidArgument } from "../errors/index.js";
import { portInputs, type Operations } from "./operations.js";
import type { Reply, Route } from "./server.js";
import { object, optNumber, optString } from "./validate.js";

const PROTOS = new Set(["tcp", "udp", "sctp"]);

/** One PortBinding of a request body; `pre` names it in errors (`PortBindings[2].`). */
export function parsePortBinding(p: Readonly<Record<string, unknown>>, pre = ""): PortBindingDto {
  const proto = optString(p, "Proto", pre) ?? "tcp";
  if (!PROTOS.has(proto)) throw invalidArgument("ERR_INVALID_PROTOCOL", `invalid protocol ${JSON.stringify(proto)}: use tcp, udp or sctp`);
  const port = optNumber(p, "Port", pre);
  if (port === undefined) throw invalidArgument("ERR_INVALID_REQUEST", `${pre}Port is required`);
  const opt = (k: "PortEnd" | "HostPort" | "HostPortEnd"): Partial<PortBindingDto> => {
    const v = optNumber(p, k, pre);
    return v === undefined ? {} : { [k]: v };
  };
  const hostIp = optString(p, "HostIP", pre);
  return { Proto: proto as PortBindingDto["Proto"], Port: port, ...opt("PortEnd"), ...(hostIp === undefined ? {} : { HostIP: hostIp }), ...opt("HostPort"), ...opt("HostPortEnd") };
}

const PORTS_RE = /^([1-9][0-9]{0,4})(?:-([1-9][0-9]{0,4}))?$/;

function portsOf(text: string, what: string): { lo: number; hi?: number } {
  const m = PORTS_RE.exec(text);
  if (m === null) throw invalidArgument("ERR_INVALID_PORT", `invalid ${what} ${JSON.stringify(text)}: use PORT or FIRST-LAST`);
  return { lo: Number(m[1]), ...(m[2] === undefined ? {} : { hi: Number(m[2]) }) };
}

/** `/{port}/{proto}` and the query into a selector of the sandbox's bindings. */
function selectorOf(port: string, proto: string, query: URLSearchParams): PortSelector {
  if (proto !== "tcp" && proto !== "udp" && proto !== "sctp") {
    throw invalidArgument("ERR_INVALID_PROTOCOL", `invalid protocol ${JSON.stringify(proto)}: use tcp, udp or sctp`);
  }
  const container = portsOf(port, "port");
  const hostIp = query.get("HostIP");
  const hostPort = query.get("HostPort");
  const host = hostPort === null ? undefined : portsOf(hostPort, "HostPort");
  return {
    proto, port: container.lo, ...(container.hi === undefined ? {} : { portEnd: container.hi }),
    ...(hostIp === null ? {} : { hostIp }),
    ...(host === undefined ? {} : { hostPort: host.lo, ...(host.hi === undefined ? {} : { hostPortEnd: host.hi }) }),
  };
}

function publishedDto(p: PublishedPortBinding): PortBindingDto {
  const end = p.binding.portEnd;
  return { Proto: p.binding.proto, Port: p.binding.port, ...(end === undefined ? {} : { PortEnd: end }), HostIP: p.hostIp, HostPort: p.hostPort, HostPortEnd: p.hostPortEnd };
}

function bindingDto(b: PortBindingRecord): PortBindingDto {
  return { Proto: b.proto, Port: b.port, ...(b.portEnd === undefined ? {} : { PortEnd: b.portEnd }), HostIP: b.hostIp ?? "", HostPort: b.hostPort, HostPortEnd: b.hostPortEnd };
}

/** `80/tcp`, `9000-9001/tcp`: the event's `port` attribute. */
function portText(b: PortBindingRecord): string {
  return `${b.port}${b.portEnd === undefined ? "" : `-${b.portEnd}`}/${b.proto}`;
}

function emit(ops: Operations, sb: Sandbox, action: "publish" | "unpublish", b: PortBindingRecord, published: readonly PublishedPortBinding[]): void {
  const hosts = published.map((p) => `${p.hostIp.includes(":") ? `[${p.hostIp}]` : p.hostIp}:${p.hostPort}${p.hostPortEnd > p.hostPort ? `-${p.hostPortEnd}` : ""}`);
  ops.events.emit("sandbox", action, sb.id, {
    name: sb.name, port: portText(b), hostIp: b.hostIp ?? "", hostPort: b.hostPort === 0 ? "" : `${b.hostPort}${b.hostPortEnd > b.hostPort ? `-${b.hostPortEnd}` : ""}`,
    ...(action === "publish" ? { published: hosts.join(",") } : {}),
  });
}

export function portRoutes(ops: Operations): Route[] {
  return [
    {
      method: "POST", path: "/sandboxes/{id}/ports",
      handler: async ({ params, body }): Promise<Reply> => {
        const inputs = portInputs([parsePortBinding(object(body))]);
        const published = await ops.metrics.time("port_add", async () => {
          const sb = ops.sandbox(params[0] as string);
          const { bindings, published: out } = await sb.addPorts(inputs);
          for (const b of bindings) emit(ops, sb, "publish", b, out.filter((p) => p.binding === b));
          ops.logger.info("port added", { sandbox: sb.name, ports: bindings.map(portText).join(","), published: out.length });
          return out;
        });
        return { status: 201, body: { PortBindings: published.map(publishedDto) } };
      },
    },
    {
      method: "DELETE", path: "/sandboxes/{id}/ports/{port}/{proto}",
      handler: async ({ params, query }): Promise<Reply> => {
        const selector = selectorOf(params[1] as string, params[2] as string, query);
        const removed = await ops.metrics.time("port_remove", async () => {
          const sb = ops.sandbox(params[0] as string);
          const gone = await sb.removePorts(selector);
          for (const b of gone) emit(ops, sb, "unpublish", b, []);
          ops.logger.info("port removed", { sandbox: sb.name, ports: gone.map(portText).join(",") });
          return gone;
        });
        return { status: 200, body: { PortBindings: removed.map(bindingDto) } };
      },
    },
  ];
}
