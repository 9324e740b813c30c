/**
 * Spectators in the plain-state lobby: watch, the offerer's stream, fan-out, backlog and every
 * way a stream or a spectator goes away.
 */
import assert from "node:assert/strict";
import type { ServerMessage, ServerMessageOf, StreamHeader } from "../shared/lobby_protocol.ts";
import {
  createRoomRegistry,
  type Effect,
  type PlayerId,
  type RoomRegistryOptions,
} from "./room_registry.ts";

const header: StreamHeader = {
  game: "g",
  version: "1",
  seed: 42,
  names: ["Ann", "Bo"],
  options: [null, null],
};

/** Messages `player` gets from `effects`, fan-outs included. */
function to(effects: Effect[], player: PlayerId): ServerMessage[] {
  return effects.flatMap((e) =>
    (e.kind === "send" && e.to === player) || (e.kind === "fanout" && e.to.includes(player))
      ? [e.message]
      : []
  );
}

function only<T extends ServerMessage["type"]>(
  messages: ServerMessage[],
  type: T,
): ServerMessageOf<T> {
  const of = messages.filter((m) => m.type === type);
  assert.equal(of.length, 1, `expected one ${type}, got ${JSON.stringify(messages)}`);
  return of[0] as ServerMessageOf<T>;
}

function errorCode(effects: Effect[], player: PlayerId): string {
  return only(to(effects, player), "error").code;
}

/** The latest spectator count broadcast for a room (0 when absent), or undefined if none. */
function announced(effects: Effect[]): number | undefined {
  let n: number | undefined;
  for (const e of effects) {
    if (e.kind === "broadcast" && e.message.type === "room") n = e.message.room.spectators ?? 0;
  }
  return n;
}

/** A registry with a playing room of a (offerer) and b (answerer). */
function playing(opts: RoomRegistryOptions = {}) {
  const registry = createRoomRegistry(opts);
  const connect = () => registry.connect().id;
  const a = connect(), b = connect();
  const created = registry.handle(a, { type: "create", name: "Match" });
  const room = only(to(created, a), "joined").room.id;
  registry.handle(b, { type: "join", room });
  registry.handle(a, { type: "signal", data: { kind: "offer", sdp: "o" } });
  registry.handle(b, { type: "signal", data: { kind: "answer", sdp: "a" } });
  assert.equal(registry.roomOf(a)?.state, "playing");
  return { registry, connect, a, b, room };
}

Deno.test("a spectator watches from the first batch: header, then live batches, counted", () => {
  const { registry, connect, a, room } = playing();
  const s = connect();
  const watched = registry.handle(s, { type: "watch", room, rid: 9 });
  const w = only(to(watched, s), "watching");
  assert.equal(w.rid, 9);
  assert.equal(w.header, undefined, "no stream yet");
  assert.equal(w.room.spectators, 1);
  assert.equal(announced(watched), 1);
  assert.equal(registry.watchedBy(s)?.id, room);
  assert.equal(registry.roomOf(s), null, "a spectator is in no room as a player");

  const first = registry.handle(a, { type: "stream", from: 0, inputs: "00010203", header });
  assert.deepEqual(to(first, s), [
    { type: "stream", room, from: 0, inputs: "00010203", header },
  ]);
  assert.deepEqual(to(first, a), [], "the offerer gets no reply");
  const next = registry.handle(a, { type: "stream", from: 2, inputs: "ff00" });
  assert.deepEqual(to(next, s), [{ type: "stream", room, from: 2, inputs: "ff00" }]);
});

Deno.test("a late spectator gets the header and the whole backlog in one batch", () => {
  const { registry, connect, a, room } = playing();
  registry.handle(a, { type: "stream", from: 0, inputs: "0001", header });
  registry.handle(a, { type: "stream", from: 1, inputs: "02030405" });
  const s = connect();
  const effects = registry.handle(s, { type: "watch", room: room.toUpperCase() });
  const got = to(effects, s);
  assert.deepEqual(only(got, "watching").header, header);
  assert.deepEqual(only(got, "stream"), { type: "stream", room, from: 0, inputs: "000102030405" });
  // Everyone watching gets each later batch, serialized once for all of them.
  const t = connect();
  registry.handle(t, { type: "watch", room });
  const live = registry.handle(a, { type: "stream", from: 3, inputs: "0606" });
  assert.equal(live.length, 1);
  assert.deepEqual(live[0].kind === "fanout" && [...live[0].to].sort(), [s, t].sort());
});

