/**
 * Protocol tests: a real server on an ephemeral port, real WebSocket clients speaking the
 * DESIGN.md protocol. Every message a client receives is checked against the shared schema, so the
 * server cannot send anything a schema-following client would reject.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { RoomInfo, ServerMessage, ServerMessageOf } from "../shared/lobby_protocol.ts";
import { MAX_LOBBY_MESSAGE_BYTES, MAX_SPECTATORS_PER_ROOM } from "../shared/limits.ts";
import type { ServerConfig } from "./config.ts";
import { type RunningServer, startServer } from "./server.ts";
import { connectClient, type TestClient, timeout } from "./testing/lobby_client.ts";
import { parsePrometheusText } from "./testing/prometheus_text.ts";
import { turnCredential } from "./turn_credentials.ts";
import { REDIS_SERVER, startRedis } from "./testing/redis_server.ts";
import { requireBinary } from "./testing/service_process.ts";
import { WebSocket as WsClient } from "ws";

const STATIC_ROOT = fileURLToPath(new URL("./testdata/static_root", import.meta.url));
interface Harness {
  server: RunningServer;
  wsUrl: string;
  connect(): Promise<TestClient>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/**
 * Every protocol test runs twice: against the in-memory registry, and against the Redis registry
 * (a fresh redis-server per test), which must be indistinguishable to clients.
 */
type Mode = "memory" | "redis";
let mode: Mode = "memory";
const haveRedis = requireBinary(
  REDIS_SERVER,
  "Redis (protocol parity)",
  "apt-get install redis-server",
);

function lobbyTest(name: string, fn: () => Promise<void>) {
  Deno.test(name, async () => {
    mode = "memory";
    await fn();
  });
  Deno.test({
    name: `[redis] ${name}`,
    ignore: !haveRedis,
    async fn() {
      mode = "redis";
      try {
        await fn();
      } finally {
        mode = "memory";
      }
    },
  });
}

/** Runs `body` against a fresh server and closes every client and the server afterwards. */
async function withServer(
  config: Partial<ServerConfig>,
  body: (h: Harness) => Promise<void>,
): Promise<void> {
  const redis = mode === "redis" ? await startRedis() : null;
  let server: RunningServer;
  try {
    server = await startServer({
      port: 0,
      hostname: "127.0.0.1",
      staticDir: STATIC_ROOT,
      iceServers: [{ urls: ["stun:stun.example:3478"] }],
      logLevel: "error",
      ...(redis ? { redisUrl: redis.url } : {}),
      ...config,
    });
  } catch (err) {
    await redis?.stop();
    throw err;
  }
  try {
    await runHarness(server, body);
  } finally {
    await redis?.stop();
  }
}

async function runHarness(server: RunningServer, body: (h: Harness) => Promise<void>) {
  const wsUrl = `ws://127.0.0.1:${server.port}/ws`;
  const clients: TestClient[] = [];
  try {
    await body({
      server,
      wsUrl,
      connect: async () => {
        const c = await connectClient(wsUrl);
        clients.push(c);
        return c;
      },
      fetch: (path, init) => fetch(`http://127.0.0.1:${server.port}${path}`, init),
    });
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
  }
}

/** A room created by `client`, after its own `room` broadcast (which `create` causes). */
async function createRoom(client: TestClient, fields: Record<string, unknown> = {}) {
  client.send({ type: "create", name: "Room", ...fields });
  const joined = await client.expect("joined");
  // Its own room's push; earlier pushes about other rooms may be queued before it.
  if (!fields.private) { while ((await client.expect("room")).room.id !== joined.room.id); }
  return joined;
}

/** Two clients paired in a fresh public room: a offers, b answers. */
async function pair(h: Harness) {
  const a = await h.connect();
  const b = await h.connect();
  const joined = await createRoom(a);
  await b.expect("room");
  b.send({ type: "join", room: joined.room.id });
  await b.expect("joined");
  const pairedB = await b.expect("paired");
  await b.expect("room");
  const pairedA = await a.expect("paired");
  await a.expect("room");
  return { a, b, room: joined.room, pairedA, pairedB };
}

// ---------------------------------------------------------------------------------------------
// A raw WebSocket client over TCP: it can go silent (never answer pings) like a dead peer, and
// read the HTTP status of a refused upgrade.

interface RawClient {
  status: string;
  sendText(text: string): Promise<void>;
  /** Reads until the server closes the TCP connection; resolves with the ms it took. */
  waitForClose(): Promise<number>;
  close(): void;
}

async function rawConnect(port: number, headers: Record<string, string> = {}): Promise<RawClient> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const key = btoa("duet-raw-client!");
  await conn.write(
    new TextEncoder().encode(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
        Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n",
    ),
  );
  const buf = new Uint8Array(4096);
  let head = "";
  while (!head.includes("\r\n")) {
    const n = await conn.read(buf);
    if (n === null) break;
    head += new TextDecoder().decode(buf.subarray(0, n));
  }
  let open = true;
  return {
    status: head.split("\r\n")[0],
    async sendText(text) {
      const payload = new TextEncoder().encode(text);
      assert.ok(payload.length < 126);
      const mask = new Uint8Array([1, 2, 3, 4]);
      const frame = new Uint8Array(2 + 4 + payload.length);
      frame[0] = 0x81; // FIN + text
      frame[1] = 0x80 | payload.length; // masked (clients must mask)
      frame.set(mask, 2);
      for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i] ^ mask[i % 4];
      await conn.write(frame);
    },
    async waitForClose() {
      const start = performance.now();
      // Read but never reply: the server's pings go unanswered.
      while ((await conn.read(buf)) !== null) { /* discard */ }
      return performance.now() - start;
    },
    close() {
      if (open) conn.close();
      open = false;
    },
  };
}

