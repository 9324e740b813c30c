import assert from "node:assert/strict";
import { createLobbyHub } from "./lobby_hub.ts";
import { silentLogger } from "./log.ts";
import { createLobbyMetrics } from "./lobby_metrics.ts";
import { createMemoryRegistry } from "./memory_registry.ts";
import { createRoomRegistry } from "./room_registry.ts";

function setup() {
  const rooms = createRoomRegistry();
  const hub = createLobbyHub(rooms, silentLogger, { tickMs: 0 });
  const metrics = createLobbyMetrics();
  const registry = createMemoryRegistry({ hub, rooms, metrics });
  const inbox = new Map<string, string[]>();
  const join = () => {
    const r = registry.connect();
    assert.equal(r.ready, null);
    inbox.set(r.id, []);
    hub.attach(r.id, (t) => inbox.get(r.id)!.push(t));
    return r.id;
  };
  const types = (id: string) => inbox.get(id)!.map((t) => JSON.parse(t).type);
  return { registry, hub, metrics, join, types };
}

Deno.test("steps complete synchronously and reach the hub", () => {
  const { registry, join, types, metrics } = setup();
  const a = join();
  const b = join();
  assert.equal(registry.handle(a, { type: "create", name: "R" }), undefined);
  registry.handle(b, { type: "join", room: registry.publicRooms()[0].id });
  assert.deepEqual(types(a), ["joined", "room", "paired", "room"]);
  assert.deepEqual(types(b), ["room", "joined", "paired", "room"]);
  assert.deepEqual(registry.roomStates(), { open: 0, full: 1, playing: 0 });
  assert.equal(registry.localPlayers(), 2);
  assert.equal(metrics.pairings.get(), 1);
  registry.disconnect(b);
  assert.deepEqual(types(a).slice(-2), ["peer-left", "room"]);
  assert.deepEqual(registry.status(), { ready: true, detail: "in-memory registry" });
});

Deno.test("after close, steps do nothing and the registry is not ready", async () => {
  const { registry, join, types } = setup();
  const a = join();
  const b = join();
  registry.handle(a, { type: "create", name: "R" });
  registry.handle(b, { type: "join", room: registry.publicRooms()[0].id });
  await registry.close();
  registry.disconnect(a);
  registry.handle(b, { type: "ping" });
  assert.equal(types(b).includes("peer-left"), false);
  assert.equal(types(b).includes("pong"), false);
  assert.equal((await registry.status()).ready, false);
});
