/**
 * Resume against real lobbies: one in-memory server, and two lobby processes sharing a real
 * Redis (the returning player lands on the other process). The rules themselves are tested
 * without I/O in room_registry_resume_test.ts.
 */
import assert from "node:assert/strict";
import type { ServerMessageOf } from "../shared/lobby_protocol.ts";
import { type RunningServer, startServer } from "./server.ts";
import { connectClient, type TestClient, timeout } from "./testing/lobby_client.ts";
import { startLobbyProcess } from "./testing/lobby_process.ts";
import { REDIS_SERVER, startRedis } from "./testing/redis_server.ts";
import { requireBinary } from "./testing/service_process.ts";

const haveRedis = requireBinary(REDIS_SERVER, "Redis (resume)", "apt-get install redis-server");

interface Match {
  a: TestClient;
  b: TestClient;
  pa: ServerMessageOf<"paired">;
  pb: ServerMessageOf<"paired">;
  room: string;
}

/** `a` creates a room, `b` joins it, offer and answer are relayed: the room is `playing`. */
async function play(a: TestClient, b: TestClient): Promise<Match> {
  a.send({ type: "create", name: "Resume" });
  const room = (await a.skipTo("joined")).room;
  b.send({ type: "join", room: room.id });
  const pb = await b.skipTo("paired");
  const pa = await a.skipTo("paired");
  a.send({ type: "signal", session: pa.session, data: { kind: "offer", sdp: "v=0 a" } });
  await b.skipTo("signal");
  b.send({ type: "signal", session: pb.session, data: { kind: "answer", sdp: "v=0 b" } });
  await a.skipTo("signal");
  return { a, b, pa, pb, room: room.id };
}

async function withServer(
  resumeGraceMs: number,
  body: (connect: () => Promise<TestClient>, server: RunningServer) => Promise<void>,
) {
  const server = await startServer({
    port: 0,
    hostname: "127.0.0.1",
    staticDir: null,
    logLevel: "silent",
    resumeGraceMs,
  });
  const clients: TestClient[] = [];
  try {
    await body(async () => {
      const c = await connectClient(`ws://127.0.0.1:${server.port}/ws`);
      clients.push(c);
      return c;
    }, server);
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await server.close();
  }
}

Deno.test("a dropped player resumes its seat over a new connection, same session", async () => {
  await withServer(5000, async (connect) => {
    const { a, b, pa, pb } = await play(await connect(), await connect());
    assert.ok(pa.resume && pb.resume);
    await a.close();
    assert.deepEqual(await b.expect("peer-away"), {
      type: "peer-away",
      id: a.welcome.id,
      graceMs: 5000,
    });
    const a2 = await connect();
    a2.send({ type: "resume", token: pa.resume, rid: 9 });
    assert.equal((await a2.expect("joined")).rid, 9);
    const back = await a2.expect("paired");
    assert.equal(back.session, pa.session);
    assert.equal(back.role, "offerer");
    assert.equal(back.resumed, true);
    assert.equal(back.peer.id, b.welcome.id);
    const survivor = await b.expect("paired");
    assert.deepEqual(
      [survivor.session, survivor.role, survivor.peer.id, survivor.resume],
      [pa.session, "answerer", a2.welcome.id, pb.resume],
    );
    // Signalling flows as for a new pairing.
    a2.send({ type: "signal", session: back.session, data: { kind: "offer", sdp: "v=0 r" } });
    assert.equal((await b.expect("signal")).from, a2.welcome.id);
  });
});

Deno.test("forged, in-use, expired and finished tokens: each its own error, nobody else touched", async () => {
  await withServer(300, async (connect) => {
    const m = await play(await connect(), await connect());
    const bystanders = await play(await connect(), await connect());
    const c = await connect();
    const refused = async (token: unknown, code: string) => {
      c.send({ type: "resume", token, rid: 1 });
      const e = await c.expect("error");
      assert.deepEqual([e.code, e.rid], [code, 1], JSON.stringify(e));
    };
    await refused("ZZZZZZZZZZZZZZZZZZZZZZZZZZ", "resume-unknown");
    await refused("not a token!", "bad-message");
    await refused("x".repeat(65), "bad-message");
    await refused(42, "bad-message");
    await refused(m.pa.resume, "resume-in-use");
    // The grace runs out: peer-left, then the token is expired, the peer's finished.
    await m.a.close();
    await m.b.expect("peer-away");
    assert.equal((await timeout(m.b.expect("peer-left"), "peer-left", 3000)).id, m.a.welcome.id);
    await refused(m.pa.resume, "resume-expired");
    await refused(m.pb.resume, "match-finished");
    // The other match never heard of any of it.
    const quiet = await bystanders.a.drain();
    assert.deepEqual(quiet.messages, []);
    assert.deepEqual((await bystanders.b.drain()).messages, []);
  });
});