Deno.test("watch is refused with its own codes", () => {
  const { registry, connect, a, b, room } = playing({ maxSpectators: 1 });
  const s = connect();
  assert.equal(errorCode(registry.handle(s, { type: "watch", room: "nope" }), s), "room-not-found");
  assert.equal(errorCode(registry.handle(a, { type: "watch", room }), a), "already-in-room");
  registry.handle(s, { type: "watch", room });
  const t = connect();
  assert.equal(errorCode(registry.handle(t, { type: "watch", room }), t), "too-many-spectators");
  assert.equal(errorCode(registry.handle(s, { type: "watch", room }), s), "already-in-room");
  for (const m of [{ type: "create", name: "R" }, { type: "quick" }] as const) {
    assert.equal(errorCode(registry.handle(s, m), s), "already-in-room");
  }
  assert.equal(errorCode(registry.handle(s, { type: "join", room }), s), "already-in-room");

  const open = only(to(registry.handle(t, { type: "create", name: "Open" }), t), "joined").room;
  const u = connect();
  assert.equal(
    errorCode(registry.handle(u, { type: "watch", room: open.id }), u),
    "room-not-playing",
  );
  registry.handle(u, { type: "hello", name: "U", game: "other" });
  assert.equal(errorCode(registry.handle(u, { type: "watch", room }), u), "wrong-game");
  assert.equal(registry.watchedBy(u), null);
  void b;
});

Deno.test("a locked room is watched with its password only", () => {
  const registry = createRoomRegistry();
  const [a, b, s] = [1, 2, 3].map(() => registry.connect().id);
  const created = registry.handle(a, { type: "create", name: "L", password: "pw" });
  const room = only(to(created, a), "joined").room.id;
  registry.handle(b, { type: "join", room, password: "pw" });
  registry.handle(a, { type: "signal", data: { kind: "offer", sdp: "o" } });
  registry.handle(b, { type: "signal", data: { kind: "answer", sdp: "a" } });
  assert.equal(errorCode(registry.handle(s, { type: "watch", room }), s), "wrong-password");
  assert.equal(
    errorCode(registry.handle(s, { type: "watch", room, password: "no" }), s),
    "wrong-password",
  );
  only(to(registry.handle(s, { type: "watch", room, password: "pw" }), s), "watching");
});

Deno.test("only the offerer streams, frames in order from 0 with a header", () => {
  const { registry, connect, a, b, room } = playing();
  const s = connect();
  assert.equal(
    errorCode(registry.handle(s, { type: "stream", from: 0, inputs: "0000", header }), s),
    "not-in-room",
  );
  assert.equal(
    errorCode(registry.handle(b, { type: "stream", from: 0, inputs: "0000", header }), b),
    "bad-stream",
  );
  assert.equal(errorCode(registry.handle(b, { type: "stream-end" }), b), "bad-stream");
  assert.equal(
    errorCode(registry.handle(a, { type: "stream", from: 0, inputs: "0000" }), a),
    "bad-stream",
    "no header",
  );
  assert.equal(
    errorCode(registry.handle(a, { type: "stream", from: 3, inputs: "0000", header }), a),
    "bad-stream",
    "not from 0",
  );
  assert.deepEqual(registry.handle(a, { type: "stream", from: 0, inputs: "0000", header }), []);
  // A gap (batches lost): the streamer is asked to send again from the lobby's next frame.
  const gap = registry.handle(a, { type: "stream", from: 2, inputs: "0000" });
  assert.deepEqual(to(gap, a), [{ type: "stream-from", room, from: 1 }]);
  const again = registry.handle(a, {
    type: "stream",
    from: 0,
    inputs: "0000",
    header: { ...header, seed: 7 },
  });
  assert.equal(errorCode(again, a), "bad-stream", "a second header needs stream-end first");
  // The same header again is a repeat: dropped, nothing rewritten.
  assert.deepEqual(registry.handle(a, { type: "stream", from: 0, inputs: "0101", header }), []);
  assert.deepEqual(registry.handle(a, { type: "stream", from: 1, inputs: "0000" }), []);
  const s2 = connect();
  const backlog = to(registry.handle(s2, { type: "watch", room }), s2);
  assert.equal(only(backlog, "stream").inputs, "00000000", "frame 0 kept as first sent");
});

