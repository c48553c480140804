// What a Docker node that is not part of a swarm answers on the swarm routes (20.10's daemon/cluster):
// 503 with its messages, so clients tell "no swarm here" from "no such route".

import { notImplemented, unavailable } from "../errors/index.js";
import type { Reply, Route } from "./server.js";

const NO_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
const NO_SWARM = "This node is not part of a swarm";

const fail = (message: string) => (): Reply => { throw unavailable("ERR_NO_SWARM", message); };

/** Routes answered with the "not a swarm manager" message (cluster.errNoManager), as GET or POST. */
const MANAGER_ROUTES: ReadonlyArray<readonly ["GET" | "POST" | "DELETE", string]> = [
  ["GET", "/swarm"], ["POST", "/swarm/update"], ["GET", "/swarm/unlockkey"], ["POST", "/swarm/unlock"],
  ["GET", "/nodes"], ["GET", "/nodes/{id}"], ["POST", "/nodes/{id}/update"], ["DELETE", "/nodes/{id}"],
  ["GET", "/services"], ["GET", "/services/{id}"], ["POST", "/services/create"], ["POST", "/services/{id}/update"], ["DELETE", "/services/{id}"],
  ["GET", "/services/{id}/logs"], ["GET", "/tasks"], ["GET", "/tasks/{id}"], ["GET", "/tasks/{id}/logs"],
  ["GET", "/secrets"], ["GET", "/secrets/{id}"], ["POST", "/secrets/create"], ["POST", "/secrets/{id}/update"], ["DELETE", "/secrets/{id}"],
  ["GET", "/configs"], ["GET", "/configs/{id}"], ["POST", "/configs/create"], ["POST", "/configs/{id}/update"], ["DELETE", "/configs/{id}"],
];

export function swarmRoutes(): Route[] {
  return [
    ...MANAGER_ROUTES.map(([method, path]) => ({ method, path, handler: fail(NO_MANAGER) })),
    { method: "POST", path: "/swarm/leave", handler: fail(NO_SWARM) },
    ...["/swarm/init", "/swarm/join"].map((path): Route => ({
      method: "POST", path, handler: () => { throw notImplemented("ERR_SWARM_MODE", "swarm mode is not supported by dnet: this node cannot join or start a swarm"); },
    })),
  ];
}
