/**
 * The Redis registry against data it did not write and connections that fail: a real
 * redis-server per test, seeded by hand the way a crash, an old version or an attacker with
 * access to Redis would leave it.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { parseServerMessage, type RoomInfo } from "../shared/lobby_protocol.ts";
import type { MatchEndEvent, PairedEvent } from "./lobby_hooks.ts";
import type { RedisRegistry } from "./redis_registry.ts";
import { type RunningServer, startServer } from "./server.ts";
import { connectClient, type TestClient } from "./testing/lobby_client.ts";
import { REDIS_SERVER, type RedisServer, startRedis } from "./testing/redis_server.ts";
import { requireBinary, waitUntil } from "./testing/service_process.ts";

const haveRedis = requireBinary(REDIS_SERVER, "Redis (robustness)", "apt-get install redis-server");
const redisTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !haveRedis, fn });

interface Rig {
  redis: RedisServer;
  db: Redis;
  lobby: RunningServer;
  registry: RedisRegistry;
  connect(): Promise<TestClient>;
}

/** A fresh Redis, seeded by `seed` before the lobby starts, and one lobby on it. */
async function withLobby(
  body: (rig: Rig) => Promise<void>,
  seed: (db: Redis) => Promise<unknown> = async () => {},
  deps: Parameters<typeof startServer>[1] = {},
) {
  const redis = await startRedis();
  const db = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const clients: TestClient[] = [];
  let lobby: RunningServer | null = null;
  try {
    await db.connect();
    await seed(db);
    lobby = await startServer({
      port: 0,
      hostname: "127.0.0.1",
      staticDir: null,
      redisUrl: redis.url,
      redisProcessTtlMs: 1500,
      logLevel: "silent",
    }, deps);
    const l = lobby;
    await body({
      redis,
      db,
      lobby: l,
      registry: l.registry as RedisRegistry,
      async connect() {
        const c = await connectClient(`ws://127.0.0.1:${l.port}/ws`);
        clients.push(c);
        return c;
      },
    });
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await lobby?.close();
    db.disconnect();
    await redis.stop();
  }
}

const roomHash = (name: string, seq: number, extra: Record<string, string> = {}) => ({
  name,
  code: "",
  pw: "",
  a: "nobody",
  b: "",
  state: "open",
  session: "",
  createdAt: "1700000000000",
  seq: String(seq),
  ...extra,
});

async function apiRooms(lobby: RunningServer): Promise<unknown> {
  return await (await fetch(`http://127.0.0.1:${lobby.port}/api/rooms`)).json();
}

redisTest("damaged rooms and wrong-type keys never stop a new lobby from starting", async () => {
  await withLobby(async ({ lobby, db }) => {
    const api = await apiRooms(lobby) as { rooms: RoomInfo[] };
    assert.deepEqual(api.rooms.map((r) => r.name), ["good"]);
    // The bad entries were taken off the list (repaired), the good one kept.
    assert.deepEqual(await db.zrange("duet:public", "0", "-1"), ["good"]);
    assert.equal(await db.type("duet:procs"), "set");
  }, async (db) => {
    await db.hset("duet:room:good", roomHash("good", 1));
    const { createdAt: _, ...noCreatedAt } = roomHash("no-created-at", 2);
    await db.hset("duet:room:nocreated", noCreatedAt);
    await db.set("duet:room:astring", "not a hash");
    await db.hset("duet:room:badstate", roomHash("bad-state", 4, { state: "exploded" }));
    await db.zadd("duet:public", 1, "good", 2, "nocreated", 3, "astring", 4, "badstate", 5, "gone");
    await db.set("duet:procs", "not a set");
  });
});

redisTest("a crafted createdAt is never pasted into the room list's JSON", async () => {
  await withLobby(async ({ lobby, connect }) => {
    const text = JSON.stringify(await apiRooms(lobby));
    assert.doesNotMatch(text, /pwned/);
    const c = await connect();
    assert.deepEqual(c.rooms.map((r) => r.name), ["honest"]);
    for (const r of c.rooms) assert.deepEqual(Object.keys(r).includes("pwned"), false);
  }, async (db) => {
    await db.hset("duet:room:honest", roomHash("honest", 1));
    await db.hset(
      "duet:room:evil",
      roomHash("evil", 2, { createdAt: '1,"pwned":true,"x":1' }),
    );
    await db.zadd("duet:public", 1, "honest", 2, "evil");
  });
});

