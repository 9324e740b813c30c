import assert from "node:assert/strict";
import { MAX_LOBBY_MESSAGE_BYTES } from "../shared/limits.ts";
import type { ServerMessage } from "../shared/lobby_protocol.ts";
import { createIpLimits } from "./ip_limits.ts";
import { createLobbyHub, type LobbyHub } from "./lobby_hub.ts";
import { silentLogger } from "./log.ts";
import { createLobbyMetrics } from "./lobby_metrics.ts";
import type { LobbyRegistry } from "./lobby_registry.ts";
import { type LobbySessionOptions, openLobbySession } from "./lobby_session.ts";
import { createMemoryRegistry } from "./memory_registry.ts";
import { createRoomRegistry, type RoomRegistry } from "./room_registry.ts";

interface FakeSocket {
  sent: ServerMessage[];
  closed: { code: number; reason: string } | null;
  bufferedAmount: number;
  failSends: boolean;
  send(text: string): void;
  close(code: number, reason: string): void;
}

function fakeSocket(): FakeSocket {
  return {
    sent: [],
    closed: null,
    bufferedAmount: 0,
    failSends: false,
    send(text) {
      if (this.failSends) throw new Error("readyState not OPEN");
      this.sent.push(JSON.parse(text));
    },
    close(code, reason) {
      this.closed = { code, reason };
    },
  };
}

function setup(
  registry: RoomRegistry = createRoomRegistry(),
  wrap: (inner: LobbyRegistry, hub: LobbyHub) => LobbyRegistry = (inner) => inner,
) {
  const hub = createLobbyHub(registry, silentLogger, { tickMs: 0 });
  const metrics = createLobbyMetrics();
  const lobby = wrap(createMemoryRegistry({ hub, rooms: registry, metrics }), hub);
  let time = 0;
  const open = (extra: Partial<LobbySessionOptions> = {}) => {
    const socket = fakeSocket();
    let ends = 0;
    const session = openLobbySession({
      hub,
      registry: lobby,
      metrics,
      socket,
      iceServers: [{ urls: "stun:stun.example:3478" }],
      messagesPerSecond: 10,
      messageBurst: 5,
      rateLimitStrikes: 3,
      now: () => time,
      onEnd: () => ends++,
      ...extra,
    });
    const take = () => socket.sent.splice(0);
    return { session, socket, take, ends: () => ends };
  };
  return { hub, registry, metrics, open, advance: (ms: number) => (time += ms) };
}

Deno.test("a new session gets welcome, then the room snapshot", () => {
  const { open, registry } = setup();
  const first = open();
  first.session.receive('{"type":"create","name":"R"}');
  const { session, take } = open();
  const [welcome, rooms] = take();
  assert.equal(welcome.type, "welcome");
  if (welcome.type !== "welcome") return;
  assert.match(welcome.name, /^Player-/);
  assert.deepEqual(welcome, {
    type: "welcome",
    id: session.id,
    name: welcome.name,
    protocol: 1,
    iceServers: [{ urls: "stun:stun.example:3478" }],
  });
  assert.deepEqual(rooms, { type: "rooms", rooms: registry.publicRooms(), total: 1 });
  assert.equal(registry.publicRooms().length, 1);
});

Deno.test("valid messages reach the registry and replies come back", () => {
  const { open } = setup();
  const { session, take } = open();
  take();
  session.receive('{"type":"ping","t":7,"rid":1}');
  assert.deepEqual(take(), [{ type: "pong", t: 7, rid: 1 }]);
});

Deno.test("bad frames get bad-message and the connection stays open", () => {
  const { open } = setup();
  const { session, socket, take } = open();
  take();
  session.receive("{nope");
  session.receive('{"type":"teleport","rid":4}');
  session.receive(new Uint8Array([1, 2, 3]).buffer);
  session.receive(new Blob(["hi"]));
  const errors = take();
  assert.deepEqual(errors.map((e) => e.type === "error" && e.code), Array(4).fill("bad-message"));
  assert.equal(errors[1].type === "error" && errors[1].rid, 4);
  assert.match(errors[2].type === "error" ? errors[2].message : "", /binary/);
  assert.equal(socket.closed, null);
  assert.equal(session.state, "open");
  session.receive('{"type":"ping"}');
  assert.deepEqual(take(), [{ type: "pong" }]);
});

