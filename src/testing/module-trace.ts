// `node --import …/module-trace.js`: records the URL of every module the process loads through the ESM
// loader into the file named by DNET_MODULE_TRACE, one per line (what "loads only what it needs" is checked with).

import { register } from "node:module";

// The hooks run on the loader's own thread; they read the target file from the environment there.
register(new URL("./module-trace-hooks.js", import.meta.url));
