// Test harness: Debian's headless Chromium, optionally inside a network namespace, driven over the DevTools
// protocol on a pipe (`--remote-debugging-pipe`: NUL-terminated JSON on fds 3 and 4, so no WebSocket
// client is needed on Node 20). Its profile and HOME are a temp dir; close() ends it by its process group.

import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Readable, Writable } from "node:stream";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** The chromium binary, or undefined when it is not installed (tests then skip, saying why). */
export function findChromium(): string | undefined {
  return CANDIDATES.find((p) => {
    try { accessSync(p, constants.X_OK); return true; } catch { return false; }
  });
}

interface Pending { resolve(v: unknown): void; reject(e: Error): void; method: string }

export interface ChromiumOptions {
  readonly binary: string;
  /** `/run/netns/NAME`: run the browser in that network namespace (where the page's server listens). */
  readonly netns?: string;
  readonly width?: number;
  readonly height?: number;
}

export class HeadlessChromium {
  readonly #proc: ChildProcess;
  readonly #dir: string;
  readonly #pending = new Map<number, Pending>();
  /** Callbacks waiting for the next DevTools event of a method (e.g. Page.loadEventFired). */
  readonly #eventWaiters = new Map<string, Array<() => void>>();
  #nextId = 1;
  #session = "";
  #stderr = "";

  private constructor(proc: ChildProcess, dir: string) {
    this.#proc = proc;
    this.#dir = dir;
    let buf = Buffer.alloc(0);
    (proc.stdio[4] as Readable).on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      let nul: number;
      while ((nul = buf.indexOf(0)) >= 0) {
        this.#receive(buf.subarray(0, nul).toString("utf8"));
        buf = buf.subarray(nul + 1);
      }
    });
    proc.stderr?.on("data", (c: Buffer) => { this.#stderr = (this.#stderr + c.toString()).slice(-4000); });
    proc.once("exit", (code, signal) => {
      for (const p of this.#pending.values()) p.reject(new Error(`chromium exited (${code ?? signal}) during ${p.method}: ${this.#stderr}`));
      this.#pending.clear();
    });
  }

  /** Starts the browser with a blank page of width × height and attaches to that page. */
  static async launch(o: ChromiumOptions): Promise<HeadlessChromium> {
    const dir = mkdtempSync("/tmp/dnet-chromium-");
    const flags = [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
      `--user-data-dir=${dir}/profile`, `--window-size=${o.width ?? 1280},${o.height ?? 900}`, "--remote-debugging-pipe", "about:blank",
    ];
    const argv = o.netns === undefined ? [o.binary, ...flags] : ["nsenter", `--net=${o.netns}`, o.binary, ...flags];
    // Its own process group, so close() can end the helpers (zygote, renderer) with it, by the group's id.
    const proc = spawn(argv[0] as string, argv.slice(1), {
      stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"], detached: true,
      env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: `${dir}/config`, XDG_CACHE_HOME: `${dir}/cache` },
    });
    const browser = new HeadlessChromium(proc, dir);
    try {
      const { targetInfos } = await browser.send("Target.getTargets") as { targetInfos: Array<{ targetId: string; type: string }> };
      const page = targetInfos.find((t) => t.type === "page");
      const { targetId } = page ?? await browser.send("Target.createTarget", { url: "about:blank" }) as { targetId: string };
      browser.#session = (await browser.send("Target.attachToTarget", { targetId, flatten: true }) as { sessionId: string }).sessionId;
      await browser.send("Page.enable");
      await browser.send("Emulation.setDeviceMetricsOverride", { width: o.width ?? 1280, height: o.height ?? 900, deviceScaleFactor: 1, mobile: false });
    } catch (err) {
      await browser.close();
      throw err;
    }
    return browser;
  }

  get pid(): number | undefined {
    return this.#proc.pid;
  }

  #receive(text: string): void {
    const msg = JSON.parse(text) as { id?: number; method?: string; result?: unknown; error?: { message: string } };
    if (msg.id === undefined) {
      const waiters = msg.method === undefined ? undefined : this.#eventWaiters.get(msg.method);
      if (waiters !== undefined) { this.#eventWaiters.delete(msg.method as string); for (const w of waiters) w(); }
      return;
    }
    const p = this.#pending.get(msg.id);
    if (p === undefined) return;
    this.#pending.delete(msg.id);
    if (msg.error !== undefined) p.reject(new Error(`${p.method}: ${msg.error.message}`));
    else p.resolve(msg.result);
  }

  /** One DevTools command, to the attached page (or the browser before attaching, or for Target.*). */
  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.#nextId++;
    const sessionId = this.#session !== "" && !method.startsWith("Target.") && !method.startsWith("Browser.") ? { sessionId: this.#session } : {};
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, method });
      (this.#proc.stdio[3] as Writable).write(`${JSON.stringify({ id, method, params, ...sessionId })}\0`);
    });
  }

  /** Resolves at the next event of `method`; rejects after `timeoutMs`. */
  #nextEvent(method: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} within ${timeoutMs} ms`)), timeoutMs);
      const list = this.#eventWaiters.get(method) ?? [];
      list.push(() => { clearTimeout(timer); resolve(); });
      this.#eventWaiters.set(method, list);
    });
  }

  /** Opens `url` and returns once the page has loaded, so that its document exists for evaluate(). */
  async navigate(url: string, timeoutMs = 15_000): Promise<void> {
    const loaded = this.#nextEvent("Page.loadEventFired", timeoutMs);
    const r = await this.send("Page.navigate", { url }) as { errorText?: string };
    if (r.errorText !== undefined) {
      loaded.catch(() => { /* no load is coming */ });
      throw new Error(`navigating to ${url}: ${r.errorText}`);
    }
    await loaded;
  }

  /** The value of a page expression (awaited when it is a promise). */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true }) as {
      result: { value?: T }; exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (r.exceptionDetails !== undefined) throw new Error(`${expression}: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /**
   * Polls a page expression until it is truthy; throws with `what` after `timeoutMs`. An expression that
   * throws counts as not yet (the page may still be replacing its document), and its error is reported
   * if the time runs out.
   */
  async waitFor(expression: string, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let last = "";
      try {
        if (await this.evaluate<boolean>(`Boolean(${expression})`)) return;
      } catch (err) {
        last = `: ${(err as Error).message}`;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${expression})${last}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A PNG of the whole page (not only the window) into `path`; returns its size in bytes. */
  async screenshot(path: string): Promise<number> {
    const { cssContentSize: size } = await this.send("Page.getLayoutMetrics") as { cssContentSize: { width: number; height: number } };
    const clip = { x: 0, y: 0, width: Math.ceil(size.width), height: Math.ceil(size.height), scale: 1 };
    const { data } = await this.send("Page.captureScreenshot", { format: "png", clip, captureBeyondViewport: true }) as { data: string };
    const png = Buffer.from(data, "base64");
    writeFileSync(path, png);
    return png.length;
  }

  /** Asks the browser to quit, then ends its process group if it has not; removes the profile. */
  async close(): Promise<void> {
    const proc = this.#proc;
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((r) => proc.once("exit", () => r()));
      this.send("Browser.close").catch(() => { /* it is going away */ });
      const timer = setTimeout(() => { if (proc.pid !== undefined) try { process.kill(-proc.pid, "SIGKILL"); } catch { /* gone */ } }, 5_000);
      await exited;
      clearTimeout(timer);
    }
    // Helpers of the group that outlived the browser.
    if (proc.pid !== undefined) try { process.kill(-proc.pid, "SIGKILL"); } catch { /* none left */ }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
