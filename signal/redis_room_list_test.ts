import assert from "node:assert/strict";
import type { RoomInfo } from "../shared/lobby_protocol.ts";
import { createLobbyHub } from "./lobby_hub.ts";
import { silentLogger } from "./log.ts";
import { createRoomListCopy, parseRoomInfo, parseRoomListEvent } from "./redis_room_list.ts";

const room = (id: string, extra: Partial<RoomInfo> = {}): RoomInfo => ({
  id,
  name: `Room ${id}`,
  players: 1,
  capacity: 2,
  state: "open",
  locked: false,
  createdAt: 1700000000000,
  ...extra,
});

Deno.test("room-list events: a room, a removal, a damaged room keeps its seq, junk is null", () => {
  assert.deepEqual(parseRoomListEvent(JSON.stringify({ s: 3, room: room("a") })), {
    s: 3,
    room: room("a"),
  });
  assert.deepEqual(parseRoomListEvent('{"s":4,"removed":"a"}'), { s: 4, removed: "a" });
  assert.deepEqual(parseRoomListEvent('{"s":5,"room":{"id":7}}'), { s: 5 });
  assert.equal(parseRoomListEvent('{"room":{}}'), null);
  assert.equal(parseRoomListEvent('{"s":1.5}'), null);
  assert.equal(parseRoomListEvent("not json"), null);
  assert.equal(parseRoomInfo("{"), null);
  assert.deepEqual(parseRoomInfo(JSON.stringify(room("b"))), room("b"));
});

Deno.test("the copy loads a snapshot, applies events in order and reloads on a gap", async () => {
  let snapshots = 0;
  let stored: string[] = ["2", "0", JSON.stringify(room("a"))];
  let copy: ReturnType<typeof createRoomListCopy> | null = null;
  const hub = createLobbyHub({ publicRooms: () => copy?.rooms() ?? [] }, silentLogger, {
    tickMs: 0,
  });
  copy = createRoomListCopy({
    hub,
    log: silentLogger,
    snapshot: () => {
      snapshots++;
      return Promise.resolve(stored);
    },
  });
  await copy.load(false);
  assert.deepEqual(copy.rooms().map((r) => r.id), ["a"]);
  copy.onEvent(JSON.stringify({ s: 2, room: room("old") }));
  copy.onEvent(JSON.stringify({ s: 3, room: room("b") }));
  copy.onEvent('{"s":4,"removed":"a"}');
  assert.deepEqual(copy.rooms().map((r) => r.id), ["b"]);
  // Event 5 was missed: the copy reloads from Redis instead of applying 6.
  stored = ["6", "0", JSON.stringify(room("b")), JSON.stringify(room("c"))];
  copy.onEvent(JSON.stringify({ s: 6, room: room("x") }));
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(snapshots, 2);
  assert.deepEqual(copy.rooms().map((r) => r.id), ["b", "c"]);
  copy.onEvent('{"s":7,"removed":"b"}');
  assert.deepEqual(copy.rooms().map((r) => r.id), ["c"]);
});
