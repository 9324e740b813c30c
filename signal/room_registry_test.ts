import assert from "node:assert/strict";
import type { ClientMessage, RoomInfo, ServerMessage } from "../shared/lobby_protocol.ts";
import {
  createRoomRegistry,
  type Effect,
  type PlayerId,
  type RoomRegistry,
} from "./room_registry.ts";

function setup(opts: { maxRooms?: number } = {}) {
  let clock = 1_000;
  const registry = createRoomRegistry({ ...opts, now: () => clock++ });
  return { registry, connect: () => registry.connect().id };
}

function to(effects: Effect[], player: PlayerId): ServerMessage[] {
  return effects.flatMap((e) => (e.kind === "send" && e.to === player ? [e.message] : []));
}

function broadcasts(effects: Effect[]): ServerMessage[] {
  return effects.flatMap((e) => (e.kind === "broadcast" ? [e.message] : []));
}

function only<T extends ServerMessage["type"]>(
  messages: ServerMessage[],
  type: T,
): Extract<ServerMessage, { type: T }> {
  assert.equal(messages.length, 1, `expected one message, got ${JSON.stringify(messages)}`);
  assert.equal(messages[0].type, type, JSON.stringify(messages[0]));
  return messages[0] as Extract<ServerMessage, { type: T }>;
}

function sessionOf(effects: Effect[], player: PlayerId): string {
  return only(to(effects, player).filter((m) => m.type === "paired"), "paired").session;
}

function events(effects: Effect[]) {
  return effects.flatMap((e) => (e.kind === "event" ? [e.event] : []));
}

function errorCode(effects: Effect[], player: PlayerId): string {
  assert.equal(broadcasts(effects).length, 0, "a failed request changes nothing");
  return only(to(effects, player), "error").code;
}

/** Creates a room and returns its info (and invite code if private). */
function create(
  r: RoomRegistry,
  p: PlayerId,
  m: Partial<Extract<ClientMessage, { type: "create" }>> = {},
) {
  const effects = r.handle(p, { type: "create", name: "Room", ...m });
  const joined = only(to(effects, p).filter((x) => x.type !== "room"), "joined");
  return { room: joined.room, code: joined.code, effects };
}

Deno.test("connect gives distinct ids and a default name", () => {
  const { registry } = setup();
  const a = registry.connect();
  const b = registry.connect();
  assert.notEqual(a.id, b.id);
  assert.match(a.name, /^Player-[0-9A-Z]{4}$/);
  assert.deepEqual(registry.counts(), { players: 2, rooms: 0, publicRooms: 0 });
  assert.equal(registry.roomOf(a.id), null);
});

Deno.test("hello renames and answers renamed with the rid", () => {
  const { registry, connect } = setup();
  const a = connect();
  assert.deepEqual(to(registry.handle(a, { type: "hello", name: "Ann", rid: 3 }), a), [
    { type: "renamed", name: "Ann", rid: 3 },
  ]);
  assert.deepEqual(registry.handle(a, { type: "hello", name: "Bo" }), [
    { kind: "send", to: a, message: { type: "renamed", name: "Bo" } },
  ]);
});

Deno.test("create a public room: joined, announced, listed", () => {
  const { registry, connect } = setup();
  const a = connect();
  const effects = registry.handle(a, { type: "create", name: "Den", rid: 1 });
  const joined = only(to(effects, a), "joined");
  const expected: RoomInfo = {
    id: joined.room.id,
    name: "Den",
    players: 1,
    capacity: 2,
    state: "open",
    locked: false,
    createdAt: joined.room.createdAt,
  };
  assert.deepEqual(joined, { type: "joined", room: expected, rid: 1 });
  assert.equal(typeof joined.room.createdAt, "number");
  assert.deepEqual(broadcasts(effects), [{ type: "room", room: expected }]);
  assert.deepEqual(registry.publicRooms(), [expected]);
  assert.deepEqual(registry.roomOf(a), expected);
});

