// The drift check: `nft -j list table` of our tables compared with the tables and elements we want, and the coexistence rules.

import type { FirewallNetwork } from "./contract.js";
import { parseListedTable, tableDrift } from "./drift.js";
import { CommandError, type CommandRunner } from "./exec.js";
import type { IptablesCompat } from "./iptables-compat.js";
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

/**
 * Every difference between the kernel and what `nets` need: our `tables` (none when they are trusted as
 * they are) and the coexistence rules. The listings run at once: a repair waits on the slowest, not the sum.
 */
export async function driftProblems(run: CommandRunner, tables: readonly NftTableSpec[], elements: ElementsBySet,
  nets: readonly FirewallNetwork[], compat: IptablesCompat | undefined): Promise<string[]> {
  const lists = await Promise.all([
    ...tables.map((t) => tableProblems(run, t, elements, nets.length > 0)),
    compat !== undefined && nets.length > 0 ? compat.drift(nets) : Promise.resolve([]),
  ]);
  return lists.flat();
}