Deno.test("a player leaving ends the stream: stream-end player-left, spectators let go", () => {
  for (const leaver of ["a", "b"] as const) {
    for (const how of ["leave", "drop"] as const) {
      // No resume grace: a drop is a leave (the held seat is the next test).
      const p = playing({ resumeGraceMs: 0 });
      const { registry, connect, room } = p;
      registry.handle(p.a, { type: "stream", from: 0, inputs: "0000", header });
      const s = connect(), t = connect();
      registry.handle(s, { type: "watch", room });
      registry.handle(t, { type: "watch", room });
      const who = p[leaver];
      const effects = how === "leave"
        ? registry.handle(who, { type: "leave" })
        : registry.disconnect(who);
      for (const x of [s, t]) {
        assert.deepEqual(only(to(effects, x), "stream-end"), {
          type: "stream-end",
          room,
          reason: "player-left",
        });
        assert.equal(registry.watchedBy(x), null);
      }
      const other = leaver === "a" ? p.b : p.a;
      assert.equal(registry.roomOf(other)?.spectators, undefined);
      assert.equal(registry.roomOf(other)?.state, "open");
      // The next pairing starts without the old stream.
      const c = connect();
      registry.handle(c, { type: "join", room });
      assert.equal(errorCode(registry.handle(s, { type: "watch", room }), s), "room-not-playing");
    }
  }
});

Deno.test("a player's seat held for a resume pauses the stream; the grace running out ends it", () => {
  let t = 0;
  const p = playing({ resumeGraceMs: 1000, monotonic: () => t });
  const { registry, connect, room } = p;
  registry.handle(p.a, { type: "stream", from: 0, inputs: "0000", header });
  const s = connect();
  registry.handle(s, { type: "watch", room });
  const dropped = registry.disconnect(p.b);
  assert.deepEqual(to(dropped, s).filter((m) => m.type === "stream-end"), []);
  assert.equal(registry.watchedBy(s)?.id, room, "still watching while the seat is held");
  const expire = dropped.find((e) => e.kind === "expire");
  assert.ok(expire && expire.kind === "expire");
  // The offerer streams on meanwhile (its runner is stalled, so there is little to send).
  assert.deepEqual(registry.handle(p.a, { type: "stream", from: 1, inputs: "0000" }), [
    { kind: "fanout", to: [s], message: { type: "stream", room, from: 1, inputs: "0000" } },
  ]);
  t += 1000;
  const gone = registry.expire(expire.token);
  assert.deepEqual(only(to(gone, s), "stream-end"), {
    type: "stream-end",
    room,
    reason: "player-left",
  });
  assert.equal(registry.watchedBy(s), null);
});

Deno.test("a spectator leaving or dropping is forgotten and uncounted", () => {
  const { registry, connect, a, room } = playing();
  const s = connect(), t = connect();
  registry.handle(s, { type: "watch", room });
  registry.handle(t, { type: "watch", room });
  assert.equal(registry.roomOf(a)?.spectators, 2);
  const left = registry.handle(s, { type: "leave", rid: 2 });
  assert.deepEqual(only(to(left, s), "left"), { type: "left", rid: 2 });
  assert.equal(announced(left), 1);
  assert.equal(registry.watchedBy(s), null);
  assert.equal(errorCode(registry.handle(s, { type: "leave" }), s), "not-in-room");
  const dropped = registry.disconnect(t);
  assert.equal(announced(dropped), 0);
  assert.equal(registry.roomOf(a)?.spectators, undefined);
  const batch = registry.handle(a, { type: "stream", from: 0, inputs: "0000", header });
  assert.deepEqual(batch, [], "nobody left to send to");
  assert.deepEqual(registry.counts(), { players: 3, rooms: 1, publicRooms: 1 });
});

Deno.test("stream-end: match-over for the spectators; the next match's stream starts afresh", () => {
  const { registry, connect, a, room } = playing();
  registry.handle(a, { type: "stream", from: 0, inputs: "0000", header });
  const s = connect();
  registry.handle(s, { type: "watch", room });
  const ended = registry.handle(a, { type: "stream-end" });
  assert.equal(only(to(ended, s), "stream-end").reason, "match-over");
  assert.equal(announced(ended), 0);
  assert.equal(registry.watchedBy(s), null);
  // Late batches of the ended stream are dropped without a word; watching waits for the next.
  assert.deepEqual(registry.handle(a, { type: "stream", from: 1, inputs: "0000" }), []);
  assert.equal(errorCode(registry.handle(s, { type: "watch", room }), s), "room-not-playing");
  registry.handle(a, { type: "stream", from: 0, inputs: "0101", header: { ...header, seed: 1 } });
  const again = to(registry.handle(s, { type: "watch", room }), s);
  assert.equal(only(again, "watching").header?.seed, 1);
  assert.equal(only(again, "stream").inputs, "0101");
});

