// Attaching a controller to its cluster store: register this host (lease), catch up, follow, and let
// global-scope operations through.

import { conflict } from "../errors/index.js";
import { ClusterAgent, type ClusterStore } from "./cluster-agent.js";
import { discoverSelf } from "./cluster-peers.js";
import { followCluster, type ClusterLog } from "./cluster-sync.js";
import type { ControllerContext } from "./context.js";

export interface AttachedCluster {
  /** Stops following and ends this host's lease; the store itself stays open (its opener closes it). */
  close(): Promise<void>;
}

export async function attachCluster(ctx: ControllerContext, store: ClusterStore, advertiseAddress: string, log: ClusterLog): Promise<AttachedCluster> {
  if (ctx.cluster.hooks !== undefined) throw conflict("ERR_CLUSTER_STORE", "this controller is already attached to a cluster store");
  await discoverSelf(ctx, advertiseAddress);
  const agent = new ClusterAgent(store, advertiseAddress);
  await agent.register();
  let follow;
  try {
    follow = await followCluster(ctx, agent, log);
  } catch (err) {
    await agent.close();
    throw err;
  }
  ctx.cluster.hooks = agent;
  return {
    close: async () => {
      ctx.cluster.hooks = undefined;
      await follow.close();
      await agent.close();
    },
  };
}
