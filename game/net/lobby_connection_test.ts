// The lobby connection's reducer alone: every transition driven by hand, no socket, no timer.
import assert from "node:assert/strict";
import type { RoomInfo, ServerMessage } from "../../shared/lobby_protocol.ts";
import {
  DEFAULT_RECONNECT,
  initialLobbyConnection,
  type LobbyConnectionConfig,
  type LobbyConnectionEffect,
  type LobbyConnectionInput,
  type LobbyConnectionState,
  stepLobbyConnection,
} from "./lobby_connection.ts";

const policy = { ...DEFAULT_RECONNECT, initialDelayMs: 100, maxDelayMs: 1_000, jitter: 0 };

/** A connection driven by hand; `fx` holds the effects of the last step. */
function drive(config: Partial<LobbyConnectionConfig> = {}) {
  const first = initialLobbyConnection({ reconnect: policy, requestTimeoutMs: 1_000, ...config });
  const d = {
    s: first.state as LobbyConnectionState,
    fx: first.effects as LobbyConnectionEffect[],
    step(input: LobbyConnectionInput) {
      const r = stepLobbyConnection(d.s, input);
      d.s = r.state;
      d.fx = r.effects;
      return r.effects;
    },
    /** A frame on the current socket. */
    recv(msg: ServerMessage | string, at = 0) {
      const data = typeof msg === "string" ? msg : JSON.stringify(msg);
      return d.step({ type: "message", socket: d.s.socket ?? -1, data, at });
    },
    welcome(id = "p1") {
      return d.recv({ type: "welcome", id, name: "Player", protocol: 1, iceServers: [] });
    },
    drop(code = 1006) {
      return d.step({ type: "closed", socket: d.s.socket ?? -1, code, random: 0 });
    },
    kinds: () => d.fx.map((e) => e.kind === "emit" ? `emit:${e.event.type}` : e.kind),
  };
  return d;
}

const room = (id: string, extra: Partial<RoomInfo> = {}): RoomInfo => ({
  id,
  name: id,
  players: 1,
  capacity: 2,
  state: "open",
  locked: false,
  createdAt: 0,
  ...extra,
});

/** The error code of a reject effect, or null. */
const rejected = (e: LobbyConnectionEffect | undefined) =>
  e?.kind === "reject" ? e.error.code : null;

const sent = (fx: LobbyConnectionEffect[]) =>
  fx.flatMap((e) => e.kind === "send" ? [JSON.parse(e.frame)] : []);

function paired(d: ReturnType<typeof drive>, session = "s1") {
  d.welcome();
  d.recv({ type: "paired", peer: { id: "q", name: "Q" }, role: "offerer", session }, 42);
}

Deno.test("the first step opens socket 1 and waits in `connecting`", () => {
  const d = drive();
  assert.deepEqual(d.fx, [{ kind: "open", socket: 1 }]);
  assert.equal(d.s.phase, "connecting");
});

Deno.test("welcome sends hello first, then opens, flushes queued requests, resolves ready", () => {
  const d = drive({ name: "Ada", game: "g", version: "2" });
  d.step({ type: "wait", id: 1, for: "ready" });
  assert.deepEqual(d.fx, []);
  d.step({ type: "request", id: 2, message: { type: "quick" }, at: 0 });
  assert.deepEqual(d.kinds(), ["schedule"], "queued, not sent, before welcome");
  d.welcome();
  assert.deepEqual(d.kinds(), ["send", "emit:state", "send", "emit:welcome", "resolve"]);
  assert.deepEqual(sent(d.fx), [
    { type: "hello", name: "Ada", game: "g", version: "2" },
    { type: "quick", rid: 2 },
  ]);
  assert.equal(d.s.phase, "open");
  assert.equal(d.s.pending.get(2)?.sentOn, 1);
  assert.deepEqual(d.fx.at(-1), { kind: "resolve", id: 1, value: d.s.welcome });
});

Deno.test("without name, game or version no hello is sent", () => {
  const d = drive();
  d.welcome();
  assert.deepEqual(sent(d.fx), []);
});

