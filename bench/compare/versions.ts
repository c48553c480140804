// Machine description and the version of every peer, read from the programs themselves.

import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { readFileSync } from "node:fs";
import { AARDVARK, NETAVARK } from "./netavark.js";

function out(cmd: string, args: readonly string[]): string {
  try { return execFileSync(cmd, [...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim().split("\n")[0] ?? ""; } catch { return "not installed"; }
}

export function collectMachine(): Record<string, string> {
  return {
    kernel: out("uname", ["-r"]),
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: /PRETTY_NAME="([^"]+)"/.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "?",
    node: process.version,
  };
}

export function collectVersions(): Record<string, string> {
  let dnet = "?";
  try { dnet = (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version; } catch { /* keep ? */ }
  return {
    dnet: `${dnet} (git ${out("git", ["-C", new URL("../../../", import.meta.url).pathname, "rev-parse", "--short", "HEAD"])})`,
    docker: out("dockerd", ["--version"]),
    containerd: out("containerd", ["--version"]),
    netavark: out(NETAVARK, ["--version"]),
    "aardvark-dns": out(AARDVARK, ["--version"]),
    "CNI plugins": `containernetworking-plugins ${out("dpkg-query", ["-W", "-f=${Version}", "containernetworking-plugins"])}`,
    nftables: out("nft", ["--version"]),
    iptables: out("iptables", ["--version"]),
  };
}