redisTest("a stale quick-queue entry never makes quick fail", async () => {
  await withLobby(async ({ connect, db }) => {
    const c = await connect();
    c.send({ type: "quick", rid: 1 });
    const joined = await c.expect("joined");
    assert.equal(joined.rid, 1);
    assert.equal(joined.room.players, 1, "a fresh room, not a ghost's");
    // The stale entries are gone from the queue.
    const queue = await db.zrange("duet:quick", "0", "-1");
    assert.deepEqual(queue, [joined.room.id]);
  }, async (db) => {
    // A queued room that no longer exists, a damaged one, and one whose player is gone.
    await db.zadd("duet:quick", 1, "vanished", 2, "damaged", 3, "ghostly");
    await db.set("duet:room:damaged", "x");
    await db.hset("duet:room:ghostly", roomHash("ghostly", 3, { a: "ghost-player" }));
    await db.zadd("duet:public", 3, "ghostly");
  });
});

redisTest("a signal into a damaged room is answered not-paired, never a script error", async () => {
  await withLobby(async ({ connect, db }) => {
    const a = await connect();
    const b = await connect();
    a.send({ type: "create", name: "Torn", private: true });
    const joined = await a.expect("joined");
    b.send({ type: "join", room: joined.code });
    await b.skipTo("paired");
    await a.expect("paired");
    const data = { kind: "candidate", candidate: { candidate: "candidate:1 1 udp 1 1 9" } };
    // The room lost its seats (a crash half-way, or a hand edit), then its key's type.
    await db.hdel(`duet:room:${joined.room.id}`, "a", "b");
    a.send({ type: "signal", data, rid: 1 });
    assert.deepEqual(
      [(await a.expect("error")).code, (await b.drain()).messages.length],
      ["not-paired", 0],
    );
    await db.del(`duet:room:${joined.room.id}`);
    await db.set(`duet:room:${joined.room.id}`, "x");
    b.send({ type: "signal", data, rid: 2 });
    const err = await b.expect("error");
    assert.deepEqual([err.code, err.rid], ["not-paired", 2]);
  });
});

redisTest("non-numeric state counts never print NaN in /metrics", async () => {
  await withLobby(async ({ lobby }) => {
    // /metrics is off the public port by default: read what it would serve.
    const text = await lobby.metrics.registry.render();
    assert.doesNotMatch(text, /NaN/);
    assert.match(text, /duet_rooms\{state="open"\} 0\n/);
  }, async (db) => {
    await db.hset("duet:states", "open", "lots", "full", "1e999", "playing", "-3");
  });
});

redisTest("a fenced lobby reaps its own old players when it registers again", async () => {
  await withLobby(async ({ db, connect, registry }) => {
    const a = await connect();
    const b = await connect();
    a.send({ type: "create", name: "Before" });
    await a.expect("joined");
    assert.equal(await db.scard(`duet:procplayers:${registry.processId}`), 2);
    // A ghost of this process without a socket (Redis restored from an older snapshot), then the
    // heartbeat key gone (as if the process had stalled past its TTL, or Redis lost it).
    const me = registry.processId;
    await db.hset("duet:player:ghost", { proc: me, name: "Ghost", room: "ghostroom" });
    await db.sadd(`duet:procplayers:${me}`, "ghost");
    await db.hset("duet:room:ghostroom", roomHash("Ghost's room", 99, { a: "ghost" }));
    await db.sadd("duet:rooms", "ghostroom");
    await db.zadd("duet:public", 99, "ghostroom");
    await db.del(`duet:alive:${registry.processId}`);
    await a.closed;
    await b.closed;
    await waitUntil(
      async () => (await db.exists(`duet:alive:${registry.processId}`)) === 1,
      5000,
      () => "the lobby did not register again",
    );
    assert.equal(await db.scard(`duet:procplayers:${registry.processId}`), 0);
    assert.deepEqual(await db.keys("duet:player:*"), []);
    assert.deepEqual(await db.keys("duet:room:*"), []);
    // And it serves again.
    const c = await connect();
    c.send({ type: "create", name: "After" });
    assert.equal((await c.expect("joined")).room.name, "After");
  });
});