Deno.test("an oversized text frame closes with 1009 after a too-large error", () => {
  const { open, registry } = setup();
  const { session, socket, take, ends } = open();
  take();
  session.receive(JSON.stringify({ type: "ping", pad: "x".repeat(MAX_LOBBY_MESSAGE_BYTES) }));
  const [error] = take();
  assert.equal(error.type, "error");
  assert.equal(error.type === "error" && error.code, "too-large");
  assert.equal(error.type === "error" && error.close, true);
  assert.equal(socket.closed?.code, 1009);
  assert.equal(session.state, "ended");
  assert.equal(ends(), 1);
  assert.equal(registry.counts().players, 0);
  session.receive('{"type":"ping"}');
  assert.deepEqual(take(), []);
});

Deno.test("an oversized binary frame closes with 1009 too", () => {
  const { open } = setup();
  const { session, socket } = open();
  session.receive(new Uint8Array(MAX_LOBBY_MESSAGE_BYTES + 1));
  assert.equal(socket.closed?.code, 1009);
});

Deno.test("flooding: rate-limited errors with rid, then 1008", () => {
  const { open } = setup();
  const { session, socket, take } = open();
  take();
  for (let i = 0; i < 5; i++) session.receive(`{"type":"ping","rid":${i}}`);
  assert.equal(take().length, 5);
  for (let i = 5; i < 8; i++) session.receive(`{"type":"ping","rid":${i}}`);
  const limited = take();
  assert.deepEqual(limited.map((m) => m.type === "error" && [m.code, m.rid]), [
    ["rate-limited", 5],
    ["rate-limited", 6],
    ["rate-limited", 7],
  ]);
  assert.equal(socket.closed, null);
  session.receive('{"type":"ping","rid":8}');
  const [last] = take();
  assert.equal(last.type === "error" && last.code, "rate-limited");
  assert.equal(last.type === "error" && last.close, true);
  assert.deepEqual(socket.closed, { code: 1008, reason: "rate limit exceeded" });
});

Deno.test("a client that slows down after a burst is served again, not closed", () => {
  const { open, advance } = setup();
  const { session, socket, take } = open();
  take();
  for (let i = 0; i < 7; i++) session.receive('{"type":"ping"}');
  assert.equal(take().filter((m) => m.type === "error").length, 2);
  // At the sustained rate (10/s) every message passes, and the strikes wear off.
  for (let i = 0; i < 50; i++) {
    advance(100);
    session.receive('{"type":"ping"}');
  }
  assert.deepEqual(new Set(take().map((m) => m.type)), new Set(["pong"]));
  assert.equal(socket.closed, null);
});

Deno.test("a client that stops reading is closed with 1008", () => {
  const { open } = setup();
  const { session, socket } = open({ maxBufferedBytes: 100 });
  socket.bufferedAmount = 101;
  session.receive('{"type":"ping"}');
  assert.equal(socket.closed?.code, 1008);
  assert.equal(session.state, "ended");
});

Deno.test("a player closed for not reading mid-delivery: its leave comes after what it interrupted", () => {
  // A's socket passes the buffer cap when B's join sends it `paired`; A's leave (peer-left, room
  // open again) must reach everyone after the join's own messages, or B stays paired with a gone
  // peer and the room list keeps showing the room full.
  const { open, registry } = setup();
  const a = open({ maxBufferedBytes: 100 });
  const b = open();
  const watcher = open();
  a.session.receive('{"type":"create","name":"R"}');
  const room = registry.roomOf(a.session.id)!;
  b.take();
  watcher.take();
  a.socket.bufferedAmount = 101;
  b.session.receive(JSON.stringify({ type: "join", room: room.id }));
  assert.equal(a.session.state, "ended");
  assert.deepEqual(b.take().map((m) => m.type), ["joined", "paired", "room", "peer-left", "room"]);
  const rooms = watcher.take().flatMap((m) => m.type === "room" ? [m.room] : []);
  assert.deepEqual(rooms.at(-1), registry.roomOf(b.session.id));
});

Deno.test("dropping a paired session tells the peer, once", () => {
  const { open, registry } = setup();
  const a = open();
  const b = open();
  a.session.receive('{"type":"create","name":"R"}');
  b.session.receive(JSON.stringify({ type: "join", room: registry.roomOf(a.session.id)!.id }));
  a.take();
  b.session.dropped();
  b.session.dropped();
  assert.deepEqual(a.take(), [
    { type: "peer-left", id: b.session.id },
    { type: "room", room: registry.roomOf(a.session.id)! },
  ]);
  assert.equal(b.ends(), 1);
  assert.equal(registry.counts().players, 1);
});