Deno.test("a stream past its backlog ends as too-long; the players play on", () => {
  const { registry, connect, a, room } = playing({ maxBacklogBytes: 8 });
  registry.handle(a, { type: "stream", from: 0, inputs: "00000000", header });
  const s = connect();
  registry.handle(s, { type: "watch", room });
  const over = registry.handle(a, { type: "stream", from: 2, inputs: "0000" });
  assert.equal(errorCode(over, a), "bad-stream");
  assert.equal(only(to(over, s), "stream-end").reason, "too-long");
  assert.equal(registry.watchedBy(s), null);
  assert.deepEqual(registry.handle(a, { type: "stream", from: 3, inputs: "0000" }), []);
  assert.equal(registry.roomOf(a)?.state, "playing");
});

Deno.test("a batch that crossed a leave is dropped without an error", () => {
  const { registry, a, b } = playing();
  registry.handle(a, { type: "stream", from: 0, inputs: "0000", header });
  registry.handle(b, { type: "leave" });
  assert.deepEqual(registry.handle(a, { type: "stream", from: 1, inputs: "0000" }), []);
});

Deno.test("a stream-end that crossed a leave is dropped without an error", () => {
  const { registry, a, b } = playing();
  registry.handle(a, { type: "stream", from: 0, inputs: "0000", header });
  registry.handle(b, { type: "leave" });
  // The page saw its pairing close after the lobby did: the stream ended with it.
  assert.deepEqual(registry.handle(a, { type: "stream-end", reason: "player-left" }), []);
  assert.deepEqual(registry.handle(a, { type: "stream-end" }), []);
});

Deno.test("stream-end may say the pairing is over: the spectators hear player-left", () => {
  const { registry, connect, a, room } = playing();
  registry.handle(a, { type: "stream", from: 0, inputs: "0000", header });
  const s = connect();
  registry.handle(s, { type: "watch", room });
  const ended = registry.handle(a, { type: "stream-end", reason: "player-left" });
  assert.equal(only(to(ended, s), "stream-end").reason, "player-left");
});

/** `playing` with a resume grace; the seats' resume tokens too. */
function resumable() {
  let t = 0;
  const registry = createRoomRegistry({ resumeGraceMs: 1000, monotonic: () => t });
  const connect = () => registry.connect().id;
  const a = connect(), b = connect();
  const room = only(to(registry.handle(a, { type: "create", name: "M" }), a), "joined").room.id;
  const joined = registry.handle(b, { type: "join", room });
  const tokenA = only(to(joined, a), "paired").resume!;
  const tokenB = only(to(joined, b), "paired").resume!;
  registry.handle(a, { type: "signal", data: { kind: "offer", sdp: "o" } });
  registry.handle(b, { type: "signal", data: { kind: "answer", sdp: "a" } });
  return { registry, connect, a, b, room, tokenA, tokenB, advance: (ms: number) => t += ms };
}

Deno.test("the streamer's lobby connection drops and comes back: its next batches are taken", () => {
  const { registry, connect, a, room, tokenA } = resumable();
  registry.handle(a, { type: "stream", from: 0, inputs: "0000", header });
  const s = connect();
  registry.handle(s, { type: "watch", room });
  registry.disconnect(a);
  const a2 = connect();
  registry.handle(a2, { type: "resume", token: tokenA });
  const next = registry.handle(a2, { type: "stream", from: 1, inputs: "0101" });
  assert.deepEqual(to(next, a2), [], "no error for the streaming seat's returner");
  assert.deepEqual(to(next, s), [{ type: "stream", room, from: 1, inputs: "0101" }]);
});

Deno.test("the streaming seat's returner is told to stream on from the lobby's next frame", () => {
  const { registry, connect, a, room, tokenA } = resumable();
  registry.handle(a, { type: "stream", from: 0, inputs: "00000101", header });
  const a2 = connect();
  registry.disconnect(a);
  const resumed = registry.handle(a2, { type: "resume", token: tokenA });
  assert.deepEqual(only(to(resumed, a2), "stream-from"), { type: "stream-from", room, from: 2 });
});
