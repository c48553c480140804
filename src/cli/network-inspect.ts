// `dnet network inspect [-f TEMPLATE] NETWORK...`: Docker's network inspect JSON (an array), or each network
// through a Go template as the docker CLI runs it. Every missing network and template failure is reported.

import type { DockerNetwork } from "../api/dto.js";
import { str, type Command } from "./common.js";
import { inspectEach } from "./refs.js";
import { NETWORK_INSPECT } from "./template/docker-types.js";

export const networkInspect: Command = (p, ctx) =>
  inspectEach<DockerNetwork>(p.positionals, (ref) => ctx.client().inspectNetwork(ref), str(p, "format"), ctx, NETWORK_INSPECT);