redisTest(
  "reconciliation forgets players Redis holds for this lobby without a socket",
  async () => {
    await withLobby(async ({ db, connect, registry }) => {
      const live = await connect();
      live.send({ type: "create", name: "Live" });
      const liveRoom = (await live.expect("joined")).room;
      // A ghost left by a Redis restored from an old snapshot: its player and room.
      const me = registry.processId;
      await db.hset("duet:player:ghost", { proc: me, name: "Ghost", room: "ghostroom" });
      await db.sadd(`duet:procplayers:${me}`, "ghost");
      await db.hset("duet:room:ghostroom", roomHash("Ghost's room", 99, { a: "ghost" }));
      await db.sadd("duet:rooms", "ghostroom");
      await db.zadd("duet:public", 99, "ghostroom");
      await db.zadd("duet:quick", 99, "ghostroom");
      assert.equal(await registry.reconcile(), 1);
      assert.equal(await db.exists("duet:player:ghost"), 0);
      assert.equal(await db.exists("duet:room:ghostroom"), 0);
      assert.deepEqual(await db.zrange("duet:quick", "0", "-1"), [liveRoom.id]);
      assert.equal(await registry.reconcile(), 0, "the live player stays");
    });
  },
);

redisTest("disconnects are retried while Redis drops the lobby's connections", async () => {
  await withLobby(async ({ db, connect, registry }) => {
    const clients: TestClient[] = [];
    for (let i = 0; i < 10; i++) {
      const c = await connect();
      c.send({ type: "create", name: `R${i}` });
      await c.expect("joined");
      clients.push(c);
    }
    const killer = new Redis(db.options.port!, "127.0.0.1", { maxRetriesPerRequest: 1 });
    try {
      const started = performance.now();
      let closed = 0;
      // Kill every normal client connection (the lobby's commands) every 50 ms for 1.5 s, while
      // the players leave one after another.
      while (performance.now() - started < 1500) {
        await killer.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").catch(() => {});
        if (closed < clients.length) clients[closed++].close().catch(() => {});
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      killer.disconnect();
    }
    // Every disconnect lands (well before the periodic reconciliation, 10 s): no ghosts.
    await waitUntil(
      async () =>
        (await db.scard(`duet:procplayers:${registry.processId}`).catch(() => -1)) === 0 &&
        (await db.keys("duet:room:*").catch(() => ["?"])).length === 0,
      6000,
      () => "players or rooms of departed clients stayed in Redis",
    );
  });
});

redisTest("hooks fire once per pairing and once per end, on one lobby", async () => {
  const paired: PairedEvent[] = [];
  const ended: MatchEndEvent[] = [];
  await withLobby(
    async ({ connect }) => {
      const a = await connect();
      const b = await connect();
      a.send({ type: "hello", name: "Ann", game: "hockey", version: "2" });
      b.send({ type: "hello", name: "Bob", game: "hockey", version: "2" });
      for (const x of [a, b]) {
        await x.expect("renamed");
        await x.expect("rooms");
      }
      a.send({ type: "quick" });
      await a.expect("joined");
      b.send({ type: "quick" });
      await b.expect("joined");
      const session = (await b.expect("paired")).session;
      await a.expect("paired");
      b.send({ type: "leave" });
      await b.expect("left");
      await waitUntil(() => Promise.resolve(ended.length > 0), 2000, () => "no match-end");
      assert.equal(paired.length, 1);
      assert.equal(paired[0].session, session);
      assert.deepEqual([paired[0].game, paired[0].version], ["hockey", "2"]);
      assert.deepEqual(paired[0].players.map((p) => p.name), ["Ann", "Bob"]);
      assert.deepEqual(ended, [{ session, room: paired[0].room, reason: "left" }]);
    },
    undefined,
    {
      hooks: { onPaired: (e) => void paired.push(e), onMatchEnd: (e) => void ended.push(e) },
    },
  );
});

redisTest(
  "scopes hold across the shared registry: wrong-game and incompatible-version",
  async () => {
    await withLobby(async ({ connect, lobby }) => {
      const a = await connect();
      const b = await connect();
      const c = await connect();
      a.send({ type: "hello", name: "A", game: "hockey", version: "2" });
      b.send({ type: "hello", name: "B", game: "chess", version: "2" });
      c.send({ type: "hello", name: "C", game: "hockey", version: "1" });
      for (const x of [a, b, c]) {
        await x.expect("renamed");
        // A changed scope is answered with that scope's snapshot.
        assert.equal((await x.expect("rooms")).total, 0);
      }
      a.send({ type: "create", name: "Ice" });
      const room = (await a.expect("joined")).room;
      assert.equal(room.game, "hockey");
      b.send({ type: "join", room: room.id, rid: 1 });
      assert.equal((await b.expect("error")).code, "wrong-game");
      c.send({ type: "join", room: room.id, rid: 2 });
      assert.equal((await c.expect("error")).code, "incompatible-version");
      const scoped = await (await fetch(
        `http://127.0.0.1:${lobby.port}/api/rooms?game=hockey&version=2`,
      )).json();
      assert.deepEqual(scoped.rooms.map((r: RoomInfo) => r.id), [room.id]);
      assert.deepEqual((await apiRooms(lobby) as { rooms: RoomInfo[] }).rooms, []);
      for (const text of [JSON.stringify(scoped)]) {
        assert.ok(parseServerMessage(JSON.stringify({ type: "rooms", ...JSON.parse(text) })).ok);
      }
    });
  },
);

redisTest(
  "a look-alike of another player's name is numbered in the shared registry too",
  async () => {
    await withLobby(async ({ connect, db }) => {
      const a = await connect();
      const b = await connect();
      a.send({ type: "hello", name: "Ann" });
      assert.equal((await a.expect("renamed")).name, "Ann");
      b.send({ type: "hello", name: "ANN" });
      assert.equal((await b.expect("renamed")).name, "ANN (2)");
      await a.close();
      // Its holder gone, the name is free again.
      await waitUntil(async () => (await db.hlen("duet:names")) === 1, 2000, () => "name kept");
      b.send({ type: "hello", name: "Ann" });
      assert.equal((await b.expect("renamed")).name, "Ann");
    });
  },
);

redisTest(
  "reconciliation reaps players of a dead process missing from the process set",
  async () => {
    await withLobby(async ({ db, registry }) => {
      await db.hset("duet:player:orphan", { proc: "deadproc", name: "Orphan", room: "orphanroom" });
      await db.sadd("duet:procplayers:deadproc", "orphan");
      await db.hset("duet:room:orphanroom", roomHash("Orphan's room", 7, { a: "orphan" }));
      await db.sadd("duet:rooms", "orphanroom");
      await db.zadd("duet:public", 7, "orphanroom");
      assert.equal(await registry.reconcile(), 1);
      assert.equal(await db.exists("duet:player:orphan"), 0);
      assert.equal(await db.exists("duet:room:orphanroom"), 0);
      assert.equal(await db.exists("duet:procplayers:deadproc"), 0);
    });
  },
);

redisTest(
  "reconciliation scans a large keyspace a slice per run and still finds every orphan",
  async () => {
    await withLobby(async ({ db, registry }) => {
      // 30k unrelated keys (player hashes of a busy lobby), orphans among them.
      const pipeline = db.pipeline();
      for (let i = 0; i < 30_000; i++) pipeline.set(`duet:filler:${i}`, "1");
      for (let i = 0; i < 3; i++) {
        pipeline.hset(`duet:player:orphan${i}`, { proc: `dead${i}`, name: `O${i}` });
        pipeline.sadd(`duet:procplayers:dead${i}`, `orphan${i}`);
      }
      await pipeline.exec();
      const before = Number(
        (await db.info("commandstats")).match(/cmdstat_scan:calls=(\d+)/)?.[1] ?? 0,
      );
      const found: number[] = [];
      for (let run = 0; run < 12; run++) found.push(await registry.reconcile());
      const scans = Number((await db.info("commandstats")).match(/cmdstat_scan:calls=(\d+)/)?.[1]) -
        before;
      assert.equal(found.reduce((a, b) => a + b, 0), 3, `found ${found}`);
      // No run looked at the whole keyspace: each stopped after a bounded number of SCAN calls.
      assert.ok(found.filter((n) => n > 0).length >= 1);
      assert.ok(scans <= 12 * 5, `${scans} SCAN calls`);
      for (let i = 0; i < 3; i++) assert.equal(await db.exists(`duet:player:orphan${i}`), 0);
    });
  },
);
