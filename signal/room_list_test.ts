import assert from "node:assert/strict";
import type { RoomInfo } from "../shared/lobby_protocol.ts";
import { createRoomListBatch, DEFAULT_VIEW, inView, selectRooms } from "./room_list.ts";

const room = (id: string, extra: Partial<RoomInfo> = {}): RoomInfo => ({
  id,
  name: `Room ${id}`,
  players: 1,
  capacity: 2,
  state: "open",
  locked: false,
  createdAt: 1,
  ...extra,
});

Deno.test("a room created and removed within one tick is never announced", () => {
  const b = createRoomListBatch();
  b.upsert(room("a"));
  b.upsert(room("a", { players: 2, state: "full" }));
  b.remove("a");
  assert.deepEqual(b.drain(), []);
  assert.equal(b.pending, 0);
});

Deno.test("repeated changes of one room coalesce into its latest state", () => {
  const b = createRoomListBatch();
  b.upsert(room("a"));
  b.upsert(room("b"));
  b.upsert(room("a", { players: 2, state: "full" }));
  assert.deepEqual(b.drain(), [
    { kind: "room", room: room("b") },
    { kind: "room", room: room("a", { players: 2, state: "full" }) },
  ]);
  // Known now: its removal is announced, with its last state (the hub filters by it); a room
  // from before the batch started is announced without one.
  b.remove("a");
  b.remove("zzz");
  assert.deepEqual(b.drain(), [
    { kind: "removed", id: "a", room: room("a", { players: 2, state: "full" }) },
    { kind: "removed", id: "zzz", room: null },
  ]);
});

Deno.test("a known room removed and created again in one tick ends as an upsert", () => {
  const b = createRoomListBatch([room("a")]);
  b.remove("a");
  b.upsert(room("a", { players: 2 }));
  assert.deepEqual(b.drain(), [{ kind: "room", room: room("a", { players: 2 }) }]);
});

Deno.test("a storm of create/leave pairs costs nothing once coalesced", () => {
  const b = createRoomListBatch();
  for (let i = 0; i < 10_000; i++) {
    b.upsert(room(`r${i}`));
    b.remove(`r${i}`);
  }
  assert.deepEqual(b.drain(), []);
});

Deno.test("snapshots are bounded, open rooms first, oldest first, with the total", () => {
  const rooms: RoomInfo[] = [];
  for (let i = 0; i < 5000; i++) {
    rooms.push(room(String(i), i % 2 === 0 ? { state: "playing", players: 2 } : {}));
  }
  const { rooms: shown, total } = selectRooms(rooms, DEFAULT_VIEW, 100);
  assert.equal(total, 5000);
  assert.equal(shown.length, 100);
  assert.ok(shown.every((r) => r.state === "open"));
  assert.deepEqual(shown.slice(0, 2).map((r) => r.id), ["1", "3"]);
  const few = selectRooms(rooms.slice(0, 3), DEFAULT_VIEW, 100);
  assert.deepEqual(few.rooms.map((r) => r.id), ["1", "0", "2"]);
});

Deno.test("views filter by scope and by name, case-insensitively", () => {
  const hockey = room("h", { game: "hockey", version: "2", name: "Pro League" });
  assert.equal(inView(hockey, DEFAULT_VIEW), false);
  assert.equal(inView(hockey, { game: "hockey", version: "2", filter: "" }), true);
  assert.equal(inView(hockey, { game: "hockey", version: "1", filter: "" }), false);
  assert.equal(inView(hockey, { game: "hockey", version: "2", filter: "LEAGUE" }), true);
  assert.equal(inView(hockey, { game: "hockey", version: "2", filter: "casual" }), false);
  const rooms = [room("a", { name: "casual" }), room("b", { name: "pro" }), hockey];
  assert.deepEqual(selectRooms(rooms, { ...DEFAULT_VIEW, filter: "pro" }, 10), {
    rooms: [rooms[1]],
    total: 1,
  });
});