Deno.test("pairing: the first player offers, both get the same fresh session", () => {
  const { registry, connect } = setup();
  const a = connect();
  const b = connect();
  registry.handle(a, { type: "hello", name: "Ann" });
  registry.handle(b, { type: "hello", name: "Bob" });
  const { room } = create(registry, a);
  const effects = registry.handle(b, { type: "join", room: room.id, rid: 8 });
  const [joined, pairedB] = to(effects, b);
  assert.deepEqual(joined, {
    type: "joined",
    room: { ...room, players: 2, state: "full" },
    rid: 8,
  });
  const pairedA = only(to(effects, a), "paired");
  assert.equal(pairedB.type, "paired");
  if (pairedB.type !== "paired") return;
  assert.deepEqual(pairedA.peer, { id: b, name: "Bob" });
  assert.deepEqual(pairedB.peer, { id: a, name: "Ann" });
  assert.equal(pairedA.role, "offerer");
  assert.equal(pairedB.role, "answerer");
  assert.equal(pairedA.session, pairedB.session);
  assert.match(pairedA.session, /^[0-9A-Z]{16}$/);
  assert.deepEqual(broadcasts(effects), [{
    type: "room",
    room: { ...room, players: 2, state: "full" },
  }]);
});

Deno.test("private rooms: invite code only, never listed or announced", () => {
  const { registry, connect } = setup();
  const [a, b, c] = [connect(), connect(), connect()];
  const { room, code, effects } = create(registry, a, { private: true });
  assert.equal(broadcasts(effects).length, 0);
  assert.match(code!, /^[0-9A-HJKMNP-TV-Z]{16}$/);
  assert.deepEqual(registry.publicRooms(), []);
  // The id is not a way in, so leaking it (e.g. to the peer) does not open the room.
  assert.equal(errorCode(registry.handle(c, { type: "join", room: room.id }), c), "room-not-found");
  // Codes are case-insensitive for people typing them.
  const joined = registry.handle(b, { type: "join", room: code!.toLowerCase() });
  assert.equal(only(to(joined, b).slice(0, 1), "joined").code, code);
  assert.equal(broadcasts(joined).length, 0);
  // Leaving and removal stay silent too.
  assert.equal(broadcasts(registry.handle(b, { type: "leave" })).length, 0);
  assert.equal(broadcasts(registry.disconnect(a)).length, 0);
  assert.equal(registry.counts().rooms, 0);
  assert.equal(errorCode(registry.handle(c, { type: "join", room: code! }), c), "room-not-found");
});

Deno.test("invite codes differ between rooms", () => {
  const { registry, connect } = setup();
  const codes = new Set<string>();
  for (let i = 0; i < 50; i++) codes.add(create(registry, connect(), { private: true }).code!);
  assert.equal(codes.size, 50);
});

Deno.test("passwords: locked rooms need the right one", () => {
  const { registry, connect } = setup();
  const [a, b] = [connect(), connect()];
  const { room } = create(registry, a, { password: "s3cret" });
  assert.equal(room.locked, true);
  const none = registry.handle(b, { type: "join", room: room.id, rid: 1 });
  assert.deepEqual(only(to(none, b), "error"), {
    type: "error",
    code: "wrong-password",
    message: "this room needs a password",
    rid: 1,
  });
  assert.equal(
    errorCode(registry.handle(b, { type: "join", room: room.id, password: "S3cret" }), b),
    "wrong-password",
  );
  const ok = registry.handle(b, { type: "join", room: room.id, password: "s3cret" });
  assert.equal(to(ok, b)[0].type, "joined");
});

Deno.test("an empty password means no password; a password on an open room is ignored", () => {
  const { registry, connect } = setup();
  const [a, b] = [connect(), connect()];
  const { room } = create(registry, a, { password: "" });
  assert.equal(room.locked, false);
  assert.equal(
    to(registry.handle(b, { type: "join", room: room.id, password: "x" }), b)[0].type,
    "joined",
  );
});

Deno.test("join errors: unknown room, full room, already in a room", () => {
  const { registry, connect } = setup();
  const [a, b, c] = [connect(), connect(), connect()];
  const { room } = create(registry, a);
  const unknown = registry.handle(c, { type: "join", room: "nope", rid: 2 });
  assert.deepEqual(only(to(unknown, c), "error"), {
    type: "error",
    code: "room-not-found",
    message: 'no room "nope"',
    rid: 2,
  });
  registry.handle(b, { type: "join", room: room.id });
  assert.equal(errorCode(registry.handle(c, { type: "join", room: room.id }), c), "room-full");
  assert.equal(
    errorCode(registry.handle(a, { type: "join", room: room.id }), a),
    "already-in-room",
  );
  assert.equal(errorCode(registry.handle(a, { type: "create", name: "x" }), a), "already-in-room");
  assert.equal(errorCode(registry.handle(a, { type: "quick" }), a), "already-in-room");
  assert.equal(registry.roomOf(c), null);
});

