import assert from "node:assert/strict";
import { parseServerMessage } from "../shared/lobby_protocol.ts";
import { createLobbyHub } from "./lobby_hub.ts";
import { createLogger, silentLogger } from "./log.ts";
import { createRoomRegistry, type RoomRegistry } from "./room_registry.ts";

function setup() {
  const registry = createRoomRegistry();
  const hub = createLobbyHub(registry, silentLogger, { tickMs: 0 });
  const inbox = new Map<string, string[]>();
  const join = () => {
    const { id } = registry.connect();
    inbox.set(id, []);
    hub.attach(id, (text) => inbox.get(id)!.push(text));
    return id;
  };
  return { registry, hub, inbox, join };
}

Deno.test("sends go to their player only; broadcasts to everyone attached", () => {
  const { registry, hub, inbox, join } = setup();
  const [a, b, c] = [join(), join(), join()];
  hub.deliver(registry.handle(a, { type: "create", name: "R", rid: 1 }));
  const types = (id: string) => inbox.get(id)!.map((t) => JSON.parse(t).type);
  assert.deepEqual(types(a), ["joined", "room"]);
  assert.deepEqual(types(b), ["room"]);
  assert.deepEqual(types(c), ["room"]);
  hub.detach(c);
  hub.deliver(registry.handle(a, { type: "ping" }));
  hub.deliver(registry.disconnect(c));
  hub.deliver(registry.handle(a, { type: "leave" }));
  assert.deepEqual(types(c), ["room"]);
  assert.deepEqual(types(b), ["room", "room-removed"]);
  assert.equal(hub.size, 2);
});

Deno.test("every delivered text is a valid server message", () => {
  const { registry, hub, inbox, join } = setup();
  const [a, b] = [join(), join()];
  hub.deliver(registry.handle(a, { type: "create", name: "R" }));
  const room = registry.roomOf(a)!;
  hub.deliver(registry.handle(b, { type: "join", room: room.id }));
  hub.deliver(registry.handle(a, { type: "signal", data: { kind: "offer", sdp: "v=0" } }));
  for (const texts of inbox.values()) {
    for (const t of texts) assert.ok(parseServerMessage(t).ok, t);
  }
});

Deno.test("the room snapshot is cached and refreshed on every list change", () => {
  const registry = createRoomRegistry();
  let listings = 0;
  const counting: RoomRegistry = {
    ...registry,
    publicRooms: () => (listings++, registry.publicRooms()),
  };
  const hub = createLobbyHub(counting, silentLogger, { tickMs: 0 });
  const { id } = registry.connect();
  const before = listings;
  assert.equal(hub.roomsMessage(), '{"type":"rooms","rooms":[],"total":0}');
  assert.equal(hub.roomsJson(), '{"rooms":[],"total":0}');
  hub.roomsMessage();
  assert.equal(listings - before, 1);
  hub.deliver(registry.handle(id, { type: "create", name: "R" }));
  const snapshot = JSON.parse(hub.roomsMessage());
  assert.equal(snapshot.rooms.length, 1);
  assert.deepEqual(JSON.parse(hub.roomsJson()).rooms, snapshot.rooms);
  assert.equal(listings - before, 2);
  // A private message changes no list and keeps the cache.
  hub.deliver(registry.handle(id, { type: "ping" }));
  hub.roomsJson();
  assert.equal(listings - before, 2);
});

Deno.test("a throwing sink does not stop a broadcast, and is logged", () => {
  const registry = createRoomRegistry();
  const logged: string[] = [];
  const hub = createLobbyHub(registry, createLogger("error", (line) => logged.push(line)), {
    tickMs: 0,
  });
  const texts: string[] = [];
  const { id: a } = registry.connect();
  const { id: broken } = registry.connect();
  const { id: c } = registry.connect();
  hub.attach(broken, () => {
    throw new Error("socket gone");
  });
  hub.attach(c, (t) => texts.push(t));
  hub.deliver(registry.handle(a, { type: "create", name: "R" }));
  assert.equal(texts.length, 1);
  assert.equal(JSON.parse(logged[0]).event, "sink-failed");
  assert.equal(JSON.parse(logged[0]).error, "socket gone");
});

Deno.test("sendText reaches attached players only; resync sends everyone a fresh snapshot", () => {
  const { registry, hub, inbox, join } = setup();
  const a = join();
  const b = join();
  assert.equal(hub.sendText(a, '{"type":"pong"}'), true);
  assert.equal(hub.sendText("nobody", '{"type":"pong"}'), false);
  assert.deepEqual(inbox.get(a), ['{"type":"pong"}']);
  assert.equal(hub.has(b), true);
  const before = hub.roomsMessage();
  // A change the hub did not see (as when a shared list is reloaded): resync refreshes the cache.
  registry.handle(a, { type: "create", name: "R" });
  assert.equal(hub.roomsMessage(), before);
  hub.resync();
  const snapshot = JSON.parse(inbox.get(b)!.at(-1)!);
  assert.equal(snapshot.type, "rooms");
  assert.equal(snapshot.rooms.length, 1);
  hub.detachAll();
  assert.equal(hub.size, 0);
  assert.equal(hub.sendText(a, "x"), false);
});