Deno.test("a socket whose send throws ends the session instead of crashing", () => {
  const { open, registry } = setup();
  const a = open();
  const b = open();
  b.socket.failSends = true;
  a.session.receive('{"type":"create","name":"R"}');
  assert.equal(b.session.state, "ended");
  assert.equal(a.session.state, "open");
  assert.equal(registry.counts().players, 1);
});

Deno.test("end sends a final error with close: true and closes with the code", () => {
  const { open } = setup();
  const { session, socket, take, ends } = open();
  take();
  session.end(1001, "server shutting down", { code: "shutting-down", message: "bye" });
  assert.deepEqual(take(), [{ type: "error", code: "shutting-down", message: "bye", close: true }]);
  assert.deepEqual(socket.closed, { code: 1001, reason: "server shutting down" });
  session.end(1001, "again");
  assert.equal(ends(), 1);
});

Deno.test("a failing registry costs one request, not the connection", () => {
  const registry = createRoomRegistry();
  const broken: RoomRegistry = {
    ...registry,
    handle: () => {
      throw new Error("bug");
    },
  };
  const { open } = setup(broken);
  const { session, socket, take } = open();
  take();
  const originalError = console.error;
  console.error = () => {};
  try {
    session.receive('{"type":"quick","rid":3}');
  } finally {
    console.error = originalError;
  }
  const [error] = take();
  assert.equal(error.type === "error" && error.code, "internal-error");
  assert.equal(error.type === "error" && error.rid, 3);
  assert.equal(socket.closed, null);
});

Deno.test("hub stays consistent: ended sessions receive nothing", () => {
  const { open, hub } = setup();
  const a = open();
  const b = open();
  b.session.end(1000, "done");
  a.session.receive('{"type":"create","name":"R"}');
  assert.equal(hub.size, 1);
  assert.deepEqual(b.socket.sent.map((m) => m.type), ["welcome", "rooms"]);
});

/** A registry whose every step completes later, like Redis, in the order started. */
function asyncRegistry(inner: LobbyRegistry): LobbyRegistry & { flush(): Promise<void> } {
  const pending: (() => void)[] = [];
  const later = <T>(f: () => T) =>
    new Promise<T>((resolve, reject) =>
      pending.push(() => {
        try {
          resolve(f());
        } catch (e) {
          reject(e);
        }
      })
    );
  return {
    ...inner,
    kind: "redis",
    connect() {
      const r = inner.connect();
      return { ...r, ready: later(() => {}) };
    },
    handle: (p, m) => later(() => inner.handle(p, m) as void),
    disconnect: (p) => later(() => inner.disconnect(p) as void),
    async flush() {
      while (pending.length > 0) {
        pending.shift()!();
        await new Promise((r) => setTimeout(r, 0));
      }
    },
  };
}

Deno.test("with an asynchronous registry, frames queue and replies keep their order", async () => {
  let lobby!: ReturnType<typeof asyncRegistry>;
  const { open } = setup(createRoomRegistry(), (inner) => (lobby = asyncRegistry(inner)));
  const { session, take } = open();
  assert.equal(session.state, "registering");
  // Sent before the welcome: handled after it, in order, each reply after the one before.
  session.receive('{"type":"create","name":"R","rid":1}');
  session.receive("{bad json");
  session.receive('{"type":"ping","rid":2}');
  session.receive('{"type":"create","name":"S","rid":3}');
  assert.deepEqual(take(), []);
  await lobby.flush();
  assert.equal(session.state, "open");
  const got = take().map((m) => `${m.type}${"rid" in m && m.rid ? m.rid : ""}`);
  assert.deepEqual(got, ["welcome", "rooms", "joined1", "room", "error", "pong2", "error3"]);
});

Deno.test("a drop during an asynchronous step leaves the registry after that step", async () => {
  let lobby!: ReturnType<typeof asyncRegistry>;
  const { open, registry } = setup(createRoomRegistry(), (inner) => (lobby = asyncRegistry(inner)));
  const { session } = open();
  await lobby.flush();
  session.receive('{"type":"create","name":"R"}');
  session.dropped();
  assert.equal(session.state, "ended");
  await lobby.flush();
  assert.equal(registry.counts().players, 0);
  assert.equal(registry.counts().rooms, 0);
});