// ---------------------------------------------------------------------------------------------

lobbyTest("welcome then rooms on connect", async () => {
  await withServer({}, async (h) => {
    const a = await h.connect();
    assert.equal(a.welcome.protocol, 1);
    assert.match(a.welcome.id, /^[0-9a-z]{10}$/);
    assert.match(a.welcome.name, /^Player-/);
    assert.deepEqual(a.welcome.iceServers, [{ urls: ["stun:stun.example:3478"] }]);
    assert.deepEqual(a.rooms, []);
    const b = await h.connect();
    assert.notEqual(b.welcome.id, a.welcome.id);
  });
});

lobbyTest("create: joined with rid, room pushed to everyone, listed for newcomers", async () => {
  await withServer({}, async (h) => {
    const a = await h.connect();
    const watcher = await h.connect();
    a.send({ type: "create", name: "  Den  ", rid: 7 });
    const joined = await a.expect("joined");
    assert.equal(joined.rid, 7);
    assert.equal(joined.code, undefined);
    assert.deepEqual(joined.room, {
      id: joined.room.id,
      name: "Den",
      players: 1,
      capacity: 2,
      state: "open",
      locked: false,
      createdAt: joined.room.createdAt,
    });
    assert.ok(Math.abs(joined.room.createdAt - Date.now()) < 60_000);
    assert.deepEqual((await a.expect("room")).room, joined.room);
    assert.deepEqual((await watcher.expect("room")).room, joined.room);
    const late = await h.connect();
    assert.deepEqual(late.rooms, [joined.room]);
    const api = await (await h.fetch("/api/rooms")).json();
    assert.deepEqual(api, { rooms: [joined.room], total: 1 });
  });
});

lobbyTest("hello renames; the peer sees the name on pairing", async () => {
  await withServer({}, async (h) => {
    const a = await h.connect();
    const b = await h.connect();
    a.send({ type: "hello", name: "Ann", rid: 1 });
    assert.deepEqual(await a.expect("renamed"), { type: "renamed", name: "Ann", rid: 1 });
    b.send({ type: "hello", name: "Bob" });
    await b.expect("renamed");
    const { room } = await createRoom(a);
    await b.expect("room");
    b.send({ type: "join", room: room.id });
    await b.expect("joined");
    assert.deepEqual((await b.expect("paired")).peer, { id: a.welcome.id, name: "Ann" });
    assert.deepEqual((await a.expect("paired")).peer, { id: b.welcome.id, name: "Bob" });
  });
});

lobbyTest("join by id pairs: roles, shared session, room becomes full", async () => {
  await withServer({}, async (h) => {
    const watcher = await h.connect();
    const { a, b, room, pairedA, pairedB } = await pair(h);
    assert.equal(pairedA.role, "offerer");
    assert.equal(pairedB.role, "answerer");
    assert.equal(pairedA.session, pairedB.session);
    assert.equal(pairedA.peer.id, b.welcome.id);
    assert.equal(pairedB.peer.id, a.welcome.id);
    assert.deepEqual((await watcher.expect("room")).room, room);
    assert.deepEqual((await watcher.expect("room")).room, { ...room, players: 2, state: "full" });
  });
});

lobbyTest("private room: invite code only, never listed or pushed", async () => {
  await withServer({}, async (h) => {
    const a = await h.connect();
    const b = await h.connect();
    const watcher = await h.connect();
    const joined = await createRoom(a, { private: true, rid: 2 });
    assert.equal(joined.rid, 2);
    assert.match(joined.code!, /^[0-9A-Z]{16}$/);
    assert.deepEqual(await watcher.drain(), { messages: [], list: [] });
    assert.deepEqual((await (await h.fetch("/api/rooms")).json()).rooms, []);
    b.send({ type: "join", room: joined.room.id, rid: 3 });
    assert.equal((await b.expect("error")).code, "room-not-found");
    b.send({ type: "join", room: joined.code, rid: 4 });
    const bJoined = await b.expect("joined");
    assert.equal(bJoined.code, joined.code);
    assert.equal(bJoined.room.id, joined.room.id);
    assert.equal((await b.expect("paired")).role, "answerer");
    assert.equal((await a.expect("paired")).role, "offerer");
    assert.deepEqual(await watcher.drain(), { messages: [], list: [] });
  });
});

lobbyTest("password: wrong-password, then the right one", async () => {
  await withServer({}, async (h) => {
    const a = await h.connect();
    const b = await h.connect();
    const { room } = await createRoom(a, { password: "hunter2" });
    assert.equal(room.locked, true);
    await b.expect("room");
    b.send({ type: "join", room: room.id, rid: 1 });
    assert.deepEqual(await b.expect("error"), {
      type: "error",
      code: "wrong-password",
      message: "this room needs a password",
      rid: 1,
    });
    b.send({ type: "join", room: room.id, password: "hunter3", rid: 2 });
    const wrong = await b.expect("error");
    assert.deepEqual([wrong.code, wrong.rid], ["wrong-password", 2]);
    b.send({ type: "join", room: room.id, password: "hunter2", rid: 3 });
    assert.equal((await b.expect("joined")).rid, 3);
  });
});

