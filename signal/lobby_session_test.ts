import assert from "node:assert/strict";
import { MAX_LOBBY_MESSAGE_BYTES } from "../shared/limits.ts";
import type { ServerMessage } from "../shared/lobby_protocol.ts";
import { createLobbyHub } from "./lobby_hub.ts";
import { type LobbySessionOptions, openLobbySession } from "./lobby_session.ts";
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

function setup(registry: RoomRegistry = createRoomRegistry()) {
  const hub = createLobbyHub(registry);
  let time = 0;
  const open = (extra: Partial<LobbySessionOptions> = {}) => {
    const socket = fakeSocket();
    let ends = 0;
    const session = openLobbySession({
      hub,
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
  return { hub, registry, open, advance: (ms: number) => (time += ms) };
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
  assert.deepEqual(rooms, { type: "rooms", rooms: registry.publicRooms() });
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
