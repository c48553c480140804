// The original libnetwork README example (mid-2015 API), step for step in TypeScript. Run it as root:
//   npm run build && node dist/examples/readme.js
// It uses the default directories (/var/lib/dnet, /run/netns/container1, /etc/netns/container1) like the
// README's `libnetwork.New()`, and removes what it made when done (the README stops after DriverInfo).

import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  JoinOptionDomainname, JoinOptionHostname, New, PORTMAP_KEY,
  type ControllerOptions, type Endpoint, type Network, type NetworkController,
} from "../src/index.js";

/** netlabel.GenericData: the key under which driver options travel. */
const GENERIC_DATA = "com.docker.network.generic";

export interface ReadmeRun {
  readonly controller: NetworkController;
  readonly network: Network;
  readonly endpoint: Endpoint;
  /** The lines the example printed. */
  readonly output: readonly string[];
  /** Not in the README: leave, delete everything it made and stop the controller. */
  cleanup(): Promise<void>;
}

/**
 * The README's flow. `networkType` is the README's "bridge" when run as a program; tests pass another
 * driver and scratch directories through `options`. On failure, whatever was made is removed again.
 */
export async function runReadmeExample(networkType = "bridge", options: ControllerOptions = {}, print: (line: string) => void = console.log): Promise<ReadmeRun> {
  const output: string[] = [];
  const undo: Array<() => Promise<void>> = [];
  /** Undoes in reverse, every step even when one fails (so the controller is always stopped). */
  const cleanup = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const step of undo.splice(0).reverse()) await step().catch((err: unknown) => errors.push(err));
    if (errors.length > 0) throw errors[0];
  };

  // Create a new controller instance
  const controller = await New(options);
  undo.push(() => controller.Stop());
  try {
    // Select and configure the network driver
    const driverOptions = {}; // options.Generic{}
    const genericOption: Record<string, unknown> = {};
    genericOption[GENERIC_DATA] = driverOptions;
    await controller.ConfigureNetworkDriver(networkType, genericOption);

    // Create a network for containers to join.
    // NewNetwork accepts optional arguments that libnetwork and drivers can make use of.
    const network = await controller.NewNetwork(networkType, "network1");
    undo.push(() => network.Delete());

    // For each new container: allocate IP and interfaces. The returned network settings will be used
    // for container infos (inspect and such), as well as firewall rules for port publishing. This info
    // is contained or accessible from the returned endpoint.
    const ep = await network.CreateEndpoint("Endpoint1");
    undo.push(() => ep.Delete());

    // A container can join the endpoint by providing the container ID to the join API, which creates
    // (or reuses) the sandbox of that container. Join accepts optional arguments.
    undo.push(async () => { await controller.sandboxes().find((s) => s.ContainerID() === "container1")?.Delete(); });
    await ep.Join("container1", JoinOptionHostname("test"), JoinOptionDomainname("docker.io"));
    undo.push(() => ep.Leave("container1"));

    // A libnetwork client can check the endpoint's operational data via the DriverInfo() API.
    const epInfo = ep.DriverInfo();
    const mapData = epInfo[PORTMAP_KEY];
    if (mapData !== undefined) {
      if (Array.isArray(mapData)) {
        const line = `Current port mapping for endpoint ${ep.Name()}: ${JSON.stringify(mapData)}`;
        output.push(line);
        print(line);
      }
    }
    return { controller, network, endpoint: ep, output, cleanup };
  } catch (err) {
    await cleanup().catch(() => {});
    throw err;
  }
}

async function main(): Promise<void> {
  const run = await runReadmeExample();
  await run.cleanup();
}

const invokedAsProgram = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedAsProgram) {
  main().catch((err: unknown) => {
    console.error(`Error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
