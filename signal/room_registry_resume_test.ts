import assert from "node:assert/strict";
import type { ServerMessage, ServerMessageOf } from "../shared/lobby_protocol.ts";
import { createRoomRegistry, type Effect, type PlayerId } from "./room_registry.ts";

function setup(resumeGraceMs = 1000) {
  let clock = 1_000;
  const registry = createRoomRegistry({ now: () => clock, resumeGraceMs });
  return {
    registry,
    connect: () => registry.connect().id,
    advance: (ms: number) => void (clock += ms),
  };
}

function to(effects: Effect[], player: PlayerId): ServerMessage[] {
  return effects.flatMap((e) => (e.kind === "send" && e.to === player ? [e.message] : []));
}

function pairedOf(effects: Effect[], player: PlayerId): ServerMessageOf<"paired"> {
  const m = to(effects, player).filter((x) => x.type === "paired");
  assert.equal(m.length, 1, JSON.stringify(effects));
  return m[0] as ServerMessageOf<"paired">;
}

function errorOf(effects: Effect[], player: PlayerId): string {
  const m = to(effects, player);
  assert.equal(m.length, 1, JSON.stringify(effects));
  assert.equal(m[0].type, "error");
  return (m[0] as ServerMessageOf<"error">).code;
}

/** Two players in a `playing` room; their resume tokens and session. */
function playing(s: ReturnType<typeof setup>) {
  const [a, b] = [s.connect(), s.connect()];
  const created = s.registry.handle(a, { type: "create", name: "Room" });
  const room = (to(created, a)[0] as ServerMessageOf<"joined">).room;
  const joined = s.registry.handle(b, { type: "join", room: room.id });
  const pa = pairedOf(joined, a);
  const pb = pairedOf(joined, b);
  s.registry.handle(a, { type: "signal", data: { kind: "offer", sdp: "v=0 a" } });
  s.registry.handle(b, { type: "signal", data: { kind: "answer", sdp: "v=0 b" } });
  assert.equal(s.registry.roomOf(a)?.state, "playing");
  return { a, b, room, session: pa.session, tokenA: pa.resume!, tokenB: pb.resume! };
}

Deno.test("paired carries a distinct, unguessable resume token per seat", () => {
  const s = setup();
  const { tokenA, tokenB, session } = playing(s);
  assert.match(tokenA, /^[0-9A-Z]{26}$/);
  assert.match(tokenB, /^[0-9A-Z]{26}$/);
  assert.notEqual(tokenA, tokenB);
  assert.notEqual(tokenA, session);
});

Deno.test("with no grace period there are no tokens and a drop frees the seat", () => {
  const s = setup(0);
  const { a, b, tokenA } = playing(s);
  assert.equal(tokenA, undefined);
  const effects = s.registry.disconnect(a);
  assert.deepEqual(to(effects, b), [{ type: "peer-left", id: a }]);
});

Deno.test("a drop mid-match holds the seat: peer-away, the room stays playing and full", () => {
  const s = setup();
  const { a, b, room } = playing(s);
  const effects = s.registry.disconnect(a);
  assert.deepEqual(to(effects, b), [{ type: "peer-away", id: a, graceMs: 1000 }]);
  assert.deepEqual(effects.filter((e) => e.kind === "expire").map((e) => e.kind), ["expire"]);
  assert.equal(effects.filter((e) => e.kind === "event").length, 0, "the match has not ended");
  assert.deepEqual(s.registry.roomOf(b), { ...room, players: 2, state: "playing" });
  // Nobody can take the held seat.
  const c = s.connect();
  assert.equal(errorOf(s.registry.handle(c, { type: "join", room: room.id }), c), "room-full");
});

Deno.test("resume re-seats the returner in the same session; the returner offers", () => {
  const s = setup();
  const { a, b, room, session, tokenA, tokenB } = playing(s);
  s.registry.disconnect(a);
  s.advance(500);
  const a2 = s.connect();
  const effects = s.registry.handle(a2, { type: "resume", token: tokenA, rid: 7 });
  const mine = to(effects, a2);
  assert.equal(mine[0].type, "joined");
  assert.equal((mine[0] as ServerMessageOf<"joined">).rid, 7);
  const back = pairedOf(effects, a2);
  assert.deepEqual(back, {
    type: "paired",
    peer: { id: b, name: back.peer.name },
    role: "offerer",
    session,
    resume: tokenA,
    resumed: true,
  });
  const survivor = pairedOf(effects, b);
  assert.equal(survivor.role, "answerer");
  assert.equal(survivor.session, session);
  assert.equal(survivor.peer.id, a2);
  assert.equal(survivor.resume, tokenB);
  assert.equal(survivor.resumed, true);
  assert.equal(effects.filter((e) => e.kind === "event").length, 0, "no new pairing hook");
  assert.deepEqual(s.registry.roomOf(a2), { ...room, players: 2, state: "playing" });
  // Signalling flows between the two again.
  const relayed = s.registry.handle(a2, {
    type: "signal",
    session,
    data: { kind: "offer", sdp: "v=0 again" },
  });
  assert.equal(to(relayed, b)[0].type, "signal");
  // Past the old grace the seat is not given up: the late timer does nothing.
  s.advance(1000);
  assert.deepEqual(s.registry.expire(tokenA), []);
});

Deno.test("the same seat can drop and come back more than once, either side", () => {
  const s = setup();
  const { a, b, session, tokenA, tokenB } = playing(s);
  s.registry.disconnect(a);
  const a2 = s.connect();
  s.registry.handle(a2, { type: "resume", token: tokenA });
  s.registry.disconnect(b);
  const b2 = s.connect();
  const effects = s.registry.handle(b2, { type: "resume", token: tokenB });
  assert.equal(pairedOf(effects, b2).session, session);
  assert.equal(pairedOf(effects, a2).peer.id, b2);
});

