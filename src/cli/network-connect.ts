// `dnet network connect [--ip IP] [--ip6 IP] [--alias NAME]... NETWORK SANDBOX`.

import { str, strs, type Command } from "./common.js";

export const networkConnect: Command = async (p, ctx) => {
  const ip = str(p, "ip");
  const ip6 = str(p, "ip6");
  await ctx.client().connect(p.positionals[0] as string, {
    Container: p.positionals[1] as string,
    EndpointConfig: {
      IPAMConfig: { ...(ip === undefined ? {} : { IPv4Address: ip }), ...(ip6 === undefined ? {} : { IPv6Address: ip6 }) },
      Aliases: strs(p, "alias"),
    },
  });
  return 0;
};