Deno.test("join accepts a room id in any case", () => {
  const { registry, connect } = setup();
  const [a, b] = [connect(), connect()];
  const { room } = create(registry, a);
  assert.equal(
    to(registry.handle(b, { type: "join", room: room.id.toUpperCase() }), b)[0].type,
    "joined",
  );
});

Deno.test("quick: creates a public room when none is open, then pairs into it", () => {
  const { registry, connect } = setup();
  const [a, b] = [connect(), connect()];
  registry.handle(a, { type: "hello", name: "Ann" });
  const first = registry.handle(a, { type: "quick", rid: 4 });
  const joined = only(to(first, a), "joined");
  assert.equal(joined.rid, 4);
  assert.equal(joined.room.name, "Ann's room");
  assert.equal(joined.room.locked, false);
  assert.equal(broadcasts(first).length, 1);
  const second = registry.handle(b, { type: "quick" });
  assert.deepEqual(to(second, b).map((m) => m.type), ["joined", "paired"]);
  assert.equal(only(to(second, a), "paired").role, "offerer");
  assert.equal(registry.roomOf(b)?.id, joined.room.id);
});

Deno.test("quick joins the oldest open public room, skipping private, locked and full ones", () => {
  const { registry, connect } = setup();
  const [p1, p2, p3, p4, q1, q2, q3] = Array.from({ length: 7 }, connect);
  create(registry, p1, { private: true });
  create(registry, p2, { password: "pw" });
  const older = create(registry, p3).room;
  const newer = create(registry, p4).room;
  assert.equal(registry.roomOf((registry.handle(q1, { type: "quick" }), q1))?.id, older.id);
  assert.equal(registry.roomOf((registry.handle(q2, { type: "quick" }), q2))?.id, newer.id);
  // Nothing open is left: the next quick creates a room.
  registry.handle(q3, { type: "quick" });
  assert.equal(registry.roomOf(q3)?.players, 1);
  assert.equal(registry.counts().rooms, 5);
});

Deno.test("a room that opens again keeps its age for quick match", () => {
  const { registry, connect } = setup();
  const [a, b, c, d] = [connect(), connect(), connect(), connect()];
  const older = create(registry, a).room;
  registry.handle(b, { type: "join", room: older.id });
  create(registry, c);
  registry.handle(b, { type: "leave" });
  registry.handle(d, { type: "quick" });
  assert.equal(registry.roomOf(d)?.id, older.id);
});

Deno.test("leave: left to the leaver, peer-left to the peer, the room opens again", () => {
  const { registry, connect } = setup();
  const [a, b, c] = [connect(), connect(), connect()];
  const { room } = create(registry, a);
  const firstSession = only(to(registry.handle(b, { type: "join", room: room.id }), a), "paired")
    .session;
  const effects = registry.handle(a, { type: "leave", rid: 6 });
  assert.deepEqual(to(effects, a), [{ type: "left", rid: 6 }]);
  assert.deepEqual(to(effects, b), [{ type: "peer-left", id: a }]);
  const reopened = { ...room, players: 1, state: "open" as const };
  assert.deepEqual(broadcasts(effects), [{ type: "room", room: reopened }]);
  assert.equal(registry.roomOf(a), null);
  // b stayed and, being first now, offers to the next player, in a new session.
  const next = registry.handle(c, { type: "join", room: room.id });
  const pairedB = only(to(next, b), "paired");
  assert.equal(pairedB.role, "offerer");
  assert.notEqual(pairedB.session, firstSession);
});

Deno.test("the last player leaving removes the room", () => {
  const { registry, connect } = setup();
  const [a, b] = [connect(), connect()];
  const { room } = create(registry, a);
  const effects = registry.handle(a, { type: "leave" });
  assert.deepEqual(to(effects, a), [{ type: "left" }]);
  assert.deepEqual(broadcasts(effects), [{ type: "room-removed", id: room.id }]);
  assert.deepEqual(registry.publicRooms(), []);
  assert.equal(errorCode(registry.handle(b, { type: "join", room: room.id }), b), "room-not-found");
  assert.equal(errorCode(registry.handle(a, { type: "leave", rid: 1 }), a), "not-in-room");
});

