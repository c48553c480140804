// `dnet sandbox inspect [-f TEMPLATE] SANDBOX...`: the native sandbox JSON (an array), or each sandbox through
// a Go template (on its JSON: `{{.Key}}`, `{{range .Endpoints}}{{.IPv4Address}} {{end}}`).

import type { SandboxDto } from "../api/dto.js";
import { str, type Command } from "./common.js";
import { inspectEach } from "./refs.js";

export const sandboxInspect: Command = (p, ctx) =>
  inspectEach<SandboxDto>(p.positionals, (ref) => ctx.client().inspectSandbox(ref), str(p, "format"), ctx);