Deno.test("ready and waitForPaired settle at once when they can", () => {
  const d = drive();
  paired(d);
  d.step({ type: "wait", id: 7, for: "ready" });
  assert.deepEqual(d.kinds(), ["resolve"]);
  d.step({ type: "wait", id: 8, for: "paired" });
  assert.deepEqual(d.fx, [{ kind: "resolve", id: 8, value: d.s.paired }]);
  d.step({ type: "close" });
  d.step({ type: "wait", id: 9, for: "ready" });
  assert.equal(rejected(d.fx[0]), "closed");
  d.step({ type: "wait", id: 10, for: "paired" });
  assert.equal(rejected(d.fx[0]), "closed");
});

Deno.test("a reply settles the request with its rid only if the type matches", () => {
  const d = drive();
  d.welcome();
  d.step({ type: "request", id: 5, message: { type: "join", room: "r" }, at: 0 });
  assert.deepEqual(sent(d.fx), [{ type: "join", room: "r", rid: 5 }]);
  d.recv({ type: "left", rid: 5 });
  assert.ok(d.s.pending.has(5), "a left does not answer a join");
  d.recv({ type: "joined", room: room("r"), code: "ABC", rid: 5 });
  assert.deepEqual(d.kinds(), ["cancel", "resolve"]);
  assert.equal(d.s.room?.id, "r");
  assert.equal(d.s.inviteCode, "ABC");
  assert.equal(d.s.pending.size, 0);
  d.recv({ type: "joined", room: room("r"), rid: 5 });
  assert.deepEqual(d.kinds(), [], "an answer to a settled request is ignored");
});

Deno.test("a lobby error rejects its request, or is reported when it names none", () => {
  const d = drive();
  d.welcome();
  d.step({ type: "request", id: 3, message: { type: "join", room: "x" }, at: 0 });
  d.recv({ type: "error", code: "room-not-found", message: "no", rid: 3 });
  assert.deepEqual(d.kinds(), ["cancel", "reject"]);
  assert.equal(d.fx[1].kind === "reject" && d.fx[1].error.code, "room-not-found");
  d.recv({ type: "error", code: "rate-limited", message: "slow", rid: 99 });
  assert.deepEqual(d.kinds(), ["emit:error"]);
});

Deno.test("a request times out on its timer; a late reply does nothing", () => {
  const d = drive();
  d.welcome();
  d.step({ type: "request", id: 4, message: { type: "ping", t: 1 }, at: 0 });
  assert.deepEqual(d.fx[0], { kind: "schedule", timer: { kind: "request", id: 4 }, ms: 1_000 });
  d.step({ type: "timer", timer: { kind: "request", id: 4 } });
  assert.equal(d.fx.at(-1)?.kind, "reject");
  const last = d.fx.at(-1)!;
  assert.equal(
    last.kind === "reject" && last.error.message,
    "lobby did not answer ping within 1000 ms",
  );
  d.recv({ type: "pong", t: 1, rid: 4 });
  assert.deepEqual(d.kinds(), []);
  d.step({ type: "timer", timer: { kind: "request", id: 4 } });
  assert.deepEqual(d.kinds(), [], "a stale timer is ignored");
});

Deno.test("pong sets the round-trip time from when the ping was asked", () => {
  const d = drive();
  d.welcome();
  d.step({ type: "request", id: 1, message: { type: "ping", t: 10 }, at: 10 });
  d.recv({ type: "pong", t: 10, rid: 1 }, 35);
  assert.equal(d.s.rttMs, 25);
});

Deno.test("the room list: snapshot replaces, room upserts, room-removed deletes known rooms", () => {
  const d = drive();
  d.welcome();
  d.recv({ type: "rooms", rooms: [room("a"), room("b")] });
  assert.deepEqual([...d.s.rooms.keys()], ["a", "b"]);
  const before = d.s.rooms;
  d.recv({ type: "room", room: room("a", { players: 2 }) });
  assert.equal(d.s.rooms.get("a")?.players, 2);
  assert.equal(before.get("a")?.players, 1, "the old state is untouched");
  d.recv({ type: "room-removed", id: "b" });
  assert.deepEqual(d.fx, [{
    kind: "emit",
    event: { type: "rooms", change: { kind: "removed", id: "b" } },
  }]);
  d.recv({ type: "room-removed", id: "b" });
  assert.deepEqual(d.fx, [], "an unknown room's removal is not reported");
  d.recv({ type: "rooms", rooms: [] });
  assert.equal(d.s.rooms.size, 0);
});

