// The drift check of one of our tables: `nft -j list table` compared with the table and elements we want.

import { parseListedTable, tableDrift } from "./drift.js";
import { CommandError, type CommandRunner } from "./exec.js";
import type { ElementsBySet, NftTableSpec } from "./nft-ast.js";

/** One line per difference; `wanted` false: the table should not exist at all. */
export async function tableProblems(run: CommandRunner, t: NftTableSpec, elements: ElementsBySet, wanted: boolean): Promise<string[]> {
  const id = `${t.family} ${t.name}`;
  let listed: string | undefined;
  try {
    listed = (await run("nft", ["-j", "list", "table", t.family, t.name])).stdout;
  } catch (err) {
    if (!(err instanceof CommandError && /No such file or directory/.test(err.stderr))) throw err;
  }
  if (listed === undefined) return wanted ? [`table ${id} is missing`] : [];
  if (!wanted) return [`table ${id} exists but no network is programmed`];
  return tableDrift(parseListedTable(listed), t, elements);
}