Deno.test({
  name: "with Redis, a player who dropped on one lobby process resumes through another",
  ignore: !haveRedis,
  async fn() {
    const redis = await startRedis();
    const env = { REDIS_URL: redis.url, RESUME_GRACE_MS: "1500", LOG_LEVEL: "warn" };
    const procs = await Promise.all([startLobbyProcess(env), startLobbyProcess(env)]);
    const clients: TestClient[] = [];
    const connect = async (i: number) => {
      const c = await connectClient(procs[i].ws);
      clients.push(c);
      return c;
    };
    try {
      const { a, b, pa, pb } = await play(await connect(0), await connect(0));
      await a.close();
      assert.equal((await b.expect("peer-away")).id, a.welcome.id);
      const a2 = await connect(1);
      // A second tab on the first process holding a copy of the survivor's token.
      const tab = await connect(0);
      tab.send({ type: "resume", token: pb.resume });
      assert.equal((await tab.expect("error")).code, "resume-in-use");
      a2.send({ type: "resume", token: pa.resume });
      await a2.expect("joined");
      const back = await a2.expect("paired");
      assert.deepEqual([back.session, back.role, back.resumed], [pa.session, "offerer", true]);
      // The offerer's seat streams for spectators: from frame 0, as nothing was streamed yet.
      assert.equal((await a2.expect("stream-from")).from, 0);
      const survivor = await b.expect("paired");
      assert.deepEqual([survivor.session, survivor.peer.id], [pa.session, a2.welcome.id]);
      b.send({ type: "signal", session: pb.session, data: { kind: "answer", sdp: "v=0 b2" } });
      assert.equal((await a2.expect("signal")).from, b.welcome.id);
      // Now the survivor drops and never comes back: the returner hears peer-left after the
      // grace, from whichever process expires it.
      await b.close();
      assert.equal((await a2.expect("peer-away")).id, b.welcome.id);
      const t0 = performance.now();
      assert.equal((await timeout(a2.expect("peer-left"), "peer-left", 4000)).id, b.welcome.id);
      const waited = performance.now() - t0;
      assert.ok(waited > 1000 && waited < 3500, `peer-left after ${waited} ms`);
      tab.send({ type: "resume", token: pb.resume });
      assert.equal((await tab.expect("error")).code, "resume-expired");
      tab.send({ type: "resume", token: "AAAAAAAAAAAAAAAAAAAAAAAAAA" });
      assert.equal((await tab.expect("error")).code, "resume-unknown");
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      for (const p of procs) await p.stop();
      await redis.stop();
    }
  },
});

Deno.test({
  name: "with Redis, a lobby process that dies holds its players' seats: they resume elsewhere",
  ignore: !haveRedis,
  async fn() {
    const redis = await startRedis();
    const env = {
      REDIS_URL: redis.url,
      REDIS_PROCESS_TTL_MS: "1000",
      RESUME_GRACE_MS: "10000",
      LOG_LEVEL: "warn",
    };
    const procs = await Promise.all([startLobbyProcess(env), startLobbyProcess(env)]);
    const clients: TestClient[] = [];
    try {
      const [doomed, survivor] = procs;
      const a = await connectClient(doomed.ws);
      const b = await connectClient(survivor.ws);
      clients.push(a, b);
      const { pa } = await play(a, b);
      doomed.process.kill("SIGKILL");
      await doomed.process.exited;
      // The survivor's process reaps the dead one's players, holding the seat mid-match.
      assert.equal((await timeout(b.expect("peer-away"), "peer-away", 5000)).id, a.welcome.id);
      const a2 = await connectClient(survivor.ws);
      clients.push(a2);
      a2.send({ type: "resume", token: pa.resume });
      await a2.expect("joined");
      assert.equal((await a2.expect("paired")).session, pa.session);
      assert.equal((await b.expect("paired")).peer.id, a2.welcome.id);
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      for (const p of procs) await p.stop();
      await redis.stop();
    }
  },
});

