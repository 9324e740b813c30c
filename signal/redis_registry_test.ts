/**
 * Several lobbies, one Redis: a real redis-server per test, lobbies in this process (fast, for
 * the protocol across processes and its races) and as separate processes (for SIGKILL).
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import type { RoomInfo } from "../shared/lobby_protocol.ts";
import type { RedisRegistry } from "./redis_registry.ts";
import { type RunningServer, startServer } from "./server.ts";
import { connectClient, type TestClient, timeout } from "./testing/lobby_client.ts";
import { startLobbyProcess } from "./testing/lobby_process.ts";
import { REDIS_SERVER, type RedisServer, startRedis } from "./testing/redis_server.ts";
import { requireBinary, waitUntil } from "./testing/service_process.ts";

const haveRedis = requireBinary(
  REDIS_SERVER,
  "Redis (several lobbies)",
  "apt-get install redis-server",
);

interface Cluster {
  redis: RedisServer;
  lobbies: RunningServer[];
  /** Connects a client to lobby `i`. */
  connect(i: number): Promise<TestClient>;
}

/** Runs `body` with a fresh Redis and `n` lobbies sharing it; cleans everything up. */
async function withCluster(
  n: number,
  body: (c: Cluster) => Promise<void>,
  extra: { processTtlMs?: number } = {},
) {
  const redis = await startRedis();
  const lobbies: RunningServer[] = [];
  const clients: TestClient[] = [];
  try {
    for (let i = 0; i < n; i++) {
      lobbies.push(
        await startServer({
          port: 0,
          hostname: "127.0.0.1",
          staticDir: null,
          redisUrl: redis.url,
          redisProcessTtlMs: extra.processTtlMs ?? 5000,
          logLevel: "silent",
        }),
      );
    }
    await body({
      redis,
      lobbies,
      async connect(i) {
        const c = await connectClient(`ws://127.0.0.1:${lobbies[i].port}/ws`);
        clients.push(c);
        return c;
      },
    });
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    for (const l of lobbies) await l.close();
    await redis.stop();
  }
}

const redisTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !haveRedis, fn });

