// `--cluster-store` for the daemon: options checked before anything starts, the link logging through the daemon's logger.

import { ClusterLink, checkClusterOptions } from "../cluster.js";
import type { Logger } from "./logging.js";

export interface ClusterFlags {
  readonly clusterStore?: string;
  readonly advertiseAddr?: string;
  readonly clusterStoreOptions?: ReadonlyMap<string, string>;
}

export function clusterLinkFor(o: ClusterFlags, logger: Logger): ClusterLink | undefined {
  if (o.clusterStore === undefined) {
    if (o.advertiseAddr !== undefined) logger.warn("--advertise-addr has no effect without --cluster-store");
    return undefined;
  }
  const config = checkClusterOptions({
    clusterStore: o.clusterStore,
    ...(o.advertiseAddr === undefined ? {} : { advertiseAddr: o.advertiseAddr }),
    ...(o.clusterStoreOptions === undefined ? {} : { storeOptions: o.clusterStoreOptions }),
  });
  return new ClusterLink(config, {
    info: (message, fields) => logger.info(message, fields),
    warn: (message, fields) => logger.warn(message, fields),
  });
}
