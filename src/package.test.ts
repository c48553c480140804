// The npm package as a user gets it: packed from a clean copy of the repository, installed with no network
// into a fresh project, the README's library example and a driver of the user's own compiled in strict
// mode against the published types, then run against the kernel (root) with scratch directories.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { rootOnly, tryRun } from "./testing/kernel.js";
import { cleanCopy, consumerProject, pack, type Packed } from "./testing/npm-package.js";
import { CUSTOM_DRIVER_SOURCE, TSCONFIG } from "./testing/package-consumer.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const README_SUBNET = "10.249.77";
const DRIVER_SUBNET = "10.249.78";

/** The README's library example, with scratch directories, no firewall and a subnet of the test's own. */
function readmeExample(scratch: string): string {
  const readme = readFileSync(join(repo, "README.md"), "utf8");
  const block = /```ts\n(import \{ Controller \} from "libnetwork";\n[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block !== undefined, "README.md has the library example");
  const options = JSON.stringify({
    dataDir: join(scratch, "data"), netnsDir: join(scratch, "netns"), etcNetnsDir: join(scratch, "netns-etc"),
    hostResolvConf: join(scratch, "resolv.conf"), firewall: "none",
  });
  const replace = (text: string, from: string, to: string): string => {
    assert.equal(text.split(from).length, 2, `the README example has ${from} once`);
    return text.replace(from, to);
  };
  let code = replace(block, `{ dataDir: "/var/lib/dnet" }`, `${options} as const`);
  code = replace(code, `"10.10.0.0/24"`, `"${README_SUBNET}.0/24"`);
  return replace(code, `"10.10.0.1"`, `"${README_SUBNET}.1"`);
}

/** Host interfaces holding an address of `subnet` (x.y.z): what the examples' networks leave behind, if anything. */
function hostLinksIn(subnet: string): string[] {
  const links = JSON.parse(execFileSync("ip", ["-j", "-4", "addr", "show"], { encoding: "utf8" })) as Array<{ ifname: string; addr_info: Array<{ local: string }> }>;
  return links.filter((l) => l.addr_info.some((a) => a.local.startsWith(`${subnet}.`))).map((l) => l.ifname);
}

function unmountUnder(dir: string): void {
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "")
    .filter((m) => m.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
  for (const m of mounts) tryRun("umount", ["-l", m]);
}

describe("the npm package", () => {
  const work = mkdtempSync(join(tmpdir(), "dnet-package-"));
  const consumer = join(work, "consumer");
  let packed: Packed;

  before(() => {
    mkdirSync(join(work, "clone"));
    mkdirSync(consumer);
    cleanCopy(repo, join(work, "clone"));
    packed = pack(join(work, "clone"), work);
  });

  after(() => {
    unmountUnder(work);
    rmSync(work, { recursive: true, force: true });
  });

  it("holds the compiled library, its types, the prebuilt addon and the sources to rebuild it, and no tests", () => {
    const files = new Set(packed.files);
    for (const f of ["package.json", "README.md", "dist/src/index.js", "dist/src/index.d.ts", "dist/src/driver-api.d.ts",
      "dist/src/ipam-api.d.ts", "dist/src/osl.d.ts", "dist/src/cli/main.js", "prebuilds/linux-x64/libnetwork.glibc.node",
      "binding.gyp", "native-src/nsnl.c", "scripts/addon-build.mjs", "docs/http-api.md", "docs/openapi.json"]) {
      assert.ok(files.has(f), `the package has ${f}`);
    }
    const unwanted = packed.files.filter((f) =>
      /\.test\.|^dist\/src\/testing\/|testdata\/|test-upstream|testing-topology|\.map$|^src\/|^bench\/|^dist\/(bench|scripts|examples)\/|^docs\/api\//.test(f));
    assert.deepEqual(unwanted, [], "tests, test helpers, source maps, TypeScript sources, benchmarks, the generated API reference");
  });

  it("installs from the tarball with no network, and its install script keeps the prebuilt addon", () => {
    consumerProject(repo, packed.tarball, consumer);
    const installed = join(consumer, "node_modules", "libnetwork");
    const install = spawnSync(process.execPath, [join(installed, "scripts", "addon-build.mjs"), "install"], { cwd: installed, encoding: "utf8" });
    assert.equal(install.status, 0, install.stderr);
    assert.match(install.stderr, /using the prebuild prebuilds\/linux-x64\/libnetwork\.glibc\.node/);
    assert.ok(!existsSync(join(installed, "build")), "nothing compiled");
    const loaded = execFileSync(process.execPath, ["--input-type=module", "-e",
      `import { createRequire } from "node:module"; const r = createRequire(import.meta.url);
       console.log(r("node-gyp-build").resolve(r.resolve("libnetwork/package.json").replace(/package\\.json$/, "")))`],
    { cwd: consumer, encoding: "utf8" });
    assert.match(loaded.trim(), /node_modules\/libnetwork\/prebuilds\/linux-x64\/libnetwork\.glibc\.node$/);
    assert.ok(existsSync(join(consumer, "node_modules", ".bin", "dnet")), "the dnet command is linked");
  });

  it("compiles the README example and a custom driver in strict mode against the published types", () => {
    const scratch = join(work, "scratch");
    mkdirSync(scratch, { recursive: true });
    writeFileSync(join(scratch, "resolv.conf"), "nameserver 192.0.2.53\n");
    writeFileSync(join(consumer, "readme.ts"), readmeExample(join(scratch, "readme")));
    writeFileSync(join(consumer, "driver.ts"), CUSTOM_DRIVER_SOURCE(join(scratch, "driver"), join(scratch, "resolv.conf"), DRIVER_SUBNET));
    writeFileSync(join(consumer, "tsconfig.json"), JSON.stringify(TSCONFIG(join(repo, "node_modules", "@types")), null, 2));
    const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");
    execFileSync(process.execPath, [tsc, "-p", consumer], { cwd: consumer, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    assert.ok(existsSync(join(consumer, "readme.js")) && existsSync(join(consumer, "driver.js")));
  });

  it("runs the README example, which leaves nothing behind", rootOnly, () => {
    const scratch = join(work, "scratch", "readme");
    const out = execFileSync(process.execPath, ["readme.js"], { cwd: consumer, encoding: "utf8", timeout: 60_000 });
    assert.match(out, new RegExp(`^${README_SUBNET.replaceAll(".", "\\.")}\\.2/24 \\[\\s*\\{[^]*Proto: 'tcp'[^]*HostPort: 8080`));
    assert.deepEqual(readdirSync(join(scratch, "netns")), [], "no sandbox netns left");
    assert.deepEqual(readdirSync(join(scratch, "netns-etc")), [], "no sandbox files left");
    assert.deepEqual(hostLinksIn(README_SUBNET), [], "no bridge left");
  });

  it("runs a driver written against libnetwork/driver-api and libnetwork/osl", rootOnly, () => {
    const out = execFileSync(process.execPath, ["driver.js"], { cwd: consumer, encoding: "utf8", timeout: 60_000 });
    const seen = JSON.parse(out) as { address: string; inSandbox: string[]; ifname: string; hostEnd: string };
    assert.equal(seen.address, `${DRIVER_SUBNET}.2/24`);
    assert.equal(seen.ifname, "eth0");
    assert.deepEqual(seen.inSandbox, [`${DRIVER_SUBNET}.2/24`], "the address, read back through libnetwork/osl");
    assert.deepEqual(readdirSync(join(work, "scratch", "driver", "netns")), []);
    assert.equal(tryRun("ip", ["link", "show", seen.hostEnd]), undefined, "the host end of the pair is gone");
  });
});
