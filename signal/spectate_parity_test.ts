/**
 * Review (spectate across resume, locked rooms): the same client sequence against the in-memory
 * lobby and against a Redis lobby must get the same replies. Each scenario runs on both and the
 * replies are compared.
 */
import assert from "node:assert/strict";
import type { ServerMessage } from "../shared/lobby_protocol.ts";
import { Redis } from "ioredis";
import { startServer } from "./server.ts";
import { connectClient, type TestClient } from "./testing/lobby_client.ts";
import { REDIS_SERVER, startRedis } from "./testing/redis_server.ts";
import { requireBinary } from "./testing/service_process.ts";

const haveRedis = requireBinary(
  REDIS_SERVER,
  "Redis (spectate parity)",
  "apt-get install redis-server",
);

/** `later(key)`: what ten minutes do to a Redis key (it expires); nothing in memory. */
type Scenario = (
  connect: () => Promise<TestClient>,
  later: (key: string) => Promise<void>,
) => Promise<unknown[]>;

async function onBoth(scenario: Scenario): Promise<{ memory: unknown[]; redis: unknown[] }> {
  const run = async (redisUrl: string | undefined) => {
    const db = redisUrl ? new Redis(redisUrl) : null;
    const server = await startServer({
      port: 0,
      hostname: "127.0.0.1",
      staticDir: null,
      logLevel: "silent",
      resumeGraceMs: 5000,
      ...(redisUrl ? { redisUrl } : {}),
    });
    const clients: TestClient[] = [];
    try {
      return await scenario(async () => {
        const c = await connectClient(`ws://127.0.0.1:${server.port}/ws`);
        clients.push(c);
        return c;
      }, async (k) => {
        // Only a key with a TTL expires; a persistent one outlives the ten minutes.
        if (db && await db.pttl(`duet:${k}`) > 0) await db.pexpire(`duet:${k}`, 1);
        await new Promise((r) => setTimeout(r, 20));
      });
    } finally {
      db?.disconnect();
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await server.close();
    }
  };
  const memory = await run(undefined);
  const redis = await startRedis();
  try {
    return { memory, redis: await run(redis.url) };
  } finally {
    await redis.stop();
  }
}

/** The next reply that is not a room-list push or a `renamed`. */
const reply = (m: ServerMessage) =>
  m.type === "error" ? { type: m.type, code: m.code } : { type: m.type };

Deno.test({
  name: "parity: watch a locked room that is not playing: the same error, the same attempt count",
  ignore: !haveRedis,
  async fn() {
    const { memory, redis } = await onBoth(async (connect) => {
      const owner = await connect();
      owner.send({ type: "create", name: "Locked", password: "sesame" });
      const room = (await owner.skipTo("joined")).room;
      const s = await connect();
      const out: unknown[] = [];
      // Not playing (one player): the answer should not depend on the guess.
      s.send({ type: "watch", room: room.id, password: "wrong" });
      out.push(reply((await s.drain()).messages[0]));
      s.send({ type: "watch", room: room.id });
      out.push(reply((await s.drain()).messages[0]));
      return out;
    });
    assert.deepEqual(redis, memory);
  },
});

const header = { game: "g", version: "1", seed: 5, names: ["A", "B"], options: [null, null] };

/** `a` creates a room, `b` joins it, offer and answer are relayed: the room is `playing`. */
async function play(a: TestClient, b: TestClient) {
  a.send({ type: "create", name: "Parity" });
  const room = (await a.skipTo("joined")).room.id;
  b.send({ type: "join", room });
  const pb = await b.skipTo("paired");
  const pa = await a.skipTo("paired");
  a.send({ type: "signal", session: pa.session, data: { kind: "offer", sdp: "v=0 a" } });
  await b.skipTo("signal");
  b.send({ type: "signal", session: pb.session, data: { kind: "answer", sdp: "v=0 b" } });
  await a.skipTo("signal");
  return { room, pa, pb };
}

Deno.test({
  name:
    "parity: a stream that ended mid-pairing stays ended (no error per batch, no watch, no stream-from 0 on resume) after its Redis TTL",
  ignore: !haveRedis,
  async fn() {
    const { memory, redis } = await onBoth(async (connect, later) => {
      const a = await connect(), b = await connect();
      const { room, pa } = await play(a, b);
      a.send({ type: "stream", from: 0, inputs: "0000", header });
      // Ended while the pairing goes on (match-over; our client's way is too-long).
      a.send({ type: "stream-end", reason: "match-over" });
      await a.drain();
      // Ten minutes without an accepted batch: the Redis stream key's TTL runs out.
      await later(`stream:${room}`);
      const out: unknown[] = [];
      a.send({ type: "stream", from: 1, inputs: "0101" });
      out.push((await a.drain()).messages.map(reply));
      const s = await connect();
      s.send({ type: "watch", room });
      out.push((await s.drain()).messages.map(reply));
      await a.close();
      await b.skipTo("peer-away");
      const a2 = await connect();
      a2.send({ type: "resume", token: pa.resume });
      out.push((await a2.drain()).messages.map(reply));
      return out;
    });
    assert.deepEqual(redis, memory);
  },
});

Deno.test({
  name: "parity: a stream-end sent after the opponent left is dropped without an error",
  ignore: !haveRedis,
  async fn() {
    const { memory, redis } = await onBoth(async (connect) => {
      const a = await connect(), b = await connect();
      await play(a, b);
      a.send({ type: "stream", from: 0, inputs: "0000", header });
      await a.drain();
      b.send({ type: "leave" });
      await a.skipTo("peer-left");
      // The page saw the pairing close after the lobby did, and ends its stream.
      a.send({ type: "stream-end", reason: "player-left" });
      return (await a.drain()).messages.map(reply);
    });
    assert.deepEqual(memory, []);
    assert.deepEqual(redis, memory);
  },
});