/** The ids in a lobby's `GET /api/rooms` (its local copy of the shared list). */
async function roomIds(lobby: { port: number }): Promise<string[]> {
  // The route is rate-limited per address (20 burst, 5/s) and the tests poll it: on a 429, wait
  // for the bucket instead of failing on its text body.
  for (let tries = 0;; tries++) {
    const res = await fetch(`http://127.0.0.1:${lobby.port}/api/rooms`);
    if (res.status === 429 && tries < 20) {
      await res.body?.cancel();
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    return ((await res.json()).rooms as RoomInfo[]).map((r) => r.id);
  }
}

redisTest(
  "a player on each lobby sees the other's room, they pair and relay offer/answer",
  async () => {
    await withCluster(2, async ({ connect, lobbies }) => {
      const a = await connect(0);
      const watcher = await connect(1);
      a.send({ type: "create", name: "Cross", rid: 1 });
      const joined = await a.expect("joined");
      assert.equal(joined.rid, 1);
      // Pushed to a client of the other process, and listed for newcomers there.
      assert.deepEqual((await watcher.expect("room")).room, joined.room);
      const b = await connect(1);
      assert.deepEqual(b.rooms, [joined.room]);
      assert.deepEqual(await roomIds(lobbies[1]), [joined.room.id]);

      b.send({ type: "join", room: joined.room.id, rid: 2 });
      assert.equal((await b.expect("joined")).rid, 2);
      const pb = await b.expect("paired");
      const pa = await a.expect("paired");
      assert.deepEqual([pa.role, pb.role], ["offerer", "answerer"]);
      assert.equal(pa.session, pb.session);
      assert.deepEqual(pa.peer, { id: b.welcome.id, name: b.welcome.name });
      assert.deepEqual(pb.peer, { id: a.welcome.id, name: a.welcome.name });

      a.send({ type: "signal", data: { kind: "offer", sdp: "v=0 offer" } });
      assert.deepEqual(await b.expect("signal"), {
        type: "signal",
        from: a.welcome.id,
        data: { kind: "offer", sdp: "v=0 offer" },
        session: pa.session,
      });
      b.send({ type: "signal", data: { kind: "answer", sdp: "v=0 answer" } });
      assert.deepEqual((await a.expect("signal")).data, { kind: "answer", sdp: "v=0 answer" });
      b.send({
        type: "signal",
        data: {
          kind: "candidate",
          candidate: { candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host" },
        },
      });
      assert.equal((await a.expect("signal")).data.kind, "candidate");
      // The relayed answer moved the room to playing, for everyone on both processes.
      for (;;) if ((await watcher.expect("room")).room.state === "playing") break;
      assert.deepEqual(await lobbies[0].registry.roomStates(), { open: 0, full: 0, playing: 1 });
      const metrics = await lobbies[1].metrics.registry.render();
      assert.match(metrics, /duet_rooms\{state="playing"\} 1\n/);
      assert.match(metrics, /duet_relayed_messages_total\{kind="answer"\} 1\n/);
    });
  },
);

redisTest(
  "a signal to a player on another lobby is one script: no ack, nothing in the sender's inbox",
  async () => {
    await withCluster(2, async ({ connect, lobbies, redis }) => {
      const db = new Redis(redis.url);
      try {
        const a = await connect(0);
        const b = await connect(1);
        a.send({ type: "create", name: "Quiet", private: true });
        const code = (await a.expect("joined")).code!;
        b.send({ type: "join", room: code });
        const session = (await b.skipTo("paired")).session;
        await a.expect("paired");
        const inbox = (i: number) =>
          db.xlen(`duet:inbox:${(lobbies[i].registry as RedisRegistry).processId}`);
        const before = [await inbox(0), await inbox(1)];
        const data = { kind: "candidate", candidate: { candidate: "candidate:1 1 udp 1 1 9" } };
        for (let i = 0; i < 20; i++) a.send({ type: "signal", data, session } as never);
        for (let i = 0; i < 20; i++) assert.equal((await b.expect("signal")).from, a.welcome.id);
        // One entry per relayed signal in the peer's inbox, none (no ack) in the sender's.
        assert.equal(await inbox(1), before[1] + 20);
        assert.equal(await inbox(0), before[0]);
        // An error reply still waits for the ack: it cannot overtake what the inbox holds.
        b.send({ type: "leave" });
        await b.expect("left");
        a.send({ type: "signal", data, rid: 8 } as never);
        assert.equal((await a.expect("peer-left")).id, b.welcome.id);
        const err = await a.expect("error");
        assert.deepEqual([err.code, err.rid], ["not-paired", 8]);
      } finally {
        db.disconnect();
      }
    });
  },
);

redisTest("two lobbies racing to join one room: exactly one player gets in", async () => {
  await withCluster(2, async ({ connect }) => {
    for (let round = 0; round < 5; round++) {
      const owner = await connect(round % 2);
      owner.send({ type: "create", name: `Race ${round}` });
      const room = (await owner.expect("joined")).room;
      const x = await connect(0);
      const y = await connect(1);
      x.send({ type: "join", room: room.id });
      y.send({ type: "join", room: room.id });
      // Each join's reply comes before the pong that drain() waits for.
      const outcomes = await Promise.all([x, y].map(async (c) => {
        const { messages } = await c.drain();
        const m = messages.find((m) => m.type === "joined" || m.type === "error");
        return m?.type === "error" ? m.code : m?.type;
      }));
      assert.deepEqual(outcomes.sort(), ["joined", "room-full"], `round ${round}`);
      await Promise.all([owner.close(), x.close(), y.close()]);
    }
  });
});

redisTest(
  "many quick-matches at once across two lobbies pair up with none left waiting",
  async () => {
    await withCluster(2, async ({ connect, lobbies }) => {
      const players = await Promise.all(Array.from({ length: 12 }, (_, i) => connect(i % 2)));
      for (const p of players) p.send({ type: "quick" });
      const pairings = await Promise.all(players.map((p) => p.skipTo("paired")));
      const sessions = new Map<string, number>();
      for (const p of pairings) sessions.set(p.session, (sessions.get(p.session) ?? 0) + 1);
      assert.equal(sessions.size, 6);
      assert.ok([...sessions.values()].every((n) => n === 2));
      assert.deepEqual(await lobbies[1].registry.roomStates(), { open: 0, full: 6, playing: 0 });
    });
  },
);

redisTest("private rooms and passwords work across lobbies; errors keep their rid", async () => {
  await withCluster(2, async ({ connect }) => {
    const a = await connect(0);
    const b = await connect(1);
    a.send({ type: "create", name: "Secret", private: true, password: "pw" });
    const joined = await a.expect("joined");
    assert.match(joined.code!, /^[0-9A-Z]{16}$/);
    b.send({ type: "join", room: joined.room.id, rid: 1 });
    assert.deepEqual(
      [(await b.expect("error")).code],
      ["room-not-found"],
      "a private room's id is not a way in",
    );
    b.send({ type: "join", room: joined.code!.toLowerCase(), rid: 2 });
    const denied = await b.expect("error");
    assert.deepEqual([denied.code, denied.rid, denied.message], [
      "wrong-password",
      2,
      "this room needs a password",
    ]);
    b.send({ type: "join", room: joined.code!, password: "pw", rid: 3 });
    assert.equal((await b.expect("joined")).rid, 3);
    assert.equal((await a.expect("paired")).peer.id, b.welcome.id);
    const c = await connect(0);
    c.send({ type: "join", room: joined.code!, password: "pw", rid: 4 });
    assert.deepEqual([(await c.expect("error")).code], ["room-full"]);
    assert.deepEqual((await c.drain()).list, [], "private rooms are never pushed");
  });
});

redisTest(
  "a player dropping on one lobby gives its peer on the other peer-left; the room reopens",
  async () => {
    await withCluster(2, async ({ connect, lobbies }) => {
      const a = await connect(0);
      const b = await connect(1);
      a.send({ type: "create", name: "R" });
      const room = (await a.expect("joined")).room;
      b.send({ type: "join", room: room.id });
      await b.skipTo("paired");
      await a.expect("paired");
      await b.close();
      assert.deepEqual(await a.expect("peer-left"), { type: "peer-left", id: b.welcome.id });
      await waitUntil(
        async () => (await lobbies[1].registry.roomStates()).open === 1,
        2000,
        () => "the room did not reopen",
      );
      a.send({ type: "leave" });
      await a.expect("left");
      await waitUntil(
        async () => (await roomIds(lobbies[1])).length === 0,
        2000,
        () => "room stayed",
      );
    });
  },
);

redisTest("a lobby shutting down gracefully releases its players at once", async () => {
  await withCluster(2, async ({ connect, lobbies }) => {
    const a = await connect(0);
    const b = await connect(1);
    a.send({ type: "create", name: "Leaving" });
    const room = (await a.expect("joined")).room;
    b.send({ type: "join", room: room.id });
    await b.skipTo("paired");
    const lone = await connect(0);
    lone.send({ type: "create", name: "Lone" });
    const loneRoom = (await lone.expect("joined")).room;
    const t0 = performance.now();
    await lobbies[0].close();
    assert.equal((await a.closed).code, 1001);
    assert.deepEqual(await b.expect("peer-left"), { type: "peer-left", id: a.welcome.id });
    // No waiting for the heartbeat TTL (5 s here): the process removed its own players.
    assert.ok(performance.now() - t0 < 2000);
    await waitUntil(
      async () => !(await roomIds(lobbies[1])).includes(loneRoom.id),
      2000,
      () => "the lone room stayed listed",
    );
    assert.equal((await lobbies[1].registry.roomStates()).open, 1);
  });
});

redisTest("readyz follows Redis: ready while it answers, 503 once it is gone", async () => {
  await withCluster(1, async ({ redis, lobbies }) => {
    const url = `http://127.0.0.1:${lobbies[0].port}/readyz`;
    const ok = await fetch(url);
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).registry, "redis");
    await redis.stop();
    await waitUntil(
      async () => {
        const res = await fetch(url);
        await res.body?.cancel();
        return res.status === 503;
      },
      5000,
      () => "readyz stayed 200 without Redis",
    );
    // Liveness is about the process, not its dependencies.
    const health = await fetch(`http://127.0.0.1:${lobbies[0].port}/healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
  });
});

redisTest(
  "a lobby whose heartbeat lapsed is fenced: its clients are told, and it registers again",
  async () => {
    await withCluster(2, async ({ connect, lobbies, redis }) => {
      const a = await connect(0);
      const b = await connect(1);
      a.send({ type: "create", name: "Stalled" });
      const room = (await a.expect("joined")).room;
      b.send({ type: "join", room: room.id });
      await b.skipTo("paired");
      // As if lobby 0 had stalled past its TTL: its heartbeat key is gone, so the others reap it.
      const raw = new Redis(redis.url);
      try {
        const id = (lobbies[0].registry as RedisRegistry).processId;
        await raw.del(`duet:alive:${id}`);
        // Lobby 1 reaps lobby 0's players (unless lobby 0 noticed first and removed them itself).
        await (lobbies[1].registry as RedisRegistry).sweep();
        assert.deepEqual(await b.expect("peer-left"), { type: "peer-left", id: a.welcome.id });
        const error = await a.skipTo("error");
        assert.deepEqual([error.code, error.close], ["internal-error", true]);
        assert.equal((await timeout(a.closed, "fenced close", 3000)).code, 1011);
        // Back in business: new clients are served.
        await waitUntil(
          async () => (await raw.exists(`duet:alive:${id}`)) === 1,
          3000,
          () => "lobby 0 did not register again",
        );
        const again = await connect(0);
        again.send({ type: "join", room: room.id });
        assert.equal((await again.skipTo("paired")).peer.id, b.welcome.id);
      } finally {
        raw.disconnect();
      }
    }, { processTtlMs: 1500 });
  },
);

redisTest("a lobby whose subscriber reconnected reloads the room list it missed", async () => {
  await withCluster(2, async ({ connect, lobbies, redis }) => {
    const watcher = await connect(0);
    const raw = new Redis(redis.url);
    try {
      // Drop every subscriber connection, then change the list before they are back.
      await raw.call("CLIENT", "KILL", "TYPE", "pubsub");
      const creator = await connect(1);
      creator.send({ type: "create", name: "Missed?" });
      // A fresh `rooms` snapshot may come first, when its own lobby resyncs.
      const room = (await creator.skipTo("joined")).room;
      await waitUntil(
        async () => (await roomIds(lobbies[0])).includes(room.id),
        5000,
        () => "lobby 0 never learned of the room",
      );
      // The watcher got it as a push or as a fresh snapshot.
      const { messages, list } = await watcher.drain();
      const seen = [...messages, ...list].some((m) =>
        (m.type === "room" && m.room.id === room.id) ||
        (m.type === "rooms" && m.rooms.some((r) => r.id === room.id))
      );
      assert.ok(seen, JSON.stringify([...messages, ...list]));
    } finally {
      raw.disconnect();
    }
  });
});

redisTest(
  "Redis restarted empty: the lobby re-registers, its clients reconnect, the list works",
  async () => {
    let redis = await startRedis();
    const port = redis.port;
    const lobby = await startServer({
      port: 0,
      hostname: "127.0.0.1",
      staticDir: null,
      redisUrl: redis.url,
      redisProcessTtlMs: 1000,
      logLevel: "silent",
    });
    const ws = `ws://127.0.0.1:${lobby.port}/ws`;
    const clients: TestClient[] = [];
    try {
      const before = await connectClient(ws);
      clients.push(before);
      before.send({ type: "create", name: "Lost with Redis" });
      await before.expect("joined");
      await redis.stop();
      redis = await startRedis(port);
      // Its player vanished with Redis: the client is told to reconnect.
      assert.equal((await timeout(before.skipTo("error"), "fencing", 5000)).code, "internal-error");
      await waitUntil(
        async () =>
          (await (await fetch(`http://127.0.0.1:${lobby.port}/readyz`)).json()).status === "ready",
        5000,
        () => "not ready again",
      );
      const watcher = await connectClient(ws);
      const creator = await connectClient(ws);
      clients.push(watcher, creator);
      assert.deepEqual(watcher.rooms, []);
      creator.send({ type: "create", name: "After the restart" });
      const room = (await creator.skipTo("joined")).room;
      // Redis's event counter restarted from zero; the lobby must not ignore the new events.
      assert.deepEqual((await watcher.expect("room")).room, room);
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await lobby.close();
      await redis.stop();
    }
  },
);

redisTest(
  "SIGKILL of one lobby process: the other drops its rooms and tells peers within seconds",
  async () => {
    const redis = await startRedis();
    const env = { REDIS_URL: redis.url, REDIS_PROCESS_TTL_MS: "1000", LOG_LEVEL: "warn" };
    const procs = await Promise.all([startLobbyProcess(env), startLobbyProcess(env)]);
    const clients: TestClient[] = [];
    try {
      const [doomed, survivor] = procs;
      const onDoomed = await connectClient(doomed.ws);
      const lonely = await connectClient(doomed.ws);
      const onSurvivor = await connectClient(survivor.ws);
      clients.push(onDoomed, lonely, onSurvivor);
      onDoomed.send({ type: "create", name: "Paired" });
      const paired = (await onDoomed.expect("joined")).room;
      lonely.send({ type: "create", name: "Alone" });
      const alone = (await lonely.expect("joined")).room;
      onSurvivor.send({ type: "join", room: paired.id });
      await onSurvivor.skipTo("paired");
      assert.deepEqual((await roomIds(survivor)).sort(), [paired.id, alone.id].sort());

      doomed.process.kill("SIGKILL");
      await doomed.process.exited;
      const t0 = performance.now();
      assert.deepEqual(await timeout(onSurvivor.skipTo("peer-left"), "peer-left", 5000), {
        type: "peer-left",
        id: onDoomed.welcome.id,
      });
      await waitUntil(
        async () => !(await roomIds(survivor)).includes(alone.id),
        5000,
        () => "the dead process's room stayed listed",
      );
      const elapsed = performance.now() - t0;
      assert.ok(elapsed < 5000, `cleaned up after ${elapsed} ms`);
      // The survivor's player is alone in its room again, which is open to others.
      assert.deepEqual(await roomIds(survivor), [paired.id]);
      const reaped = survivor.logs().find((l) => l.event === "redis-process-reaped");
      assert.equal(reaped?.players, 2);
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      for (const p of procs) await p.stop();
      await redis.stop();
    }
  },
);

redisTest(
  "a spectator on another lobby than the players gets the backlog, live batches and the end",
  async () => {
    await withCluster(2, async ({ connect, redis }) => {
      const a = await connect(0);
      const b = await connect(0);
      a.send({ type: "create", name: "Watched" });
      const { room } = await a.expect("joined");
      b.send({ type: "join", room: room.id });
      await b.expect("joined");
      await a.expect("paired");
      await b.expect("paired");
      a.send({ type: "signal", data: { kind: "offer", sdp: "o" } });
      await b.expect("signal");
      b.send({ type: "signal", data: { kind: "answer", sdp: "a" } });
      await a.expect("signal");
      const header = { game: "g", version: "1", seed: 3, names: ["A", "B"], options: [1, 2] };
      a.send({ type: "stream", from: 0, inputs: "0102", header });
      a.send({ type: "stream", from: 1, inputs: "0304" });
      // Two spectators on the other process: one inbox entry serves both.
      const s = await connect(1);
      const t = await connect(1);
      // Stream steps are acked in order; a ping after them proves both landed.
      a.send({ type: "ping", t: 1 });
      await a.expect("pong");
      for (const x of [s, t]) {
        x.send({ type: "watch", room: room.id });
        const w = await x.expect("watching");
        assert.deepEqual(w.header, header);
        assert.equal((await x.expect("stream")).inputs, "01020304");
      }
      assert.equal(t.rooms.length, 1);
      a.send({ type: "stream", from: 2, inputs: "0506" });
      for (const x of [s, t]) {
        assert.deepEqual(await x.expect("stream"), {
          type: "stream",
          room: room.id,
          from: 2,
          inputs: "0506",
        });
      }
      // The backlog lives in Redis with a TTL.
      const r = new Redis(redis.url);
      try {
        assert.equal(await r.get(`duet:backlog:${room.id}`), "010203040506");
        const ttl = await r.pttl(`duet:backlog:${room.id}`);
        assert.ok(ttl > 0 && ttl <= 10 * 60 * 1000, `ttl ${ttl}`);
        assert.equal(await r.scard(`duet:spect:${room.id}`), 2);
        await t.close();
        await waitUntil(
          async () => (await r.scard(`duet:spect:${room.id}`)) === 1,
          3000,
          () => "the dropped spectator to be forgotten",
        );
        // A leave ends the pairing at once (a drop would hold the seat for a resume first).
        b.send({ type: "leave" });
        assert.equal((await s.expect("stream-end")).reason, "player-left");
        await waitUntil(
          async () => (await r.exists(`duet:backlog:${room.id}`)) === 0,
          3000,
          () => "the backlog to be dropped",
        );
        assert.equal(await r.exists(`duet:spect:${room.id}`), 0);
        assert.equal(await r.exists(`duet:stream:${room.id}`), 0);
        assert.equal(await r.hget(`duet:player:${s.welcome.id}`, "watch"), null);
      } finally {
        r.disconnect();
      }
    });
  },
);