Deno.test("a failed registration closes with internal-error and 1011", async () => {
  const { open } = setup(createRoomRegistry(), (inner) => ({
    ...inner,
    connect: () => ({ ...inner.connect(), ready: Promise.reject(new Error("redis down")) }),
  }));
  const { session, socket, take } = open();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(session.state, "ended");
  const [error] = take();
  assert.equal(error.type === "error" && error.code, "internal-error");
  assert.equal(socket.closed?.code, 1011);
});

Deno.test("per-player ICE servers in welcome, refreshed with ice-servers", async () => {
  const { open, metrics } = setup();
  let n = 0;
  const { session, take } = open({
    iceServers: (
      player,
    ) => [{ urls: "turn:t:3478", username: `${++n}:${player}`, credential: "c" }],
    iceRefreshMs: 10,
  });
  const [welcome] = take();
  assert.equal(welcome.type === "welcome" && welcome.iceServers[0].username, `1:${session.id}`);
  await new Promise((r) => setTimeout(r, 35));
  const refreshes = take();
  assert.ok(refreshes.length >= 2, JSON.stringify(refreshes));
  assert.deepEqual(refreshes[0], {
    type: "ice-servers",
    iceServers: [{ urls: "turn:t:3478", username: `2:${session.id}`, credential: "c" }],
  });
  assert.equal(metrics.iceRefreshes.get(), refreshes.length);
  session.dropped();
  const after = n;
  await new Promise((r) => setTimeout(r, 25));
  assert.equal(n, after, "no refresh after the session ended");
});

Deno.test("the IP address's shared budget limits its connections together", () => {
  const { open, metrics } = setup();
  const limits = createIpLimits({ maxConnectionsPerIp: 0, messagesPerSecond: 1, messageBurst: 3 });
  const a = open({ ipTicket: limits.admit("198.51.100.7", 0) });
  const b = open({ ipTicket: limits.admit("198.51.100.7", 0) });
  a.take();
  b.take();
  a.session.receive('{"type":"ping"}');
  b.session.receive('{"type":"ping"}');
  a.session.receive('{"type":"ping"}');
  b.session.receive('{"type":"ping","rid":9}');
  assert.deepEqual(b.take(), [
    { type: "pong" },
    {
      type: "error",
      code: "rate-limited",
      message: "slow down: too many messages from your network",
      rid: 9,
    },
  ]);
  assert.equal(metrics.rateLimitedMessages.get({ scope: "ip" }), 1);
  assert.equal(metrics.rateLimitedClients.get({ scope: "ip" }), 1);
  assert.equal(metrics.errors.get({ code: "rate-limited" }), 1);
});

Deno.test("metrics: messages by type, pairings, relayed signals and errors", () => {
  const { open, metrics, registry } = setup();
  const a = open();
  const b = open();
  a.session.receive('{"type":"create","name":"R"}');
  b.session.receive(JSON.stringify({ type: "join", room: registry.roomOf(a.session.id)!.id }));
  a.session.receive('{"type":"signal","data":{"kind":"offer","sdp":"v=0"}}');
  b.session.receive('{"type":"join","room":"nope"}');
  b.session.receive("{");
  assert.equal(metrics.messages.get({ type: "join" }), 2);
  assert.equal(metrics.pairings.get(), 1);
  assert.equal(metrics.relayedMessages.get({ kind: "offer" }), 1);
  assert.equal(metrics.relayedBytes.get(), "v=0".length);
  assert.equal(metrics.errors.get({ code: "already-in-room" }), 1);
  assert.equal(metrics.errors.get({ code: "bad-message" }), 1);
});

