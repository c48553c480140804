// One plugin as a client sees it: the `Plugin.Activate` handshake (once, again after a failure), and
// calls of its NetworkDriver and IpamDriver interfaces with their error answers turned into typed errors.

import { PluginError, PluginErrorCodes, kindOrInternal } from "./errors.js";
import type { ErrorCode } from "../errors/index.js";
import type { PluginTransport } from "./transport.js";

export const PluginInterfaces = Object.freeze({ network: "NetworkDriver", ipam: "IpamDriver" } as const);
export type PluginInterface = (typeof PluginInterfaces)[keyof typeof PluginInterfaces];

/** A JSON object answer (a `null` answer reads as an empty object). */
export type WireObject = Readonly<Record<string, unknown>>;

export class PluginClient {
  readonly name: string;
  readonly #transport: PluginTransport;
  #implements: Promise<readonly string[]> | undefined;

  constructor(transport: PluginTransport) {
    this.name = transport.name;
    this.#transport = transport;
  }

  /** Where the plugin was found (socket or spec file), for messages. */
  get source(): string {
    return this.#transport.location.source;
  }

  /** `Plugin.Activate`: the interfaces the plugin implements. Done once; a failed handshake is tried again next time. */
  activate(): Promise<readonly string[]> {
    this.#implements ??= this.#handshake().catch((err: unknown) => {
      this.#implements = undefined;
      throw err;
    });
    return this.#implements;
  }

  /** Activates and checks that the plugin implements `iface`. */
  async require(iface: PluginInterface): Promise<void> {
    const list = await this.activate();
    if (!list.includes(iface)) {
      throw new PluginError("not-found", PluginErrorCodes.notImplements,
        `plugin ${this.name} (${this.source}) does not implement ${iface} (it implements: ${list.join(", ") || "nothing"})`, { plugin: this.name });
    }
  }

  /** `NetworkDriver.<method>`; `{"Err": "…"}` rejects as Docker's `remote: …`. */
  network(method: string, body?: unknown): Promise<WireObject> {
    return this.#call(`${PluginInterfaces.network}.${method}`, body, ["Err"]);
  }

  /** `IpamDriver.<method>`; `{"Error": "…"}` (or `Err`) rejects as Docker's `remote: …`. */
  ipam(method: string, body?: unknown): Promise<WireObject> {
    return this.#call(`${PluginInterfaces.ipam}.${method}`, body, ["Error", "Err"]);
  }

  close(): void {
    this.#transport.close();
  }

  async #handshake(): Promise<readonly string[]> {
    const answer = await this.#transport.call("Plugin.Activate");
    const list = (answer as { Implements?: unknown } | null)?.Implements;
    if (!Array.isArray(list) || list.some((x) => typeof x !== "string")) {
      throw new PluginError("internal", PluginErrorCodes.badResponse,
        `plugin ${this.name}: Plugin.Activate answered ${JSON.stringify(answer)}, not {"Implements": [...]}`, { plugin: this.name, method: "Plugin.Activate" });
    }
    return Object.freeze([...list as string[]]);
  }

  async #call(method: string, body: unknown, errorFields: readonly string[]): Promise<WireObject> {
    const answer = ((await this.#transport.call(method, body)) ?? {}) as Record<string, unknown>;
    for (const field of errorFields) {
      const said = answer[field];
      if (typeof said === "string" && said !== "") throw remoteError(this.name, method, said, answer);
    }
    return answer;
  }
}

/** Docker's words (`remote: <message>`); dnet's servers add `Kind` and `Code`, kept when they are well formed. */
function remoteError(plugin: string, method: string, said: string, answer: Readonly<Record<string, unknown>>): PluginError {
  const code = typeof answer.Code === "string" && /^ERR_[A-Z0-9_]{1,64}$/.test(answer.Code) ? answer.Code : PluginErrorCodes.remote;
  // A dnet server's code is one of ours by construction; the check above keeps it well formed.
  return new PluginError(kindOrInternal(answer.Kind), code as ErrorCode, `remote: ${said}`, { plugin, method });
}