Deno.test("disconnect: the peer gets peer-left; idempotent; the player is forgotten", () => {
  const { registry, connect } = setup();
  const [a, b] = [connect(), connect()];
  const { room } = create(registry, a);
  registry.handle(b, { type: "join", room: room.id });
  const effects = registry.disconnect(b);
  assert.deepEqual(to(effects, a), [{ type: "peer-left", id: b }]);
  assert.deepEqual(to(effects, b), []);
  assert.equal(broadcasts(effects).length, 1);
  assert.deepEqual(registry.disconnect(b), []);
  assert.deepEqual(registry.handle(b, { type: "ping" }), []);
  assert.deepEqual(broadcasts(registry.disconnect(a)).map((m) => m.type), ["room-removed"]);
  assert.deepEqual(registry.counts(), { players: 0, rooms: 0, publicRooms: 0 });
});

Deno.test("signal is relayed to the peer only, tagged with the sender", () => {
  const { registry, connect } = setup();
  const [a, b, c, d] = [connect(), connect(), connect(), connect()];
  const { room } = create(registry, a);
  const session = sessionOf(registry.handle(b, { type: "join", room: room.id }), b);
  const other = create(registry, c).room;
  registry.handle(d, { type: "join", room: other.id });
  const offer = registry.handle(a, { type: "signal", data: { kind: "offer", sdp: "v=0 a" } });
  assert.deepEqual(offer, [{
    kind: "send",
    to: b,
    message: { type: "signal", from: a, data: { kind: "offer", sdp: "v=0 a" }, session },
  }]);
  const end = registry.handle(b, { type: "signal", data: { kind: "candidate", candidate: null } });
  assert.deepEqual(end, [{
    kind: "send",
    to: a,
    message: { type: "signal", from: b, data: { kind: "candidate", candidate: null }, session },
  }]);
});

Deno.test("a signal for an earlier session never reaches the next peer", () => {
  const { registry, connect } = setup();
  const [a, b, c] = [connect(), connect(), connect()];
  const { room } = create(registry, a);
  const old = sessionOf(registry.handle(b, { type: "join", room: room.id }), b);
  registry.disconnect(b);
  const fresh = sessionOf(registry.handle(c, { type: "join", room: room.id }), c);
  assert.notEqual(old, fresh);
  const stale = { kind: "offer", sdp: "for b" } as const;
  assert.deepEqual(registry.handle(a, { type: "signal", data: stale, session: old }), []);
  const current = registry.handle(a, { type: "signal", data: stale, session: fresh });
  assert.equal(only(to(current, c), "signal").session, fresh);
});

Deno.test("an answer before any offer, or from the offerer, does not make the room playing", () => {
  const { registry, connect } = setup();
  const [a, b] = [connect(), connect()];
  const { room } = create(registry, a);
  registry.handle(b, { type: "join", room: room.id });
  const early = registry.handle(b, { type: "signal", data: { kind: "answer", sdp: "v=0 b" } });
  assert.equal(to(early, a)[0].type, "signal", "still relayed");
  assert.equal(broadcasts(early).length, 0);
  assert.equal(registry.roomOf(a)?.state, "full");
  // The answerer cannot fake the offer side either.
  registry.handle(b, { type: "signal", data: { kind: "offer", sdp: "v=0 b" } });
  registry.handle(a, { type: "signal", data: { kind: "answer", sdp: "v=0 a" } });
  assert.equal(registry.roomOf(a)?.state, "full");
});

Deno.test("an answer relayed after the offer marks the room playing, once", () => {
  const { registry, connect } = setup();
  const [a, b] = [connect(), connect()];
  const { room } = create(registry, a);
  registry.handle(b, { type: "join", room: room.id });
  registry.handle(a, { type: "signal", data: { kind: "offer", sdp: "v=0 a" } });
  const answer = registry.handle(b, { type: "signal", data: { kind: "answer", sdp: "v=0 b" } });
  assert.equal(to(answer, a)[0].type, "signal");
  assert.deepEqual(broadcasts(answer), [{
    type: "room",
    room: { ...room, players: 2, state: "playing" },
  }]);
  const again = registry.handle(b, { type: "signal", data: { kind: "answer", sdp: "v=0 b" } });
  assert.equal(broadcasts(again).length, 0);
  // A peer leaving a playing room opens it again (one who drops keeps its seat for a while).
  const left = registry.handle(b, { type: "leave" });
  assert.deepEqual(broadcasts(left), [{
    type: "room",
    room: { ...room, players: 1, state: "open" },
  }]);
});