lobbyTest("quick joins the oldest open public room, else creates one", async () => {
  await withServer({}, async (h) => {
    const [a, b, c, d, e] = [
      await h.connect(),
      await h.connect(),
      await h.connect(),
      await h.connect(),
      await h.connect(),
    ];
    const older = (await createRoom(a)).room;
    await createRoom(b, { password: "pw" });
    const newer = (await createRoom(c)).room;
    d.send({ type: "quick", rid: 9 });
    const dJoined = await d.skipTo("joined");
    assert.equal(dJoined.room.id, older.id);
    assert.equal(dJoined.rid, 9);
    e.send({ type: "quick" });
    assert.equal((await e.skipTo("joined")).room.id, newer.id);
    const f = await h.connect();
    f.send({ type: "hello", name: "Fay" });
    await f.expect("renamed");
    f.send({ type: "quick" });
    const created = await f.expect("joined");
    assert.deepEqual([created.room.name, created.room.players], ["Fay's room", 1]);
  });
});

/** A `ws` client that keeps every frame it gets (text or binary) and how the socket closed. */
async function wsClient(url: string) {
  const ws = new WsClient(url);
  const frames: { bytes: Uint8Array; binary: boolean }[] = [];
  let closed: number | null = null;
  ws.on("message", (d: Uint8Array, binary: boolean) => frames.push({ bytes: d, binary }));
  ws.on("close", (code: number) => closed = code);
  ws.on("error", () => {});
  await new Promise((r) => ws.once("open", r));
  const texts = () => frames.map((f) => new TextDecoder().decode(f.bytes));
  const until = async (what: string, ok: () => boolean) => {
    for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(ok(), `never: ${what}; got ${texts().join("\n")}`);
  };
  const find = async (type: string) => {
    await until(type, () => texts().some((t) => JSON.parse(t).type === type));
    return JSON.parse(texts().find((t) => JSON.parse(t).type === type)!);
  };
  return { ws, frames, texts, until, find, closed: () => closed };
}

Deno.test("relay on bytes: the peer gets one text frame with the client's data bytes; bad UTF-8 never", async () => {
  await withServer({}, async (h) => {
    const a = await wsClient(h.wsUrl), b = await wsClient(h.wsUrl);
    try {
      const id = (await a.find("welcome")).id;
      a.ws.send(JSON.stringify({ type: "create", name: "Room" }));
      const room = (await a.find("joined")).room.id;
      b.ws.send(JSON.stringify({ type: "join", room }));
      const { session } = await b.find("paired");
      const data =
        '{"candidate":{"usernameFragment":null,"candidate":"candidate:1 1 udp 9 127.0.0.1 9 typ host","sdpMLineIndex":0},"kind":"candidate"}';
      const before = b.frames.length;
      a.ws.send(`{"type":"signal","data":${data},"session":"${session}","rid":4}`);
      await b.until("the signal", () => b.frames.length > before);
      const got = b.frames[before];
      assert.equal(got.binary, false);
      assert.equal(
        new TextDecoder().decode(got.bytes),
        `{"type":"signal","from":"${id}","data":${data},"session":"${session}"}`,
      );
      // The same frame with a byte that is not UTF-8 inside the candidate string: ws closes the
      // sender with 1007 before the lobby sees it, and the peer hears only that it left.
      const bad = new TextEncoder().encode(
        `{"type":"signal","data":${data.replace("typ host", "typ \u00ff")},"session":"${session}"}`,
      );
      const at = bad.indexOf(0xc3);
      const frame = new Uint8Array([...bad.subarray(0, at), 0xff, ...bad.subarray(at + 2)]);
      a.ws.send(frame, { binary: false });
      await a.until("1007", () => a.closed() === 1007);
      await b.until("peer-left", () => b.texts().some((t) => JSON.parse(t).type === "peer-left"));
      const after = b.texts().slice(before + 1).map((t) => JSON.parse(t).type);
      assert.ok(!after.includes("signal"), after.join());
    } finally {
      a.ws.terminate();
      b.ws.terminate();
    }
  });
});

lobbyTest(
  "signal relay: offer, answer, candidates and end-of-candidates reach the peer only",
  async () => {
    await withServer({}, async (h) => {
      const other = await pair(h);
      const { a, b, room, pairedA } = await pair(h);
      const watcher = await h.connect();
      a.send({ type: "signal", data: { kind: "offer", sdp: "v=0 offer" } });
      assert.deepEqual(await b.expect("signal"), {
        type: "signal",
        from: a.welcome.id,
        data: { kind: "offer", sdp: "v=0 offer" },
        session: pairedA.session,
      });
      const candidate = {
        candidate: "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
        sdpMid: "0",
        sdpMLineIndex: 0,
        usernameFragment: "abcd",
      };
      a.send({ type: "signal", data: { kind: "candidate", candidate } });
      a.send({ type: "signal", data: { kind: "candidate", candidate: null } });
      assert.deepEqual((await b.expect("signal")).data, { kind: "candidate", candidate });
      assert.deepEqual((await b.expect("signal")).data, { kind: "candidate", candidate: null });
      b.send({ type: "signal", data: { kind: "answer", sdp: "v=0 answer" } });
      b.send({ type: "signal", data: { kind: "candidate", candidate: null } });
      const answer = await a.expect("signal");
      assert.deepEqual([answer.from, answer.data], [b.welcome.id, {
        kind: "answer",
        sdp: "v=0 answer",
      }]);
      // The answer moves the room to playing, for everyone's list.
      assert.deepEqual((await a.expect("room")).room, { ...room, players: 2, state: "playing" });
      assert.deepEqual((await a.expect("signal")).data, { kind: "candidate", candidate: null });
      const playing = { type: "room", room: { ...room, players: 2, state: "playing" } };
      assert.deepEqual(await watcher.drain(), { messages: [], list: [playing] });
      // Nobody else heard any of it.
      for (const c of [other.a, other.b, a, b]) assert.deepEqual((await c.drain()).messages, []);
    });
  },
);

