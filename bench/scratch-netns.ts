// Runs a bench file again inside a scratch network namespace that plays the host (its bridges, veths,
// nft table and sysctls live and die there), passing its output through; deletes the netns afterwards.

import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";

/** Re-executes `file` (with `args`) under `ip netns exec`, with `insideFlag`=1 in its environment. */
export async function rerunInScratchNetns(file: string, insideFlag: string, prefix: string, args: readonly string[] = []): Promise<void> {
  const ns = `${prefix}-${randomBytes(3).toString("hex")}`;
  execFileSync("ip", ["netns", "add", ns]);
  try {
    execFileSync("ip", ["-n", ns, "link", "set", "lo", "up"]);
    const child = spawn("ip", ["netns", "exec", ns, process.execPath, ...process.execArgv, file, ...args], {
      stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, [insideFlag]: "1" },
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    if (code !== 0) throw new Error(`${file} failed inside netns ${ns} (exit ${String(code)})`);
  } finally {
    execFileSync("ip", ["netns", "del", ns]);
  }
}