Deno.test("a delivery caused during a delivery goes out after it, to everyone in one order", () => {
  const { registry, hub, inbox, join } = setup();
  const [a, b] = [join(), join()];
  hub.deliver(registry.handle(a, { type: "create", name: "R" }));
  const room = registry.roomOf(a)!;
  // A's sink gives up on its first `paired`, the way a session closed for not reading does.
  hub.attach(a, (text) => {
    if (JSON.parse(text).type !== "paired") return;
    hub.detach(a);
    hub.deliver(registry.disconnect(a));
  });
  inbox.set(b, []);
  hub.deliver(registry.handle(b, { type: "join", room: room.id }));
  const types = inbox.get(b)!.map((t) => JSON.parse(t).type);
  assert.deepEqual(types, ["joined", "paired", "room", "peer-left", "room"]);
});

Deno.test("room changes wait for the tick, coalesced: a create-then-leave is never sent", () => {
  const registry = createRoomRegistry();
  const hub = createLobbyHub(registry, silentLogger, { tickMs: 60_000 });
  const seen: string[] = [];
  const [a, b, watcher] = [registry.connect().id, registry.connect().id, registry.connect().id];
  hub.attach(watcher, (t) => seen.push(JSON.parse(t).type));
  for (let i = 0; i < 50; i++) {
    hub.deliver(registry.handle(a, { type: "create", name: "Storm" }));
    hub.deliver(registry.handle(a, { type: "leave" }));
  }
  hub.deliver(registry.handle(b, { type: "create", name: "Kept" }));
  hub.deliver(registry.handle(a, { type: "join", room: registry.roomOf(b)!.id }));
  assert.deepEqual(seen, [], "nothing before the tick");
  hub.flush();
  assert.deepEqual(seen, ["room"], "one message for the room that stayed, none for the storm");
  hub.detachAll();
});

Deno.test("a tick with too many changes sends a bounded snapshot instead", () => {
  const registry = createRoomRegistry();
  const hub = createLobbyHub(registry, silentLogger, {
    tickMs: 60_000,
    deltaMax: 5,
    snapshotMax: 3,
  });
  const seen: string[] = [];
  const watcher = registry.connect().id;
  hub.attach(watcher, (t) => seen.push(t));
  for (let i = 0; i < 10; i++) {
    const p = registry.connect().id;
    hub.deliver(registry.handle(p, { type: "create", name: `R${i}` }));
  }
  hub.flush();
  assert.equal(seen.length, 1);
  const snap = JSON.parse(seen[0]);
  assert.equal(snap.type, "rooms");
  assert.equal(snap.rooms.length, 3);
  assert.equal(snap.total, 10);
  hub.detachAll();
});

Deno.test("deltas and snapshots follow each client's scope and name filter", () => {
  const { registry, hub, inbox, join } = setup();
  const [hockey, chess, watcher] = [join(), join(), join()];
  const scoped = (p: string, game: string) =>
    hub.deliver(registry.handle(p, { type: "hello", name: `P ${game}`, game, version: "1" }));
  scoped(hockey, "hockey");
  scoped(chess, "chess");
  const last = (id: string) => JSON.parse(inbox.get(id)!.at(-1)!);
  // A changed scope is answered with that scope's snapshot.
  assert.deepEqual(last(hockey), { type: "rooms", rooms: [], total: 0 });
  hub.deliver(registry.handle(hockey, { type: "create", name: "Ice league" }));
  assert.equal(last(hockey).type, "room");
  assert.equal(last(chess).type, "rooms", "the chess player never hears of a hockey room");
  assert.deepEqual(inbox.get(watcher), [], "nor does a client of the default scope");
  hub.deliver(registry.handle(chess, { type: "list", filter: "LEAGUE", rid: 7 }));
  assert.deepEqual(last(chess), { type: "rooms", rooms: [], total: 0, filter: "LEAGUE", rid: 7 });
  scoped(watcher, "hockey");
  assert.equal(last(watcher).total, 1);
  hub.deliver(registry.handle(watcher, { type: "list", filter: "casual" }));
  hub.deliver(registry.handle(hockey, { type: "leave" }));
  assert.equal(last(watcher).filter, "casual", "a filtered-out room's removal is not sent");
  assert.equal(JSON.parse(hub.roomsJson({ game: "hockey", version: "1" })).total, 0);
});