lobbyTest(
  "leave: left with rid, peer-left for the peer, room reopens, then is removed",
  async () => {
    await withServer({}, async (h) => {
      const { a, b, room } = await pair(h);
      const watcher = await h.connect();
      a.send({ type: "leave", rid: 5 });
      assert.deepEqual(await a.expect("left"), { type: "left", rid: 5 });
      assert.deepEqual(await b.expect("peer-left"), { type: "peer-left", id: a.welcome.id });
      assert.deepEqual((await watcher.expect("room")).room, { ...room, players: 1, state: "open" });
      b.send({ type: "leave" });
      assert.deepEqual(await b.expect("left"), { type: "left" });
      assert.deepEqual(await watcher.skipTo("room-removed"), { type: "room-removed", id: room.id });
      assert.deepEqual((await (await h.fetch("/api/rooms")).json()).rooms, []);
    });
  },
);

lobbyTest("a dropped socket gives peer-left and frees the room", async () => {
  await withServer({}, async (h) => {
    const { a, b, room } = await pair(h);
    const watcher = await h.connect();
    await b.close();
    assert.deepEqual(await a.expect("peer-left"), { type: "peer-left", id: b.welcome.id });
    await a.close();
    assert.deepEqual(await watcher.skipTo("room-removed"), { type: "room-removed", id: room.id });
    assert.deepEqual(h.server.stats().rooms, 0);
  });
});

lobbyTest("ping answers pong with t and rid", async () => {
  await withServer({}, async (h) => {
    const a = await h.connect();
    a.send({ type: "ping", t: 1234.5, rid: 3 });
    assert.deepEqual(await a.expect("pong"), { type: "pong", t: 1234.5, rid: 3 });
    a.send({ type: "ping" });
    assert.deepEqual(await a.expect("pong"), { type: "pong" });
  });
});

lobbyTest("request errors carry their code and rid, and the connection stays usable", async () => {
  await withServer({}, async (h) => {
    const { a, room } = await pair(h);
    const c = await h.connect();
    const cases: [unknown, string, number | undefined][] = [
      ["{not json", "bad-message", undefined],
      ['{"type":"teleport","rid":11}', "bad-message", 11],
      [{ type: "hello", name: 42, rid: 12 }, "bad-message", 12],
      [{ type: "create", name: "x".repeat(33), rid: 13 }, "bad-message", 13],
      [{ type: "join", rid: 14 }, "bad-message", 14],
      [{ type: "signal", data: { kind: "offer" }, rid: 15 }, "bad-message", 15],
      [{ type: "signal", data: { kind: "offer", sdp: "x" }, rid: 16 }, "not-paired", 16],
      [{ type: "join", room: room.id, rid: 17 }, "room-full", 17],
      [{ type: "join", room: "nosuchroom", rid: 18 }, "room-not-found", 18],
      [{ type: "leave", rid: 19 }, "not-in-room", 19],
      [new Uint8Array([1, 2, 3]), "bad-message", undefined],
    ];
    for (const [message, code, rid] of cases) {
      c.send(message);
      const error = await c.expect("error");
      assert.equal(error.code, code, JSON.stringify(message));
      assert.equal(error.rid, rid, JSON.stringify(message));
      assert.equal(error.close, undefined);
      assert.ok(error.message.length > 0);
    }
    a.send({ type: "create", name: "again", rid: 20 });
    assert.deepEqual([(await a.expect("error")).code], ["already-in-room"]);
    a.send({ type: "join", room: room.id, rid: 21 });
    assert.equal((await a.expect("error")).code, "already-in-room");
    a.send({ type: "quick", rid: 22 });
    assert.equal((await a.expect("error")).rid, 22);
    c.send({ type: "ping", rid: 1 });
    assert.equal((await c.expect("pong")).rid, 1);
  });
});

lobbyTest("signalling alone in a room is not-paired", async () => {
  await withServer({}, async (h) => {
    const a = await h.connect();
    await createRoom(a);
    a.send({ type: "signal", data: { kind: "candidate", candidate: null }, rid: 2 });
    const error = await a.expect("error");
    assert.deepEqual([error.code, error.rid], ["not-paired", 2]);
  });
});

lobbyTest("an oversized frame gets a 1009 close; others are unaffected", async () => {
  await withServer({}, async (h) => {
    const a = await h.connect();
    const bystander = await h.connect();
    a.send(JSON.stringify({ type: "ping", pad: "x".repeat(MAX_LOBBY_MESSAGE_BYTES) }));
    // The frame is refused from its header, before it is read: a 1009 close, no message.
    const event = await timeout(a.closed, "close");
    assert.equal(event.code, 1009);
    bystander.send({ type: "ping", rid: 1 });
    assert.equal((await bystander.expect("pong")).rid, 1);
  });
});

