// Child process of the bridge driver's root e2e tests (src/drivers/bridge/e2e-*.test.ts), run as
// `ip netns exec H node bridge-scenario.js NAME CONFIG_JSON` by ScratchHost (bridge-topology.ts), so the
// controller's "host" is the scratch netns H. It builds one scenario through the public API, probes it
// with independent tools, tears everything down, and prints `REPORT <json>` (observations only: the
// tests hold the expectations). Echo servers it starts are announced as `PID <n>` lines.

import { lifecycleScenarios } from "./bridge-scenarios-life.js";
import { connectivityScenario } from "./bridge-scenarios-net.js";
import { portBridgesScenario } from "./bridge-scenarios-portbr.js";
import { portsScenario } from "./bridge-scenarios-ports.js";
import type { ScenarioConfig } from "./bridge-topology.js";
import { World } from "./bridge-world.js";

const SCENARIOS: Readonly<Record<string, (w: World) => Promise<void>>> = {
  connectivity: connectivityScenario,
  ports: portsScenario,
  "port-bridges": portBridgesScenario,
  ...lifecycleScenarios,
};

async function main(): Promise<void> {
  const [name = "", json = "{}"] = process.argv.slice(2);
  const scenario = SCENARIOS[name];
  if (scenario === undefined) throw new Error(`unknown scenario ${JSON.stringify(name)} (have: ${Object.keys(SCENARIOS).join(", ")})`);
  const w = await World.open(JSON.parse(json) as ScenarioConfig);
  let failure: unknown;
  try {
    await scenario(w);
  } catch (err) {
    failure = err;
  }
  try {
    await w.close();
  } catch (err) {
    failure ??= err;
  }
  if (failure !== undefined) throw failure;
  process.stdout.write(`REPORT ${JSON.stringify(w.obs)}\n`);
}

await main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
