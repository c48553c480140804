// Runs a bench file again inside a scratch network namespace that plays the host (its bridges, veths,
// nft table and sysctls live and die there), passing its output through; deletes the netns afterwards.

import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";

/**
 * Re-executes `file` (with `args`) under `ip netns exec`, with `insideFlag`=1 in its environment; `nofile`
 * raises its open-files limit (thousands of sandboxes hold a netns, a netlink socket and DNS sockets each,
 * as a daemon under contrib/dnet.service's LimitNOFILE may).
 */
export async function rerunInScratchNetns(file: string, insideFlag: string, prefix: string, args: readonly string[] = [], nofile?: number): Promise<void> {
  const ns = `${prefix}-${randomBytes(3).toString("hex")}`;
  execFileSync("ip", ["netns", "add", ns]);
  try {
    execFileSync("ip", ["-n", ns, "link", "set", "lo", "up"]);
    const command = ["ip", "netns", "exec", ns, process.execPath, ...process.execArgv, file, ...args];
    const limited = nofile === undefined ? command : ["prlimit", `--nofile=${nofile}:${nofile}`, ...command];
    const child = spawn(limited[0] as string, limited.slice(1), {
      stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, [insideFlag]: "1" },
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    if (code !== 0) throw new Error(`${file} failed inside netns ${ns} (exit ${String(code)})`);
  } finally {
    execFileSync("ip", ["netns", "del", ns]);
  }
}