lobbyTest(
  "flooding: rate-limited with rid, then closed with 1008; others are unaffected",
  async () => {
    const config = { messagesPerSecond: 5, messageBurst: 5, rateLimitStrikes: 3 };
    await withServer(config, async (h) => {
      const flooder = await h.connect();
      const { a, b } = await pair(h);
      for (let i = 0; i < 50; i++) flooder.send({ type: "ping", rid: i });
      const seen: ServerMessage[] = [];
      for (;;) {
        const m = await flooder.expect(seen.length < 5 ? "pong" : "error");
        seen.push(m);
        if (m.type === "error" && m.close) break;
      }
      const errors = seen.filter((m): m is ServerMessageOf<"error"> => m.type === "error");
      assert.deepEqual(errors.map((e) => e.code), Array(4).fill("rate-limited"));
      assert.deepEqual(errors.slice(0, 3).map((e) => e.rid), [5, 6, 7]);
      const event = await timeout(flooder.closed, "close");
      assert.equal(event.code, 1008);
      a.send({ type: "signal", data: { kind: "offer", sdp: "v=0" } });
      assert.equal((await b.skipTo("signal")).from, a.welcome.id);
    });
  },
);

lobbyTest("the connection cap answers 503 before upgrading, and frees up", async () => {
  await withServer({ maxConnections: 2 }, async (h) => {
    const a = await h.connect();
    await h.connect();
    const refused = await rawConnect(h.server.port);
    refused.close();
    assert.match(refused.status, /^HTTP\/1\.1 503/);
    await assert.rejects(connectClient(h.wsUrl));
    assert.equal(h.server.stats().connections, 2);
    await a.close();
    // The slot frees once the close is processed.
    for (let i = 0; h.server.stats().connections > 1 && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const c = await h.connect();
    assert.equal(c.welcome.protocol, 1);
  });
});

lobbyTest(
  "heartbeat: a silent client is reaped within the timeout; its peer gets peer-left",
  async () => {
    await withServer({ heartbeatTimeoutMs: 300 }, async (h) => {
      const peer = await h.connect();
      const silent = await rawConnect(h.server.port);
      try {
        assert.match(silent.status, /^HTTP\/1\.1 101/);
        await silent.sendText('{"type":"create","name":"ghost"}');
        const room = (await peer.expect("room")).room;
        peer.send({ type: "join", room: room.id });
        await peer.expect("joined");
        const ghost = (await peer.expect("paired")).peer;
        const elapsed = await timeout(silent.waitForClose(), "the reaper");
        assert.ok(elapsed < 1500, `reaped after ${elapsed} ms`);
        assert.deepEqual(await peer.expect("peer-left"), { type: "peer-left", id: ghost.id });
        // "full" may or may not have gone out before the reap (changes coalesce per tick).
        let last = (await peer.expect("room")).room;
        if (last.state === "full") last = (await peer.expect("room")).room;
        assert.deepEqual(last, { ...room, players: 1, state: "open" });
        // A live client answers pings by itself and outlives several timeouts.
        await new Promise((r) => setTimeout(r, 700));
        assert.deepEqual((await peer.drain()).messages, []);
        assert.equal(h.server.stats().connections, 1);
      } finally {
        silent.close();
      }
    });
  },
);

lobbyTest("HTTP: /healthz, /api/rooms, /ws without upgrade", async () => {
  await withServer({}, async (h) => {
    const health = await h.fetch("/healthz");
    assert.equal(health.status, 200);
    // The socket asking is the one open socket.
    assert.deepEqual(await health.json(), {
      status: "ok",
      connections: 0,
      sockets: 1,
      players: 0,
      rooms: 0,
    });
    const rooms = await h.fetch("/api/rooms");
    assert.equal(rooms.status, 200);
    assert.match(rooms.headers.get("content-type")!, /^application\/json/);
    assert.deepEqual(await rooms.json(), { rooms: [], total: 0 });
    const plain = await h.fetch("/ws");
    assert.equal(plain.status, 426);
    await plain.body?.cancel();
  });
});

lobbyTest("HTTP: the built game is served, traversal and missing files are 404", async () => {
  await withServer({}, async (h) => {
    const index = await h.fetch("/");
    assert.equal(index.status, 200);
    assert.match(index.headers.get("content-type")!, /^text\/html/);
    assert.equal(await index.text(), await Deno.readTextFile(`${STATIC_ROOT}/index.html`));
    const js = await h.fetch("/app.js");
    assert.match(js.headers.get("content-type")!, /^text\/javascript/);
    await js.body?.cancel();
    for (const path of ["/missing.js", "/%2e%2e/outside/secret.txt", "/..%2F..%2Fetc%2Fpasswd"]) {
      const res = await h.fetch(path);
      assert.equal(res.status, 404, path);
      await res.body?.cancel();
    }
  });
});

Deno.test("shutdown tells every client and closes with 1001", async () => {
  const server = await startServer({ port: 0, hostname: "127.0.0.1", staticDir: null });
  const a = await connectClient(`ws://127.0.0.1:${server.port}/ws`);
  const closing = server.close();
  const error = await a.expect("error");
  assert.deepEqual([error.code, error.close], ["shutting-down", true]);
  assert.equal((await timeout(a.closed, "close")).code, 1001);
  await closing;
  await server.close();
});

// ---------------------------------------------------------------------------------------------
// Operations: origins, per-IP caps, readiness, metrics, TURN credentials. The registry does not
// matter here, so these run against the in-memory one only.

Deno.test("ALLOWED_ORIGINS: other page origins get 403 before the upgrade", async () => {
  await withServer({ allowedOrigins: ["https://game.example.com"] }, async (h) => {
    const evil = await rawConnect(h.server.port, { Origin: "https://evil.example" });
    evil.close();
    assert.match(evil.status, /^HTTP\/1\.1 403/);
    const good = await connectClient(h.wsUrl, { headers: { origin: "https://game.example.com" } });
    // Non-browser clients (no Origin) are allowed.
    const plain = await h.connect();
    for (const c of [good, plain]) assert.equal(c.welcome.protocol, 1);
    await good.close();
    // An Origin equal to the Host header is no pass once there is a list (DNS rebinding).
    const rebound = await rawConnect(h.server.port, {
      Origin: `http://127.0.0.1:${h.server.port}`,
    });
    rebound.close();
    assert.match(rebound.status, /^HTTP\/1\.1 403/);
    assert.equal(h.server.metrics.connectionsRejected.get({ reason: "origin" }), 2);
  });
});

Deno.test("per-IP connection cap answers 429; behind a trusted proxy X-Forwarded-For counts", async () => {
  await withServer({ maxConnectionsPerIp: 2 }, async (h) => {
    await h.connect();
    await h.connect();
    const third = await rawConnect(h.server.port);
    third.close();
    assert.match(third.status, /^HTTP\/1\.1 429/);
    // Without TRUST_PROXY the header is the client's claim and changes nothing.
    const spoofed = await rawConnect(h.server.port, { "X-Forwarded-For": "203.0.113.9" });
    spoofed.close();
    assert.match(spoofed.status, /^HTTP\/1\.1 429/);
    assert.equal(h.server.metrics.connectionsRejected.get({ reason: "ip-limit" }), 2);
  });
  await withServer({ maxConnectionsPerIp: 1, trustProxy: true }, async (h) => {
    const hop = (ip: string) => ({ "X-Forwarded-For": `198.51.100.200, ${ip}` });
    const a = await rawConnect(h.server.port, hop("203.0.113.1"));
    const b = await rawConnect(h.server.port, hop("203.0.113.2"));
    const again = await rawConnect(h.server.port, hop("203.0.113.1"));
    for (const c of [a, b, again]) c.close();
    assert.deepEqual([a, b, again].map((c) => c.status.split(" ")[1]), ["101", "101", "429"]);
  });
});

Deno.test("readyz: ready with the in-memory registry", async () => {
  const server = await startServer({
    port: 0,
    hostname: "127.0.0.1",
    staticDir: null,
    logLevel: "error",
  });
  const get = (path: string) => fetch(`http://127.0.0.1:${server.port}${path}`);
  try {
    const ready = await get("/readyz");
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), {
      status: "ready",
      registry: "memory",
      detail: "in-memory registry",
    });
  } finally {
    await server.close();
  }
});

