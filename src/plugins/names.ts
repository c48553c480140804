// Plugin names: what may name a plugin (it becomes a file name under the plugin directories).

import { PluginError, PluginErrorCodes } from "./errors.js";

/** Letters, digits, '.', '_' and '-', starting with a letter or digit: never a path. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** The name, or an invalid-argument error saying what a plugin name may hold. */
export function validatePluginName(name: string): string {
  if (typeof name === "string" && NAME.test(name)) return name;
  throw new PluginError("invalid-argument", PluginErrorCodes.invalidName,
    `invalid plugin name ${JSON.stringify(name)}: a plugin name is 1–128 letters, digits, '.', '_' or '-' ` +
    "starting with a letter or digit (no '/' or other path characters)", { plugin: String(name) });
}