Deno.test("relayed signals: the text path counts once, and the peer gets only what was checked", () => {
  const { open, metrics, registry } = setup();
  const a = open();
  const b = open();
  a.session.receive('{"type":"create","name":"R"}');
  b.session.receive(JSON.stringify({ type: "join", room: registry.roomOf(a.session.id)!.id }));
  const session = b.take().find((m) => m.type === "paired")!;
  assert.equal(session.type, "paired");
  if (session.type !== "paired") return;
  a.take();
  const candidate = { candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host", sdpMid: "0" };
  const data = { kind: "candidate", candidate };
  a.session.receive(JSON.stringify({ type: "signal", data, session: session.session, rid: 1 }));
  // Unknown keys take the slow path, which drops them; a stale session is dropped.
  a.session.receive(JSON.stringify({ type: "signal", data: { ...data, from: "x" }, from: "y" }));
  a.session.receive(JSON.stringify({ type: "signal", data, session: "stale" }));
  const relayed = { type: "signal", from: a.session.id, data, session: session.session };
  assert.deepEqual(b.take(), [relayed, relayed]);
  assert.deepEqual(a.take(), []);
  assert.equal(metrics.messages.get({ type: "signal" }), 3);
  assert.equal(metrics.relayedMessages.get({ kind: "candidate" }), 2);
  assert.equal(metrics.relayedBytes.get(), 2 * candidate.candidate.length);
  // Not paired any more: the slow path answers the error.
  b.session.dropped();
  a.session.receive(JSON.stringify({ type: "signal", data, rid: 2 }));
  const after = a.take();
  assert.equal(after[0].type, "peer-left");
  assert.deepEqual(after.find((m) => m.type === "error"), {
    type: "error",
    code: "not-paired",
    message: "wait for `paired` before signalling",
    rid: 2,
  });
});

Deno.test("room churn has its own low rate: rate-limited with a retry hint, socket stays open", () => {
  const { open, metrics } = setup();
  const { session, socket, take, ends } = open({
    messagesPerSecond: 100,
    messageBurst: 100,
    churnPerSecond: 0.5,
    churnBurst: 4,
  });
  take();
  const codes: string[] = [];
  let left = 0;
  for (let i = 0; i < 10; i++) {
    session.receive(JSON.stringify({ type: "create", name: "R", rid: i }));
    for (const m of take()) if (m.type === "error") codes.push(`${m.code}:${m.retryAfterMs}`);
    session.receive('{"type":"leave"}');
    for (const m of take()) if (m.type === "left") left++;
  }
  assert.deepEqual(codes, Array(6).fill("rate-limited:2000"));
  // Leaving is never refused: each room entered was left.
  assert.equal(left, 4);
  // Other messages are not churn: they still go through.
  session.receive('{"type":"ping","rid":99}');
  assert.deepEqual(take(), [{ type: "pong", rid: 99 }]);
  assert.equal(socket.closed, null);
  assert.equal(ends(), 0);
  assert.equal(metrics.rateLimitedMessages.get({ scope: "churn" }), 6);
});

Deno.test("a churn rate of 0 turns the per-connection room-change limit off", () => {
  const { open, metrics } = setup();
  const { session, take } = open({
    messagesPerSecond: 1000,
    messageBurst: 1000,
    churnPerSecond: 0,
  });
  take();
  let created = 0;
  for (let i = 0; i < 30; i++) {
    session.receive(JSON.stringify({ type: "create", name: "R", rid: i }));
    session.receive('{"type":"leave"}');
    for (const m of take()) {
      assert.notEqual(m.type, "error", JSON.stringify(m));
      if (m.type === "joined") created++;
    }
  }
  assert.equal(created, 30);
  assert.equal(metrics.rateLimitedMessages.get({ scope: "churn" }), 0);
});

Deno.test("while the registry stalls, a session queues a bounded number of frames", async () => {
  let lobby!: ReturnType<typeof asyncRegistry>;
  const { open } = setup(createRoomRegistry(), (inner) => (lobby = asyncRegistry(inner)));
  const { session, take } = open({
    maxQueuedMessages: 4,
    messagesPerSecond: 1000,
    messageBurst: 1000,
  });
  for (let i = 0; i < 10; i++) session.receive(JSON.stringify({ type: "ping", rid: i }));
  // Registration plus four frames wait; the others are refused at once.
  const busy = take();
  assert.equal(busy.length, 6);
  for (const m of busy) assert.equal(m.type === "error" && m.code, "server-busy");
  assert.deepEqual(busy.map((m) => "rid" in m && m.rid), [4, 5, 6, 7, 8, 9]);
  await lobby.flush();
  const rest = take().map((m) => `${m.type}${"rid" in m ? m.rid : ""}`);
  assert.deepEqual(rest, ["welcome", "rooms", "pong0", "pong1", "pong2", "pong3"]);
  assert.equal(session.state, "open");
});

Deno.test("a relay that throws answers internal-error with the signal's rid", () => {
  const registry = createRoomRegistry();
  const broken: RoomRegistry = {
    ...registry,
    route: () => {
      throw new Error("bug");
    },
  };
  const { open } = setup(broken);
  const { session, socket, take } = open();
  take();
  const data = { kind: "candidate", candidate: null };
  session.receive(JSON.stringify({ type: "signal", data, rid: 9 }));
  const [error] = take();
  assert.equal(error.type === "error" && error.code, "internal-error");
  assert.equal(error.type === "error" && error.rid, 9);
  assert.equal(socket.closed, null);
});