Deno.test("metrics: Prometheus text whose counters and gauges follow the traffic", async () => {
  const config = {
    messagesPerSecond: 5,
    messageBurst: 5,
    rateLimitStrikes: 100,
    metricsToken: "t0k",
  };
  await withServer(config, async (h) => {
    const scrape = async () => {
      const res = await h.fetch("/metrics", { headers: { authorization: "Bearer t0k" } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      return parsePrometheusText(await res.text());
    };
    const before = await scrape();
    assert.equal(before.value("duet_connections"), 0);
    assert.equal(before.value("duet_pairings_total"), 0);
    assert.equal(before.value("duet_rooms", { state: "open" }), 0);

    const { a, b } = await pair(h);
    a.send({ type: "signal", data: { kind: "offer", sdp: "v=0 offer" } });
    await b.expect("signal");
    b.send({ type: "signal", data: { kind: "answer", sdp: "v=0 answer" } });
    await a.expect("signal");
    b.send({ type: "join", room: "nowhere" });
    await b.expect("error");
    const spammer = await h.connect();
    for (let i = 0; i < 8; i++) spammer.send({ type: "ping" });
    await spammer.skipTo("error");

    const after = await scrape();
    assert.equal(after.value("duet_connections"), 3);
    assert.equal(after.value("duet_players"), 3);
    assert.equal(after.value("duet_connections_accepted_total"), 3);
    assert.equal(after.value("duet_pairings_total"), 1);
    assert.equal(after.value("duet_rooms", { state: "playing" }), 1);
    assert.equal(after.value("duet_relayed_messages_total", { kind: "offer" }), 1);
    assert.equal(after.value("duet_relayed_messages_total", { kind: "answer" }), 1);
    assert.equal(after.value("duet_relayed_bytes_total"), "v=0 offer".length + "v=0 answer".length);
    assert.equal(after.value("duet_errors_total", { code: "already-in-room" }), 1);
    assert.ok(after.value("duet_errors_total", { code: "rate-limited" })! >= 1);
    assert.equal(after.value("duet_rate_limited_clients_total", { scope: "connection" }), 1);
    assert.ok(after.value("duet_messages_total", { type: "ping" })! >= 5);
    assert.equal(after.value("duet_ready"), 1);
  });
});

Deno.test("TURN: welcome carries a credential for the player; ice-servers refreshes it", async () => {
  const turn = { urls: ["turn:turn.example:3478?transport=udp"], secret: "s3cret", ttlSeconds: 1 };
  await withServer({ turn }, async (h) => {
    const a = await h.connect();
    const [stun, relay] = a.welcome.iceServers;
    assert.deepEqual(stun, { urls: ["stun:stun.example:3478"] });
    const [expiry, user] = relay.username!.split(":");
    assert.equal(user, a.welcome.id);
    assert.ok(Math.abs(Number(expiry) - (Date.now() / 1000 + 1)) <= 2);
    assert.equal(
      relay.credential,
      turnCredential("s3cret", a.welcome.id, 1, Number(expiry) * 1000 - 1000).credential,
    );
    // A one-second credential is refreshed every half second.
    const refresh = await a.expect("ice-servers");
    assert.equal(refresh.iceServers.length, 2);
    assert.match(refresh.iceServers[1].username!, new RegExp(`^\\d+:${a.welcome.id}$`));
    assert.ok(h.server.metrics.iceRefreshes.get() >= 1);
  });
});

Deno.test("the page carries CSP, frame, sniffing and referrer headers", async () => {
  await withServer({}, async (h) => {
    const page = await h.fetch("/");
    await page.body?.cancel();
    const csp = page.headers.get("content-security-policy") ?? "";
    for (
      const directive of [
        "default-src 'self'",
        "script-src 'self'",
        "connect-src 'self' ws: wss:",
        "frame-ancestors 'none'",
        "object-src 'none'",
      ]
    ) {
      assert.ok(csp.includes(directive), `${directive} in ${csp}`);
    }
    assert.equal(page.headers.get("x-frame-options"), "DENY");
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    assert.equal(page.headers.get("referrer-policy"), "no-referrer");
    const api = await h.fetch("/api/rooms");
    await api.body?.cancel();
    assert.equal(api.headers.get("x-content-type-options"), "nosniff");
  });
});

Deno.test("/metrics: 404 by default, 401 without the token, served with it or on METRICS_PORT", async () => {
  await withServer({}, async (h) => {
    const res = await h.fetch("/metrics");
    await res.body?.cancel();
    assert.equal(res.status, 404);
  });
  await withServer({ metricsToken: "s3cret", metricsPort: 0 }, async (h) => {
    for (const auth of [undefined, "Bearer wrong", "Bearer s3cre", "s3cret"]) {
      const res = await h.fetch("/metrics", auth ? { headers: { authorization: auth } } : {});
      await res.body?.cancel();
      assert.equal(res.status, 401, String(auth));
    }
    const ok = await h.fetch("/metrics", { headers: { authorization: "Bearer s3cret" } });
    assert.match(await ok.text(), /duet_connections 0/);
    const local = await fetch(`http://127.0.0.1:${h.server.metricsPort}/metrics`);
    assert.match(await local.text(), /duet_sockets /);
  });
});

Deno.test("/api/rooms is limited per address (429) and rendered at most once a second", async () => {
  await withServer({}, async (h) => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await h.fetch("/api/rooms");
      await res.body?.cancel();
      statuses.push(res.status);
    }
    assert.ok(statuses.slice(0, 20).every((s) => s === 200), statuses.join());
    assert.ok(statuses.slice(20).includes(429), statuses.join());
  });
  await withServer({}, async (h) => {
    const before = await (await h.fetch("/api/rooms")).json();
    const a = await h.connect();
    await createRoom(a);
    // Within the second, the cached answer; a second later, the new room.
    assert.deepEqual(await (await h.fetch("/api/rooms")).json(), before);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await (await h.fetch("/api/rooms")).json()).rooms.length, 1);
  });
});

