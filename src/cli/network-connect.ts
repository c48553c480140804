// `dnet network connect [--ip IP] [--ip6 IP] [--alias NAME]... NETWORK SANDBOX`.

import { needPositionals, parse, str, strs, type Command } from "./common.js";

const USAGE = "dnet network connect [--ip IP] [--ip6 IP] [--alias NAME]... NETWORK SANDBOX";

export const networkConnect: Command = async (args, ctx) => {
  const p = parse(args, { ip: { type: "string" }, ip6: { type: "string" }, alias: { type: "string", multiple: true } }, USAGE);
  needPositionals(p, 2, 2, USAGE);
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