Deno.test("the grace runs out: peer-left, the match ends as expired, the room opens", () => {
  const s = setup();
  const { a, b, room, session, tokenA, tokenB } = playing(s);
  s.registry.disconnect(a);
  // A timer that fires early is set again for the rest.
  s.advance(400);
  assert.deepEqual(s.registry.expire(tokenA), [{ kind: "expire", token: tokenA, afterMs: 600 }]);
  s.advance(600);
  const effects = s.registry.expire(tokenA);
  assert.deepEqual(to(effects, b), [{ type: "peer-left", id: a }]);
  assert.deepEqual(
    effects.flatMap((e) => (e.kind === "event" ? [e.event] : [])),
    [{ type: "match-end", session, room: room.id, reason: "expired" }],
  );
  assert.deepEqual(s.registry.roomOf(b), { ...room, players: 1, state: "open" });
  assert.deepEqual(s.registry.expire(tokenA), [], "idempotent");
  const a2 = s.connect();
  const late = s.registry.handle(a2, { type: "resume", token: tokenA });
  assert.equal(errorOf(late, a2), "resume-expired");
  // The survivor's own token belongs to a finished match.
  assert.equal(
    errorOf(s.registry.handle(a2, { type: "resume", token: tokenB }), a2),
    "match-finished",
  );
  assert.equal(s.registry.roomOf(a2), null);
});

Deno.test("a resume after the grace but before its timer fired is refused all the same", () => {
  const s = setup();
  const { a, b, tokenA } = playing(s);
  s.registry.disconnect(a);
  s.advance(1000);
  const a2 = s.connect();
  const effects = s.registry.handle(a2, { type: "resume", token: tokenA });
  assert.equal(errorOf(effects, a2), "resume-expired");
  assert.deepEqual(to(effects, b), [{ type: "peer-left", id: a }]);
});

Deno.test("forged, finished and in-use tokens are refused and touch nobody's match", () => {
  const s = setup();
  const m = playing(s);
  const other = playing(s);
  const c = s.connect();
  const tries: [string, string][] = [
    ["AAAAAAAAAAAAAAAAAAAAAAAAAA", "resume-unknown"],
    [m.session, "resume-unknown"],
    // Both players are connected: a second tab with a copied token.
    [m.tokenA, "resume-in-use"],
    [other.tokenB, "resume-in-use"],
  ];
  for (const [token, code] of tries) {
    const effects = s.registry.handle(c, { type: "resume", token });
    assert.equal(errorOf(effects, c), code, token);
    assert.equal(effects.length, 1, "only the error, to the asker");
  }
  // Two tabs racing for one held seat: the first wins, the second is refused.
  s.registry.disconnect(m.a);
  const [t1, t2] = [s.connect(), s.connect()];
  assert.equal(
    pairedOf(s.registry.handle(t1, { type: "resume", token: m.tokenA }), t1).role,
    "offerer",
  );
  assert.equal(
    errorOf(s.registry.handle(t2, { type: "resume", token: m.tokenA }), t2),
    "resume-in-use",
  );
  // A player already in a room cannot resume into another.
  s.registry.disconnect(other.a);
  const e = s.registry.handle(t1, { type: "resume", token: other.tokenA });
  assert.equal(errorOf(e, t1), "already-in-room");
  assert.equal(s.registry.roomOf(other.b)?.state, "playing");
  assert.equal(s.registry.roomOf(m.b)?.state, "playing");
});

Deno.test("a match ended by a leave, or by the survivor dropping too, is finished", () => {
  const s = setup();
  const m = playing(s);
  s.registry.handle(m.a, { type: "leave" });
  const c = s.connect();
  assert.equal(
    errorOf(s.registry.handle(c, { type: "resume", token: m.tokenA }), c),
    "match-finished",
  );

  const n = playing(s);
  s.registry.disconnect(n.a);
  // Both gone: nobody is left to resume with; the room goes.
  const effects = s.registry.disconnect(n.b);
  assert.ok(effects.some((e) => e.kind === "broadcast" && e.message.type === "room-removed"));
  assert.equal(
    errorOf(s.registry.handle(c, { type: "resume", token: n.tokenA }), c),
    "match-finished",
  );
  assert.equal(
    errorOf(s.registry.handle(c, { type: "resume", token: n.tokenB }), c),
    "match-finished",
  );
});

Deno.test("a drop before the match is playing frees the seat at once", () => {
  const s = setup();
  const [a, b] = [s.connect(), s.connect()];
  const room = (to(s.registry.handle(a, { type: "create", name: "R" }), a)[0] as ServerMessageOf<
    "joined"
  >).room;
  const token = pairedOf(s.registry.handle(b, { type: "join", room: room.id }), a).resume!;
  assert.deepEqual(to(s.registry.disconnect(a), b), [{ type: "peer-left", id: a }]);
  const c = s.connect();
  assert.equal(errorOf(s.registry.handle(c, { type: "resume", token }), c), "match-finished");
});

Deno.test("resume keeps scopes: a returner of another game or build is refused", () => {
  const s = setup();
  const m = playing(s);
  s.registry.disconnect(m.a);
  const c = s.connect();
  s.registry.handle(c, { type: "hello", name: "Cy", game: "pong" });
  assert.equal(errorOf(s.registry.handle(c, { type: "resume", token: m.tokenA }), c), "wrong-game");
  const d = s.connect();
  assert.equal(
    pairedOf(s.registry.handle(d, { type: "resume", token: m.tokenA }), d).resumed,
    true,
  );
});