Deno.test("a new welcome empties the room list of the connection before", () => {
  const d = drive();
  d.welcome();
  d.recv({ type: "rooms", rooms: [room("a")] });
  d.drop();
  assert.equal(d.s.rooms.size, 1, "kept while reconnecting");
  d.step({ type: "timer", timer: { kind: "retry" } });
  d.welcome("p2");
  assert.equal(d.s.rooms.size, 0);
  assert.ok(d.kinds().includes("emit:rooms"));
});

Deno.test("an update to the room we are in updates `room`", () => {
  const d = drive();
  d.welcome();
  d.step({ type: "request", id: 1, message: { type: "create", name: "mine" }, at: 0 });
  d.recv({ type: "joined", room: room("mine"), rid: 1 });
  d.recv({ type: "room", room: room("mine", { players: 2, state: "full" }) });
  assert.equal(d.s.room?.state, "full");
});

Deno.test("list is answered by the rooms snapshot with its rid", () => {
  const d = drive();
  d.welcome();
  d.step({ type: "request", id: 2, message: { type: "list", filter: "x" }, at: 0 });
  d.recv({ type: "rooms", rooms: [room("x1")], total: 3, rid: 2 });
  assert.deepEqual(d.kinds(), ["emit:rooms", "cancel", "resolve"]);
});

Deno.test("paired resolves waiters; signals buffer until a reader and follow the pairing", () => {
  const d = drive();
  d.welcome();
  d.step({ type: "wait", id: 1, for: "paired" });
  d.recv({ type: "paired", peer: { id: "q", name: "Q" }, role: "answerer", session: "s1" }, 42);
  assert.deepEqual(d.s.paired, {
    peer: { id: "q", name: "Q" },
    role: "answerer",
    session: "s1",
    player: 1,
    at: 42,
    resume: null,
    resumed: false,
  });
  assert.deepEqual(d.kinds(), ["emit:paired", "resolve"]);
  const offer = { kind: "offer", sdp: "v=0" } as const;
  d.recv({ type: "signal", from: "q", data: offer, session: "s1" });
  d.recv({ type: "signal", from: "someone-else", data: offer });
  d.recv({ type: "signal", from: "q", data: offer, session: "old" });
  assert.equal(d.s.signalBuffer.length, 1, "only the current peer's, in this session");
  d.step({ type: "signal-reader", present: true });
  assert.deepEqual(d.fx, [{ kind: "emit", event: { type: "signal", data: offer } }]);
  d.recv({ type: "signal", from: "q", data: offer });
  assert.deepEqual(d.kinds(), ["emit:signal"], "with a reader, delivered at once");
});

Deno.test("signal goes out bound to the session only while open and paired", () => {
  const d = drive();
  const data = { kind: "answer", sdp: "v=0" } as const;
  d.step({ type: "signal", data });
  assert.deepEqual(d.fx, []);
  paired(d, "s9");
  d.step({ type: "signal", data });
  assert.deepEqual(sent(d.fx), [{ type: "signal", data, session: "s9" }]);
});

Deno.test("peer-left of the peer ends the pairing; of anyone else it is ignored", () => {
  const d = drive();
  paired(d);
  d.recv({ type: "peer-left", id: "other" });
  assert.deepEqual(d.fx, []);
  d.recv({ type: "peer-left", id: "q" });
  assert.deepEqual(d.kinds(), ["emit:peer-left"]);
  assert.equal(d.s.paired, null);
});

Deno.test("leave drops the pairing at once; left clears the room", () => {
  const d = drive();
  paired(d);
  d.step({ type: "request", id: 1, message: { type: "leave" }, at: 0 });
  assert.equal(d.s.paired, null);
  d.recv({ type: "left", rid: 1 });
  assert.equal(d.s.room, null);
  assert.deepEqual(d.kinds(), ["cancel", "resolve"]);
});

Deno.test("ice-servers replace the welcome's list", () => {
  const d = drive();
  d.recv({ type: "ice-servers", iceServers: [{ urls: "stun:x" }] });
  assert.equal(d.s.welcome, null, "nothing to update before welcome");
  d.welcome();
  d.recv({ type: "ice-servers", iceServers: [{ urls: "stun:x" }] });
  assert.deepEqual((d.s as LobbyConnectionState).welcome?.iceServers, [{ urls: "stun:x" }]);
});

