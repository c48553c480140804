// Scratch network namespaces for the osl tests: made on demand, every handle closed and every namespace
// deleted after the suite, which fails if it leaves an fd open.

import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { after, before } from "node:test";
import { loadNative, type NativeAddon } from "../native/index.js";
import { HandleCache, NetnsDirectory, type NetnsHandle } from "../osl/index.js";
import { uniqueName } from "./kernel.js";

export interface ScratchNamespaces {
  /** A new netns (only lo, down) and a handle on it. */
  scratch(): { name: string; h: NetnsHandle };
  /** The suite's handles (valid from its `before` hooks on). */
  readonly cache: HandleCache;
  readonly native: NativeAddon;
}

const fdCount = (): number => readdirSync("/proc/self/fd").length;

/** Registers the calling suite's before/after hooks; call it at the top of a `describe`. */
export function useScratchNamespaces(): ScratchNamespaces {
  let state: { native: NativeAddon; dir: NetnsDirectory; cache: HandleCache; fdsBefore: number } | undefined;
  const names: string[] = [];
  const ready = (): NonNullable<typeof state> => {
    assert.ok(state !== undefined, "scratch namespaces are ready in the suite's tests and hooks after its first before");
    return state;
  };

  before(() => {
    const fdsBefore = fdCount();
    const native = loadNative();
    state = { native, dir: new NetnsDirectory(native), cache: new HandleCache(native), fdsBefore };
  });

  after(() => {
    if (state === undefined) return;
    state.cache.closeAll();
    for (const name of names) if (state.dir.exists(name)) state.dir.delete(name);
    assert.equal(fdCount(), state.fdsBefore, "no fd left open");
  });

  return {
    scratch() {
      const { dir, cache } = ready();
      const name = uniqueName("dnt");
      names.push(name);
      return { name, h: cache.get(dir.create(name)) };
    },
    get cache() { return ready().cache; },
    get native() { return ready().native; },
  };
}