Deno.test("route: the hot path agrees with handle, and leaves to it what may change the room", () => {
  const { registry, connect } = setup();
  const [a, b, c] = [connect(), connect(), connect()];
  assert.equal(registry.route(a, "candidate", undefined), null, "in no room");
  const { room } = create(registry, a);
  assert.equal(registry.route(a, "candidate", undefined), null, "no peer yet");
  const session = sessionOf(registry.handle(b, { type: "join", room: room.id }), b);
  const ab = registry.route(a, "candidate", undefined)!;
  assert.equal(ab.to, b);
  assert.equal(ab.session, session);
  const data = { kind: "candidate", candidate: null } as const;
  const viaHandle = only(to(registry.handle(a, { type: "signal", data }), b), "signal");
  assert.deepEqual(JSON.parse(ab.head + JSON.stringify(data) + ab.tail), viaHandle);
  assert.equal(registry.route(a, "candidate", session), ab, "made once per pairing and side");
  assert.equal(registry.route(b, "candidate", session)!.to, a);
  assert.equal(registry.route(a, "candidate", "other-session"), null, "handle drops it");
  // While full, an offer or answer may move the room to playing: handle's business.
  assert.equal(registry.route(a, "offer", undefined), null);
  assert.equal(registry.route(b, "answer", undefined), null);
  registry.handle(a, { type: "signal", data: { kind: "offer", sdp: "v=0 a" } });
  registry.handle(b, { type: "signal", data: { kind: "answer", sdp: "v=0 b" } });
  assert.equal(registry.roomOf(a)?.state, "playing");
  assert.equal(registry.route(b, "answer", undefined)!.to, a, "playing: nothing left to change");
  // A new peer in the room: a fresh route, never the old peer's.
  registry.handle(b, { type: "leave" });
  assert.equal(registry.route(a, "candidate", undefined), null);
  const fresh = sessionOf(registry.handle(c, { type: "join", room: room.id }), c);
  const ac = registry.route(a, "candidate", undefined)!;
  assert.equal(ac.to, c);
  assert.equal(ac.session, fresh);
  assert.ok(ac.tail.includes(fresh) && ac.head.includes(a));
});

Deno.test("signalling while not paired is refused", () => {
  const { registry, connect } = setup();
  const [a, b] = [connect(), connect()];
  const data = { kind: "offer", sdp: "x" } as const;
  const alone = registry.handle(a, { type: "signal", data, rid: 5 });
  assert.deepEqual(only(to(alone, a), "error").code, "not-paired");
  create(registry, b);
  const waiting = registry.handle(b, { type: "signal", data, rid: 5 });
  assert.deepEqual(only(to(waiting, b), "error"), {
    type: "error",
    code: "not-paired",
    message: "wait for `paired` before signalling",
    rid: 5,
  });
});

Deno.test("ping answers pong with the same t and rid", () => {
  const { registry, connect } = setup();
  const a = connect();
  assert.deepEqual(to(registry.handle(a, { type: "ping", t: 123.5, rid: 1 }), a), [
    { type: "pong", t: 123.5, rid: 1 },
  ]);
  assert.deepEqual(to(registry.handle(a, { type: "ping" }), a), [{ type: "pong" }]);
});

Deno.test("the room cap answers server-full, but quick may still join an open room", () => {
  const { registry, connect } = setup({ maxRooms: 2 });
  const [a, b, c, d] = [connect(), connect(), connect(), connect()];
  create(registry, a);
  create(registry, b, { private: true });
  assert.equal(errorCode(registry.handle(c, { type: "create", name: "x" }), c), "server-full");
  assert.equal(to(registry.handle(c, { type: "quick" }), c)[0].type, "joined");
  assert.equal(errorCode(registry.handle(d, { type: "quick", rid: 1 }), d), "server-full");
  registry.disconnect(b);
  assert.equal(to(registry.handle(d, { type: "create", name: "x" }), d)[0].type, "joined");
});