Deno.test("binary, malformed and invalid frames are reported, never thrown", () => {
  const d = drive();
  d.welcome();
  for (
    const data of [new Uint8Array([1]), "{not json", '{"type":"paired","role":"boss"}', "null"]
  ) {
    d.step({ type: "message", socket: 1, data, at: 0 });
    assert.deepEqual(d.kinds(), ["emit:error"]);
    const e = d.fx[0];
    assert.equal(
      e.kind === "emit" && e.event.type === "error" && e.event.error.code,
      "bad-message",
    );
  }
  assert.equal(d.s.phase, "open");
});

Deno.test("events from an older socket are ignored", () => {
  const d = drive();
  d.welcome();
  d.drop();
  d.step({ type: "timer", timer: { kind: "retry" } });
  assert.deepEqual(d.fx, [{ kind: "open", socket: 2 }]);
  d.step({ type: "message", socket: 1, data: '{"type":"room-removed","id":"a"}', at: 0 });
  d.step({ type: "closed", socket: 1, code: 1000, random: 0 });
  assert.deepEqual(d.fx, []);
  assert.equal(d.s.phase, "reconnecting");
});

Deno.test("a drop outside a match rejects what went out on it, forgets the room, backs off", () => {
  const d = drive();
  d.step({ type: "request", id: 1, message: { type: "quick" }, at: 0 });
  d.welcome();
  d.recv({ type: "joined", room: room("r"), rid: 1 });
  d.step({ type: "request", id: 2, message: { type: "hello", name: "Z" }, at: 0 });
  d.step({ type: "wait", id: 3, for: "paired" });
  d.drop(1006);
  assert.deepEqual(d.kinds(), ["cancel", "reject", "reject", "emit:state", "schedule"]);
  assert.deepEqual(d.fx.at(-1), { kind: "schedule", timer: { kind: "retry" }, ms: 100 });
  assert.equal(d.s.room, null);
  assert.equal(d.s.phase, "reconnecting");
  assert.equal(d.s.lastError?.message, "the lobby connection closed (code 1006)");
  // A request made while reconnecting waits for the next welcome.
  d.step({ type: "request", id: 4, message: { type: "quick" }, at: 0 });
  assert.deepEqual(d.kinds(), ["schedule"]);
  // Failed attempts back off exponentially and keep the first reason.
  d.step({ type: "timer", timer: { kind: "retry" } });
  d.step({ type: "open-failed", socket: 2, message: "refused", random: 0 });
  assert.deepEqual(d.fx, [{ kind: "schedule", timer: { kind: "retry" }, ms: 200 }]);
  assert.equal(d.s.lastError?.message, "the lobby connection closed (code 1006)");
  d.step({ type: "timer", timer: { kind: "retry" } });
  d.welcome("p2");
  assert.equal(d.s.attempt, 0);
  assert.equal(d.s.lastError, null);
  assert.deepEqual(sent(d.fx), [{ type: "quick", rid: 4 }]);
});

Deno.test("a fatal lobby error is the reason of the close that follows", () => {
  const d = drive();
  d.welcome();
  d.recv({ type: "error", code: "shutting-down", message: "bye", close: true });
  d.drop(1001);
  assert.equal(d.s.lastError?.code, "shutting-down");
  d.step({ type: "timer", timer: { kind: "retry" } });
  d.drop(1006);
  assert.equal(d.s.lastError?.code, "shutting-down", "a failed retry keeps the reason");
});

Deno.test("a drop during a match closes for good: no reconnect, everything rejected", () => {
  const d = drive();
  paired(d);
  d.step({ type: "request", id: 1, message: { type: "ping" }, at: 0 });
  d.step({ type: "wait", id: 2, for: "ready" });
  assert.deepEqual(d.kinds(), ["resolve"]);
  d.drop(1006);
  assert.equal(d.s.phase, "closed");
  assert.equal(d.s.paired, null);
  assert.ok(!d.kinds().includes("schedule"));
  assert.equal(d.s.pending.size, 0);
  // reconnect() starts over with a fresh socket.
  d.step({ type: "reconnect" });
  assert.deepEqual(d.kinds(), ["emit:state", "open"]);
  assert.equal(d.s.phase, "connecting");
  assert.equal(d.s.lastError, null);
  d.step({ type: "reconnect" });
  assert.deepEqual(d.fx, [], "reconnect is a no-op unless closed");
});

