/**
 * Review (spectate across resume, locked rooms): the same client sequence against the in-memory
 * lobby and against a Redis lobby must get the same replies. Each scenario runs on both and the
 * replies are compared.
 */
import assert from "node:assert/strict";
import type { ServerMessage } from "../shared/lobby_protocol.ts";
import { startServer } from "./server.ts";
import { connectClient, type TestClient } from "./testing/lobby_client.ts";
import { REDIS_SERVER, startRedis } from "./testing/redis_server.ts";
import { requireBinary } from "./testing/service_process.ts";

const haveRedis = requireBinary(
  REDIS_SERVER,
  "Redis (spectate parity)",
  "apt-get install redis-server",
);

type Scenario = (connect: () => Promise<TestClient>) => Promise<unknown[]>;

async function onBoth(scenario: Scenario): Promise<{ memory: unknown[]; redis: unknown[] }> {
  const run = async (redisUrl: string | undefined) => {
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
      });
    } finally {
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