Deno.test("public rooms are listed oldest first with current state", () => {
  const { registry, connect } = setup();
  const [a, b, c] = [connect(), connect(), connect()];
  const r1 = create(registry, a, { name: "one" }).room;
  const r2 = create(registry, b, { name: "two", password: "p" }).room;
  registry.handle(c, { type: "join", room: r1.id });
  assert.deepEqual(registry.publicRooms(), [{ ...r1, players: 2, state: "full" }, r2]);
});

Deno.test("roomStates counts public and private rooms by state", () => {
  const r = createRoomRegistry();
  const [a, b, c, d] = [r.connect().id, r.connect().id, r.connect().id, r.connect().id];
  assert.deepEqual(r.roomStates(), { open: 0, full: 0, playing: 0 });
  r.handle(a, { type: "create", name: "A" });
  const joined = r.handle(c, { type: "create", name: "C", private: true })[0];
  const code = joined.kind === "send" && joined.message.type === "joined"
    ? joined.message.code
    : "";
  assert.deepEqual(r.roomStates(), { open: 2, full: 0, playing: 0 });
  r.handle(b, { type: "join", room: r.roomOf(a)!.id });
  r.handle(a, { type: "signal", data: { kind: "offer", sdp: "v=0" } });
  r.handle(b, { type: "signal", data: { kind: "answer", sdp: "v=0" } });
  r.handle(d, { type: "join", room: code! });
  assert.deepEqual(r.roomStates(), { open: 0, full: 1, playing: 1 });
});

Deno.test("a look-alike of a connected player's name gets a number; a free name is kept", () => {
  const { registry, connect } = setup();
  const [a, b, c, d] = [connect(), connect(), connect(), connect()];
  const renamed = (p: PlayerId, name: string) =>
    only(to(registry.handle(p, { type: "hello", name }), p), "renamed").name;
  assert.equal(renamed(a, "Ann"), "Ann");
  assert.equal(renamed(b, "Ann"), "Ann (2)");
  assert.equal(renamed(c, "\u0410NN"), "\u0410NN (3)", "Cyrillic A and capitals look the same");
  assert.equal(renamed(a, "Ann"), "Ann", "your own name is not a duplicate");
  registry.disconnect(a);
  assert.equal(renamed(d, "Ann"), "Ann", "free again once its holder left");
  assert.equal(renamed(d, "Abcdefghijklmnopqrstuvwx"), "Abcdefghijklmnopqrstuvwx");
  assert.equal(renamed(b, "Abcdefghijklmnopqrstuvwx"), "Abcdefghijklmnopqrst (2)");
});

Deno.test("scopes: rooms, quick match and joins stay within one game and build", () => {
  const { registry, connect } = setup();
  const [a, b, c, d] = [connect(), connect(), connect(), connect()];
  const scope = (p: PlayerId, game: string, version: string) => {
    const effects = registry.handle(p, { type: "hello", name: "P", game, version });
    return effects.filter((e) => e.kind === "scope");
  };
  assert.deepEqual(scope(a, "hockey", "1"), [{
    kind: "scope",
    to: a,
    game: "hockey",
    version: "1",
  }]);
  scope(b, "chess", "1");
  scope(c, "hockey", "2");
  const hockey = only(to(registry.handle(a, { type: "quick" }), a), "joined").room;
  assert.equal(hockey.game, "hockey");
  assert.equal(hockey.version, "1");
  assert.equal(errorCode(registry.handle(b, { type: "join", room: hockey.id }), b), "wrong-game");
  assert.equal(
    errorCode(registry.handle(c, { type: "join", room: hockey.id }), c),
    "incompatible-version",
  );
  // Quick match from other scopes opens rooms of their own instead of pairing.
  assert.equal(
    only(to(registry.handle(b, { type: "quick" }), b).filter((m) => m.type === "joined"), "joined")
      .room.players,
    1,
  );
  assert.equal(registry.roomOf(c), null);
  // Clients without the fields are in the default scope and see default rooms only.
  const old = registry.handle(d, { type: "quick" });
  const joined = only(to(old, d).filter((m) => m.type === "joined"), "joined");
  assert.equal(joined.room.players, 1);
  assert.equal("game" in joined.room, false);
  // A hello without the fields keeps the scope; changing it inside a room is refused.
  assert.deepEqual(scope(a, "hockey", "1"), []);
  assert.deepEqual(
    registry.handle(a, { type: "hello", name: "P" }).filter((e) => e.kind === "scope"),
    [],
  );
  assert.equal(
    errorCode(registry.handle(a, { type: "hello", name: "P", game: "x" }), a),
    "already-in-room",
  );
});