Deno.test("reconnect attempts run out into `closed`, rejecting ready with the reason", () => {
  const d = drive({ reconnect: { ...policy, maxAttempts: 1 } });
  d.step({ type: "wait", id: 1, for: "ready" });
  d.step({ type: "request", id: 2, message: { type: "quick" }, at: 0 });
  d.step({ type: "open-failed", socket: 1, message: "refused", random: 0 });
  assert.equal(d.s.phase, "reconnecting");
  d.step({ type: "timer", timer: { kind: "retry" } });
  d.drop();
  assert.equal(d.s.phase, "closed");
  assert.deepEqual(d.kinds(), ["emit:state", "cancel", "reject", "reject"]);
  for (const e of d.fx.filter((e) => e.kind === "reject")) {
    assert.equal(e.kind === "reject" && e.error.code, "connection-lost");
  }
});

Deno.test("reconnect false: the first drop closes", () => {
  const d = drive({ reconnect: null });
  d.welcome();
  d.drop();
  assert.equal(d.s.phase, "closed");
});

Deno.test("close cancels the retry, closes the socket, rejects everything, once", () => {
  const d = drive();
  d.welcome();
  d.drop();
  d.step({ type: "timer", timer: { kind: "retry" } });
  d.drop();
  d.step({ type: "request", id: 1, message: { type: "quick" }, at: 0 });
  d.step({ type: "wait", id: 2, for: "paired" });
  d.step({ type: "close" });
  assert.deepEqual(d.kinds(), ["cancel", "emit:state", "cancel", "reject", "reject"]);
  assert.equal(d.s.retryScheduled, false);
  d.step({ type: "timer", timer: { kind: "retry" } });
  assert.deepEqual(d.fx, [], "a retry that fires after close opens nothing");
  d.step({ type: "close" });
  assert.deepEqual(d.fx, []);
  d.step({ type: "request", id: 3, message: { type: "quick" }, at: 0 });
  assert.equal(rejected(d.fx[0]), "closed");
});

Deno.test("close on an open connection closes its socket with 1000", () => {
  const d = drive();
  d.welcome();
  d.step({ type: "close" });
  assert.deepEqual(d.fx[1], { kind: "close", code: 1000, reason: "client closed" });
  assert.equal(d.s.socket, null);
});

Deno.test("a thousand random inputs never throw and keep the state coherent", () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const frames = [
    JSON.stringify({ type: "welcome", id: "p", name: "P", protocol: 1, iceServers: [] }),
    JSON.stringify({ type: "paired", peer: { id: "q", name: "Q" }, role: "offerer", session: "s" }),
    JSON.stringify({ type: "joined", room: room("r"), rid: 1 }),
    JSON.stringify({ type: "left", rid: 2 }),
    JSON.stringify({ type: "error", code: "bad-message", message: "x", rid: 3, close: true }),
    JSON.stringify({ type: "signal", from: "q", data: { kind: "offer", sdp: "v=0" } }),
    "garbage",
  ];
  const d = drive();
  for (let n = 0; n < 1_000; n++) {
    const socket = d.s.socket ?? d.s.sockets;
    const r = rnd();
    const id = 1 + Math.floor(rnd() * 4);
    const inputs: LobbyConnectionInput[] = [
      { type: "message", socket, data: frames[Math.floor(rnd() * frames.length)], at: n },
      { type: "closed", socket, code: 1006, random: r },
      { type: "open-failed", socket, message: "no", random: r },
      { type: "timer", timer: rnd() < 0.5 ? { kind: "retry" } : { kind: "request", id } },
      { type: "request", id, message: { type: "quick" }, at: n },
      { type: "wait", id, for: rnd() < 0.5 ? "ready" : "paired" },
      { type: "signal", data: { kind: "candidate", candidate: null } },
      { type: "reconnect" },
      { type: "close" },
    ];
    d.step(inputs[Math.floor(rnd() * inputs.length)]);
    if (d.s.phase === "closed") {
      assert.equal(d.s.pending.size, 0, "nothing pending once closed");
      assert.equal(d.s.retryScheduled, false);
    }
    if (d.s.paired === null) assert.equal(d.s.signalBuffer.length, 0);
  }
});

