// Loader hooks of module-trace.ts: appends each loaded module's URL to the file named by DNET_MODULE_TRACE.

import { appendFileSync } from "node:fs";

interface LoadContext { readonly format?: string | null | undefined }
interface LoadResult { readonly format: string; readonly source?: unknown; readonly shortCircuit?: boolean }
type NextLoad = (url: string, context: LoadContext) => Promise<LoadResult>;

/** The `load` hook: called once per module (builtins included), before it is evaluated. */
export async function load(url: string, context: LoadContext, nextLoad: NextLoad): Promise<LoadResult> {
  const file = process.env["DNET_MODULE_TRACE"];
  // Synchronous, so a process that exits right after its last import still leaves every line behind.
  if (file !== undefined && file !== "") appendFileSync(file, `${url}\n`);
  return nextLoad(url, context);
}