Deno.test("shutdown keeps its deadline with stuck HTTP sockets and a handshake that never ends", async () => {
  const server = await startServer(
    {
      port: 0,
      hostname: "127.0.0.1",
      staticDir: null,
      logLevel: "silent",
      shutdownDeadlineMs: 300,
    },
    { hooks: { authorize: () => new Promise<boolean>(() => {}) } },
  );
  const partial = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await partial.write(new TextEncoder().encode("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  // An upgrade request the authorize hook never answers.
  const pending = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await pending.write(
    new TextEncoder().encode(
      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Key: ${btoa("duet-raw-client!")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    ),
  );
  for (let i = 0; i < 100 && server.stats().sockets < 2; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 50));
  const t0 = performance.now();
  const closing = server.close();
  await closing;
  const ms = performance.now() - t0;
  assert.ok(ms < 300 + 400, `closed after ${ms.toFixed(0)} ms`);
  // Destroyed at the deadline; their close events follow within a moment.
  for (let i = 0; i < 50 && server.stats().sockets > 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(server.stats().sockets, 0);
  partial.close();
  pending.close();
});

// ---------------------------------------------------------------------------------------------
// Spectators: the offerer streams over its lobby socket, the lobby keeps the backlog and fans out.

const streamHeader = {
  game: "g",
  version: "1",
  seed: 5,
  names: ["A", "B"],
  options: [null, { hard: true }],
};

/** A paired room whose answer was relayed: playing. */
async function playingPair(h: Harness) {
  const p = await pair(h);
  p.a.send({ type: "signal", data: { kind: "offer", sdp: "o" } });
  await p.b.expect("signal");
  p.b.send({ type: "signal", data: { kind: "answer", sdp: "a" } });
  await p.a.expect("signal");
  return p;
}

lobbyTest("spectators: backlog for a late one, live batches for all, count, end", async () => {
  await withServer({}, async (h) => {
    const { a, b, room } = await playingPair(h);
    const early = await h.connect();
    early.send({ type: "watch", room: room.id, rid: 1 });
    const w = await early.expect("watching");
    assert.equal(w.rid, 1);
    assert.equal(w.header, undefined);
    assert.equal(w.room.spectators, 1);
    a.send({ type: "stream", from: 0, inputs: "00000102", header: streamHeader });
    assert.deepEqual(await early.expect("stream"), {
      type: "stream",
      room: room.id,
      from: 0,
      inputs: "00000102",
      header: streamHeader,
    });
    a.send({ type: "stream", from: 2, inputs: "0303" });
    await early.expect("stream");
    const late = await h.connect();
    late.send({ type: "watch", room: room.id });
    assert.deepEqual((await late.expect("watching")).header, streamHeader);
    assert.equal((await late.expect("stream")).inputs, "000001020303");
    a.send({ type: "stream", from: 3, inputs: "0404" });
    for (const s of [early, late]) assert.equal((await s.expect("stream")).from, 3);
    // The room list shows two spectators (room pushes are batched).
    const other = await h.connect();
    assert.equal(other.rooms.find((r) => r.id === room.id)?.spectators, 2);
    // The answerer may not stream; the offerer's gap asks it to resend from the next frame;
    // neither reaches spectators.
    b.send({ type: "stream", from: 4, inputs: "0505", rid: 7 });
    assert.equal((await b.expect("error")).code, "bad-stream");
    a.send({ type: "stream", from: 9, inputs: "0505", rid: 8 });
    assert.equal((await a.expect("stream-from")).from, 4);
    a.send({ type: "stream-end" });
    for (const s of [early, late]) {
      assert.deepEqual(await s.expect("stream-end"), {
        type: "stream-end",
        room: room.id,
        reason: "match-over",
      });
    }
    // Now in no room: they may watch again (nothing to watch) or join elsewhere.
    late.send({ type: "watch", room: room.id, rid: 3 });
    assert.equal((await late.expect("error")).code, "room-not-playing");
    const { messages } = await early.drain();
    assert.deepEqual(messages, []);
  });
});

lobbyTest(
  "spectators: a player dropping ends the stream; a spectator dropping is uncounted",
  async () => {
    // No resume grace, so the drop frees the seat at once (a held seat pauses the stream instead:
    // room_registry_spectate_test.ts).
    await withServer({ resumeGraceMs: 0 }, async (h) => {
      const { a, b, room } = await playingPair(h);
      a.send({ type: "stream", from: 0, inputs: "0000", header: streamHeader });
      const s = await h.connect();
      const t = await h.connect();
      for (const x of [s, t]) {
        x.send({ type: "watch", room: room.id });
        await x.expect("watching");
        await x.expect("stream");
      }
      await t.close();
      // The drop reaches the registry, and the room list, within a tick or two.
      let spectators: number | undefined = 2;
      for (let i = 0; i < 50 && spectators !== 1; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const res = await h.fetch("/api/rooms");
        spectators = (await res.json()).rooms.find((r: RoomInfo) => r.id === room.id)?.spectators;
      }
      assert.equal(spectators, 1);
      // The offerer may end the stream first (its runner saw the peer go): the same reason.
      a.send({ type: "stream-end", reason: "player-left" });
      assert.deepEqual(await s.expect("stream-end"), {
        type: "stream-end",
        room: room.id,
        reason: "player-left",
      });
      await b.close();
      await a.expect("peer-left");
      // Nothing more reaches the former spectator.
      assert.deepEqual((await s.drain()).messages, []);
      s.send({ type: "leave", rid: 4 });
      assert.equal((await s.expect("error")).code, "not-in-room");
    });
  },
);

lobbyTest("spectators: too many, a wrong room, a stream faster than play", async () => {
  await withServer({}, async (h) => {
    const { a, room } = await playingPair(h);
    const spectators = await Promise.all(
      Array.from({ length: MAX_SPECTATORS_PER_ROOM + 1 }, () => h.connect()),
    );
    for (const s of spectators.slice(0, -1)) {
      s.send({ type: "watch", room: room.id });
      await s.expect("watching");
    }
    const last = spectators.at(-1)!;
    last.send({ type: "watch", room: room.id });
    assert.equal((await last.expect("error")).code, "too-many-spectators");
    last.send({ type: "watch", room: "nosuchroom" });
    assert.equal((await last.expect("error")).code, "room-not-found");
    last.send({ type: "stream", from: 0, inputs: "zz" });
    assert.equal((await last.expect("error")).code, "bad-message");
    // 600 frames at once is the burst; the 11th batch of 60 is over it, whatever the lobby's
    // message rate (the whole burst is 11 messages).
    a.send({ type: "stream", from: 0, inputs: "0000".repeat(60), header: streamHeader });
    for (let i = 1; i < 10; i++) {
      a.send({ type: "stream", from: 60 * i, inputs: "0000".repeat(60) });
    }
    a.send({ type: "stream", from: 600, inputs: "0000".repeat(60), rid: 11 });
    const err = await a.expect("error");
    assert.equal(err.code, "bad-stream");
    assert.equal(err.rid, 11);
    assert.match(err.message, /frames per second/);
  });
});