/** A pairing that carries a resume token (the lobby holds seats). */
function pairedWithSeat(d: ReturnType<typeof drive>, role: "offerer" | "answerer" = "answerer") {
  d.welcome();
  d.recv({ type: "paired", peer: { id: "q", name: "Q" }, role, session: "s1", resume: "TOK1" }, 7);
}

Deno.test("a drop mid-match with a seat held reconnects and asks for the seat after welcome", () => {
  const d = drive({ name: "Ada" });
  pairedWithSeat(d);
  d.drop();
  assert.equal(d.s.phase, "reconnecting");
  assert.equal(d.s.paired?.session, "s1", "the pairing stays: the peers talk directly");
  assert.deepEqual(d.s.resumeAs, { token: "TOK1", player: 1 });
  d.step({ type: "timer", timer: { kind: "retry" } });
  d.welcome("p2");
  assert.deepEqual(sent(d.fx).map((m) => m.type), ["hello", "resume"]);
  assert.equal(sent(d.fx)[1].token, "TOK1");
  // The lobby re-seats us as the offerer; the game's player index stays 1.
  d.recv({
    type: "paired",
    peer: { id: "q", name: "Q" },
    role: "offerer",
    session: "s1",
    resume: "TOK1",
    resumed: true,
  });
  assert.deepEqual(d.kinds(), ["emit:resumed"]);
  assert.deepEqual([d.s.paired?.player, d.s.paired?.role, d.s.paired?.resumed], [
    1,
    "offerer",
    true,
  ]);
  assert.equal(d.s.resumeAs, null);
});

Deno.test("a drop mid-match with no seat held still closes (the old lobby behaviour)", () => {
  const d = drive();
  paired(d);
  d.drop();
  assert.equal(d.s.phase, "closed");
  assert.equal(d.s.paired, null);
});

Deno.test("a refused resume drops the pairing without peer-left; other errors leave it", () => {
  const d = drive();
  pairedWithSeat(d);
  d.drop();
  d.step({ type: "timer", timer: { kind: "retry" } });
  d.welcome("p2");
  d.recv({ type: "error", code: "rate-limited", message: "slow down" });
  assert.equal(d.s.paired?.session, "s1");
  d.recv({ type: "error", code: "resume-expired", message: "too late" });
  assert.deepEqual(d.kinds(), ["emit:error"], "the match's own link decides whether it ends");
  assert.equal(d.s.paired, null);
  assert.equal(d.s.resumeAs, null);
});

Deno.test("resume(token, player) from a fresh client: the resumed pairing keeps the player", () => {
  const d = drive();
  d.welcome();
  d.step({ type: "request", id: 5, message: { type: "resume", token: "TOK2" }, at: 0, player: 1 });
  assert.equal(sent(d.fx)[0].rid, 5);
  d.recv({ type: "joined", room: room("r1", { players: 2, state: "playing" }), rid: 5 });
  assert.deepEqual(d.kinds(), ["cancel", "resolve"]);
  d.recv({
    type: "paired",
    peer: { id: "q", name: "Q" },
    role: "offerer",
    session: "s9",
    resume: "TOK2",
    resumed: true,
  }, 3);
  assert.deepEqual(d.kinds(), ["emit:paired"], "a new pairing for this client");
  assert.deepEqual([d.s.paired?.player, d.s.paired?.session, d.s.paired?.resume], [
    1,
    "s9",
    "TOK2",
  ]);
});

Deno.test("peer-away is reported for the current peer only", () => {
  const d = drive();
  pairedWithSeat(d);
  d.recv({ type: "peer-away", id: "someone-else", graceMs: 20_000 });
  assert.deepEqual(d.fx, []);
  d.recv({ type: "peer-away", id: "q", graceMs: 20_000 });
  assert.deepEqual(d.fx, [{
    kind: "emit",
    event: { type: "peer-away", id: "q", graceMs: 20_000 },
  }]);
  assert.equal(d.s.paired?.peer.id, "q", "still paired: the seat is held");
});

const header = {
  game: "g",
  version: "1",
  seed: 1,
  names: ["A", "B"],
  options: [null, null],
} as const;