Deno.test("password guessing backs off per room and per address", () => {
  let t = 0;
  const r = createRoomRegistry({ now: () => t, monotonic: () => t });
  const owner = r.connect("10.0.0.1").id;
  const room = only(
    to(r.handle(owner, { type: "create", name: "R", password: "1234" }), owner).filter((m) =>
      m.type === "joined"
    ),
    "joined",
  ).room;
  const guesser = r.connect("10.0.0.2").id;
  const guess = (p: PlayerId, password: string) => {
    const out = to(r.handle(p, { type: "join", room: room.id, password }), p);
    return out.find((m) => m.type === "error") as
      | Extract<ServerMessage, { type: "error" }>
      | undefined;
  };
  for (let i = 0; i < 5; i++) assert.equal(guess(guesser, String(i))?.code, "wrong-password");
  assert.equal(
    guess(guesser, "5")?.code,
    "wrong-password",
    "the sixth guess is checked, then backoff",
  );
  const limited = guess(guesser, "1234");
  assert.equal(limited?.code, "too-many-attempts", "even the right password waits");
  assert.equal(limited?.retryAfterMs, 1000);
  // Another address is held back by the room's count too.
  const other = r.connect("10.0.0.3").id;
  assert.equal(guess(other, "1234")?.code, "too-many-attempts");
  t += 1000;
  assert.equal(guess(other, "1234"), undefined, "after the wait the right password gets in");
  assert.equal(r.roomOf(other)?.players, 2);
});

Deno.test("hooks: one paired event per pairing and one match-end per end", () => {
  const { registry, connect } = setup();
  const [a, b] = [connect(), connect()];
  const { room } = create(registry, a);
  const joined = registry.handle(b, { type: "join", room: room.id });
  const [paired] = events(joined);
  assert.equal(events(joined).length, 1);
  assert.equal(paired.type, "paired");
  assert.equal(
    paired.type === "paired" && paired.players.map((p) => p.role).join(),
    "offerer,answerer",
  );
  assert.equal(paired.session, sessionOf(joined, a));
  assert.deepEqual(events(registry.handle(a, { type: "leave" })), [
    { type: "match-end", session: paired.session, room: room.id, reason: "left" },
  ]);
  // The room's last player leaving ends no pairing: nothing more.
  assert.deepEqual(events(registry.disconnect(b)), []);
  const [c, d] = [connect(), connect()];
  const second = create(registry, c).room;
  const s2 = sessionOf(registry.handle(d, { type: "join", room: second.id }), d);
  assert.deepEqual(events(registry.disconnect(d)), [
    { type: "match-end", session: s2, room: second.id, reason: "disconnected" },
  ]);
  const [e, f] = [connect(), connect()];
  const third = create(registry, e).room;
  const s3 = sessionOf(registry.handle(f, { type: "join", room: third.id }), f);
  assert.deepEqual(events(registry.shutdown()), [
    { type: "match-end", session: s3, room: third.id, reason: "shutdown" },
  ]);
});

Deno.test("a signal after shutdown ended the pairing is not relayed (no session: null)", () => {
  const { registry, connect } = setup();
  const [a, b] = [connect(), connect()];
  const { room } = create(registry, a);
  const s = sessionOf(registry.handle(b, { type: "join", room: room.id }), b);
  registry.shutdown();
  const data = { kind: "offer", sdp: "v=0" } as const;
  assert.deepEqual(registry.handle(a, { type: "signal", data }), []);
  assert.deepEqual(registry.handle(a, { type: "signal", data, session: s }), []);
});

Deno.test("list asks the hub for a filtered snapshot, with the rid", () => {
  const { registry, connect } = setup();
  const a = connect();
  assert.deepEqual(registry.handle(a, { type: "list", filter: "pro", rid: 3 }), [
    { kind: "list", to: a, filter: "pro", rid: 3 },
  ]);
});