const streamHeader = { game: "g", version: "1", seed: 5, names: ["A", "B"], options: [null, null] };

/**
 * The streaming seat (the offerer's) drops and comes back on another connection (on lobby 1):
 * it is told where the stream goes on, its batches are taken, repeats are cut, a gap is answered
 * with where to resend from, and the other seat may never stream. The spectator (on lobby 1)
 * sees every frame once, in order.
 */
async function streamAcrossResume(connect: (i: number) => Promise<TestClient>) {
  const { a, b, pa, pb, room } = await play(await connect(0), await connect(0));
  a.send({ type: "stream", from: 0, inputs: "0000", header: streamHeader });
  const s = await connect(1);
  s.send({ type: "watch", room });
  await s.expect("watching");
  assert.equal((await s.expect("stream")).inputs, "0000");
  await a.close();
  await b.expect("peer-away");
  const a2 = await connect(1);
  a2.send({ type: "resume", token: pa.resume });
  await a2.expect("joined");
  await a2.expect("paired");
  assert.deepEqual(await a2.expect("stream-from"), { type: "stream-from", room, from: 1 });
  await b.expect("paired");
  a2.send({ type: "stream", from: 1, inputs: "0101" });
  assert.deepEqual(await s.expect("stream"), { type: "stream", room, from: 1, inputs: "0101" });
  // A repeat of frames the lobby has is cut to the new ones; a pure repeat is dropped.
  a2.send({ type: "stream", from: 0, inputs: "000001010202", header: streamHeader });
  assert.deepEqual(await s.expect("stream"), { type: "stream", room, from: 2, inputs: "0202" });
  a2.send({ type: "stream", from: 1, inputs: "0101" });
  // A gap: resend from the lobby's next frame.
  a2.send({ type: "stream", from: 9, inputs: "0909" });
  assert.deepEqual(await a2.expect("stream-from"), { type: "stream-from", room, from: 3 });
  // The other seat never streams, before or after its own resume.
  b.send({ type: "stream", from: 3, inputs: "0303", rid: 4 });
  assert.deepEqual([(await b.expect("error")).code], ["bad-stream"]);
  await b.close();
  await a2.expect("peer-away");
  const b2 = await connect(0);
  b2.send({ type: "resume", token: pb.resume });
  await b2.expect("joined");
  await b2.expect("paired");
  b2.send({ type: "stream", from: 3, inputs: "0303" });
  assert.equal((await b2.expect("error")).code, "bad-stream");
  a2.send({ type: "stream", from: 3, inputs: "0303" });
  assert.deepEqual(await s.expect("stream"), { type: "stream", room, from: 3, inputs: "0303" });
  assert.deepEqual((await s.drain()).messages, [], "nothing twice");
  for (const c of [a2, b2]) {
    const left = (await c.drain()).messages.filter((m) => m.type !== "paired");
    assert.deepEqual(left, [], "no stray stream-from or error");
  }
}

Deno.test("the streaming seat resumes: its stream goes on from the lobby's frame, once", async () => {
  await withServer(5000, async (connect) => {
    await streamAcrossResume(() => connect());
  });
});

Deno.test({
  name: "with Redis, the streaming seat resumes through another process: the stream goes on",
  ignore: !haveRedis,
  async fn() {
    const redis = await startRedis();
    const env = { REDIS_URL: redis.url, RESUME_GRACE_MS: "5000", LOG_LEVEL: "warn" };
    const procs = await Promise.all([startLobbyProcess(env), startLobbyProcess(env)]);
    const clients: TestClient[] = [];
    try {
      await streamAcrossResume(async (i) => {
        const c = await connectClient(procs[i].ws);
        clients.push(c);
        return c;
      });
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      for (const p of procs) await p.stop();
      await redis.stop();
    }
  },
});
