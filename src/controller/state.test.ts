// Unit tests of ControllerState's endpoint name index (no root): a name is taken per network, follows a
// rename, is freed by a delete, and is rebuilt by a load from the store.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStore } from "../store/index.js";
import type { EndpointRecord } from "./records.js";
import { ControllerState, change } from "./state.js";

function endpoint(id: string, networkId: string, name: string): EndpointRecord {
  return {
    id, name, networkId, created: "2025-01-01T00:00:00.000Z", portBindings: [], aliases: [], options: {}, anonymous: false,
    staticRoutes: [], disableGatewayService: false, state: "ready",
  };
}

describe("ControllerState endpoint names", () => {
  it("a name is taken in its own network only, until the endpoint is deleted", async () => {
    const state = new ControllerState(new MemoryStore());
    await state.putEndpoint(endpoint("e1", "n1", "web"));
    assert.equal(state.hasEndpointNamed("n1", "web"), true);
    assert.equal(state.hasEndpointNamed("n2", "web"), false);
    assert.equal(state.hasEndpointNamed("n1", "we"), false);
    await state.apply([change.endpoint("n1", "e1", undefined)]);
    assert.equal(state.hasEndpointNamed("n1", "web"), false);
  });

  it("a rename frees the old name and takes the new one; a name two records share stays taken until both go", async () => {
    const state = new ControllerState(new MemoryStore());
    await state.putEndpoint(endpoint("e1", "n1", "old"));
    await state.putEndpoint({ ...endpoint("e1", "n1", "new") });
    assert.equal(state.hasEndpointNamed("n1", "old"), false);
    assert.equal(state.hasEndpointNamed("n1", "new"), true);
    // Records written by an older version may share a name: the index must not forget it with the first.
    await state.putEndpoint(endpoint("e2", "n1", "new"));
    await state.apply([change.endpoint("n1", "e1", undefined)]);
    assert.equal(state.hasEndpointNamed("n1", "new"), true);
    await state.apply([change.endpoint("n1", "e2", undefined)]);
    assert.equal(state.hasEndpointNamed("n1", "new"), false);
  });

  it("names come back with the records loaded from the store", async () => {
    const store = new MemoryStore();
    await new ControllerState(store).putEndpoint(endpoint("e1", "n1", "db"));
    const loaded = new ControllerState(store);
    await loaded.load();
    assert.equal(loaded.hasEndpointNamed("n1", "db"), true);
  });
});