Deno.test("watch is a request settled by watching; batches and the end reach the spectator only", () => {
  const d = drive();
  d.welcome();
  d.step({ type: "request", id: 7, message: { type: "watch", room: "r1" }, at: 0 });
  assert.deepEqual(sent(d.fx), [{ type: "watch", room: "r1", rid: 7 }]);
  // A batch of a room we do not watch (yet) is dropped.
  d.recv({ type: "stream", room: "r1", from: 0, inputs: "0000" });
  assert.deepEqual(d.kinds(), []);
  const info = room("r1", { state: "playing", players: 2, spectators: 1 });
  d.recv({
    type: "watching",
    room: info,
    header: { ...header, names: ["A", "B"], options: [null, null] },
    rid: 7,
  });
  assert.equal(d.fx.find((e) => e.kind === "resolve")?.kind, "resolve");
  assert.deepEqual(d.s.watching, info);
  d.recv({ type: "stream", room: "r1", from: 0, inputs: "0102" });
  assert.deepEqual(d.fx, [{
    kind: "emit",
    event: { type: "stream", batch: { room: "r1", from: 0, inputs: "0102" } },
  }]);
  d.recv({ type: "stream", room: "other", from: 0, inputs: "0102" });
  assert.deepEqual(d.kinds(), []);
  d.recv({ type: "stream-end", room: "r1", reason: "match-over" });
  assert.deepEqual(d.fx, [{
    kind: "emit",
    event: { type: "stream-end", room: "r1", reason: "match-over" },
  }]);
  assert.equal(d.s.watching, null);
  d.recv({ type: "stream", room: "r1", from: 1, inputs: "0102" });
  assert.deepEqual(d.kinds(), [], "nothing after the end");
});

Deno.test("a dropped socket ends the watching as connection-lost; leave stops it too", () => {
  const d = drive();
  d.welcome();
  d.recv({ type: "watching", room: room("r1", { state: "playing" }) });
  d.drop();
  assert.ok(
    d.fx.some((e) =>
      e.kind === "emit" && e.event.type === "stream-end" && e.event.reason === "connection-lost"
    ),
  );
  assert.equal(d.s.watching, null);
  const e = drive();
  e.welcome();
  e.recv({ type: "watching", room: room("r1", { state: "playing" }) });
  e.step({ type: "request", id: 3, message: { type: "leave" }, at: 0 });
  assert.equal(e.s.watching, null);
});

Deno.test("the offerer's stream goes out only while open and paired", () => {
  const d = drive();
  d.welcome();
  const batch = {
    from: 0,
    inputs: "0000",
    header: {
      ...header,
      names: ["A", "B"] as [string, string],
      options: [null, null] as [null, null],
    },
  };
  d.step({ type: "stream", batch });
  assert.deepEqual(d.fx, [], "not paired");
  d.recv({ type: "paired", peer: { id: "q", name: "Q" }, role: "offerer", session: "s" });
  d.step({ type: "stream", batch });
  assert.deepEqual(sent(d.fx), [{ type: "stream", ...batch }]);
  d.step({ type: "stream-end" });
  assert.deepEqual(sent(d.fx), [{ type: "stream-end" }]);
  d.drop();
  d.step({ type: "stream", batch });
  assert.deepEqual(d.fx, [], "no socket");
});

Deno.test("stream-from for our room is kept in the pairing and told; any other is ignored", () => {
  const d = drive();
  d.welcome();
  const info = room("r1", { state: "playing", players: 2 });
  d.recv({ type: "stream-from", room: "r1", from: 3 });
  assert.deepEqual(d.kinds(), [], "not paired: nothing to stream");
  d.recv({ type: "joined", room: info });
  d.recv({ type: "paired", peer: { id: "q", name: "Q" }, role: "offerer", session: "s1" });
  d.recv({ type: "stream-from", room: "other", from: 3 });
  assert.deepEqual(d.kinds(), []);
  assert.equal(d.s.paired?.streamFrom, undefined);
  d.recv({ type: "stream-from", room: "r1", from: 40 });
  assert.deepEqual(d.fx, [{ kind: "emit", event: { type: "stream-from", from: 40 } }]);
  assert.equal(d.s.paired?.streamFrom, 40);
  // The seat taken back again: the old request is stale until the lobby sends a new one.
  d.recv({
    type: "paired",
    peer: { id: "q2", name: "Q" },
    role: "offerer",
    session: "s1",
    resumed: true,
  });
  assert.equal(d.s.paired?.streamFrom, undefined);
  assert.equal(d.s.paired?.peer.id, "q2");
});
