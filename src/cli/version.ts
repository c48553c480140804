// `dnet version`: the client's version, and the daemon's when it answers.

import { API_VERSION, DNET_VERSION } from "../api/dto.js";
import type { Command } from "./common.js";

export const version: Command = async (_p, ctx) => {
  const lines = ["Client:", ` Version:     ${DNET_VERSION}`, ` API version: ${API_VERSION}`, ` Node:        ${process.version}`];
  try {
    const v = await ctx.client().version();
    lines.push("", "Server:", ` Version:     ${v.Version}`, ` API version: ${v.ApiVersion} (minimum ${v.MinAPIVersion})`, ` Kernel:      ${v.KernelVersion}`);
    ctx.out(lines.join("\n"));
    return 0;
  } catch (err) {
    ctx.out(lines.join("\n"));
    throw err;
  }
};
