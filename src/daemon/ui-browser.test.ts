// `dnet daemon --ui` in a real browser: a daemon in a scratch netns serves the page, headless Chromium in
// that netns opens it, the page draws what exists, then shows a network and a sandbox made after it opened
// (live, from the event stream), and a screenshot is taken. Skipped, saying why, without chromium.

import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { HeadlessChromium, findChromium } from "../testing/headless-chromium.js";
import { rootOnly } from "../testing/kernel.js";
import { DNET_MAIN, TestDaemon, runCmd } from "../testing/test-daemon.js";

const CHROMIUM = findChromium();
const UI = "127.0.0.1:8080";
const skip = CHROMIUM === undefined ? "chromium is not installed (apt-get install chromium)" : rootOnly.skip;

describe("daemon --ui page in headless Chromium (root)", { skip, timeout: 60_000 }, () => {
  // The daemon's netns is its own, so a fixed port cannot collide with anything.
  const d = new TestDaemon(["--ui", UI]);
  const shots = mkdtempSync("/tmp/dnet-ui-shot-");
  let browser: HeadlessChromium | undefined;
  before(async () => {
    await d.start();
    browser = await HeadlessChromium.launch({ binary: CHROMIUM as string, netns: `/run/netns/${d.hostNetns}`, width: 1280, height: 760 });
  });
  after(async () => {
    await browser?.close();
    await d.cleanup();
    rmSync(shots, { recursive: true, force: true });
  });

  const page = (): HeadlessChromium => browser as HeadlessChromium;
  const drawn = (kind: "network" | "sandbox", name: string): string => `document.querySelector('#topology g.${kind}[data-name="${name}"]')`;

  it("shows what exists, then what is made after it opened, and reads well in a screenshot", async () => {
    await d.client.createNetwork({ Name: "frontend", IPAM: { Config: [{ Subnet: "10.81.0.0/24" }] } });
    await d.client.createSandbox({ Name: "web", Networks: [{ Network: "frontend", Aliases: [] }], PortBindings: [{ Proto: "tcp", Port: 80, HostPort: 8081 }] });
    await page().navigate(`http://${UI}/`);
    await page().waitFor(`document.documentElement.dataset.live === "yes"`, "the page to draw the state and open the event stream");
    assert.ok(await page().evaluate<boolean>(`Boolean(${drawn("network", "frontend")} && ${drawn("sandbox", "web")})`), "drawn at load");
    const networks = (await d.client.listNetworks()).length;
    assert.equal(await page().evaluate<string>(`document.getElementById("m-networks").textContent`), String(networks), "the daemon's own count");

    // Made after the page opened: only the event stream can tell it.
    const renders = Number(await page().evaluate<string>("document.documentElement.dataset.renders"));
    await d.client.createNetwork({ Name: "backend", Internal: true, IPAM: { Config: [{ Subnet: "10.82.0.0/24" }] } });
    await page().waitFor(drawn("network", "backend"), "the network made after the page opened");
    await d.client.createSandbox({ Name: "db", Networks: [{ Network: "backend", Aliases: [] }] });
    await d.client.connect("backend", { Container: "web" });
    await page().waitFor(`${drawn("sandbox", "db")} && document.querySelector('#topology g.link[data-network="backend"][data-sandbox="web"]')`, "the sandbox and the connect");
    assert.ok(Number(await page().evaluate<string>("document.documentElement.dataset.renders")) > renders);
    await page().waitFor(`document.getElementById("m-networks").textContent === "${networks + 1}" && document.getElementById("m-sandboxes").textContent === "2"`, "the metrics to follow");
    const events = await page().evaluate<string>(`document.getElementById("events").textContent`);
    assert.match(events, /create backend/);

    const png = `${shots}/ui.png`;
    const bytes = await page().screenshot(png);
    assert.ok(statSync(png).size === bytes && bytes > 20_000, `a real picture, not a blank page: ${bytes} bytes`);
    if (process.env["DNET_UI_SCREENSHOT"] !== undefined) copyFileSync(png, process.env["DNET_UI_SCREENSHOT"]);
  });

  it("serves nothing but GET and HEAD on that port", () => {
    const code = d.inHost("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-d", "{\"Name\":\"x\"}", `http://${UI}/networks/create`]);
    assert.equal(code, "405");
  });

  it("refuses to start with --ui on an address that is not loopback, before opening anything", async () => {
    // In the scratch netns, so that a daemon that wrongly started would not touch the host.
    const other = `${d.tmp}/other`;
    const r = await runCmd("nsenter", [`--net=/run/netns/${d.hostNetns}`, process.execPath, DNET_MAIN, "daemon", "--ui", "0.0.0.0:8080",
      "--socket", `${other}.sock`, "--data-dir", `${other}-data`, "--netns-dir", `${other}-netns`], process.env, 20_000);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /0\.0\.0\.0:8080 is not a loopback address.*--ui-allow-remote/);
    assert.ok(!existsSync(`${other}.sock`) && !existsSync(`${other}-data`), "nothing was created");
  });
});
