// The signalling client against the REAL lobby (signal/main.ts) run as a subprocess: game/ may not
// import signal/, and a real server keeps this client honest about the protocol.
import assert from "node:assert/strict";
import type { RoomInfo, SignalData } from "../../shared/lobby_protocol.ts";
import { freePort, type Lobby, startLobby } from "./testing/lobby_process.ts";
import {
  backoffDelay,
  createSignalingClient,
  DEFAULT_RECONNECT,
  isLobbyError,
  type SignalingClient,
  type SignalingClientOptions,
  type SignalingState,
} from "./signaling_client.ts";
import { sleep, until } from "./testing/wait.ts";

/** Clients made by a test, closed at its end (sockets must not outlive the test). */
function clients(lobby: Lobby) {
  const made: SignalingClient[] = [];
  return {
    make(extra: Partial<SignalingClientOptions> = {}) {
      const c = createSignalingClient({ url: lobby.url, ...extra });
      made.push(c);
      return c;
    },
    async closeAll() {
      for (const c of made) c.close();
      // Let the sockets finish their closing handshake before the sanitizers look.
      await sleep(50);
    },
  };
}

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("backoff grows exponentially, is capped, and jitter only shortens it", () => {
  const p = { ...DEFAULT_RECONNECT, initialDelayMs: 100, maxDelayMs: 1_000, jitter: 0.5 };
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, p, 0)), [
    100,
    200,
    400,
    800,
    1000,
    1000,
  ]);
  assert.equal(backoffDelay(2, p, 0.999_999), 200);
  assert.equal(backoffDelay(2, p, 0.5), 300);
  assert.equal(backoffDelay(2, { ...p, jitter: 0 }, 0.9), 400);
});

Deno.test({
  name: "signalling client against the real lobby",
  ...opts,
  fn: async (t) => {
    const lobby = await startLobby();
    try {
      await t.step("connects, is welcomed with ICE servers, and gets the room list", async () => {
        const cs = clients(lobby);
        const states: SignalingState[] = [];
        const c = cs.make({ name: "Ada" });
        c.onState = (s) => states.push(s);
        assert.equal(c.state, "connecting");
        const w = await c.ready();
        assert.equal(c.state, "open");
        assert.deepEqual(states, ["open"]);
        assert.equal(typeof w.id, "string");
        assert.ok(Array.isArray(w.iceServers));
        assert.equal(c.welcome, w);
        assert.ok(c.rooms instanceof Map);
        // `hello` went out with the name: the lobby shows it to the peer once paired.
        const other = cs.make();
        await c.create({ name: "Named" });
        await other.join(c.room!.id);
        const p = await other.waitForPaired();
        assert.equal(p.peer.name, "Ada");
        await cs.closeAll();
      });

      await t.step(
        "a request made the moment the client is open still goes out after our name",
        async () => {
          const cs = clients(lobby);
          const host = cs.make();
          await host.create({ name: "Early" });
          const eager = cs.make({ name: "Eager" });
          eager.onState = (s) => {
            // Its reply may still be on the way when the step closes the clients.
            if (s === "open") eager.join(host.room!.id).catch(() => {});
          };
          const p = await host.waitForPaired();
          assert.equal(p.peer.name, "Eager");
          await cs.closeAll();
        },
      );

      await t.step("leave() ends the pairing at once, before the lobby's reply", async () => {
        const cs = clients(lobby);
        const [a, b] = [cs.make(), cs.make()];
        await a.create({ name: "Brief" });
        await b.join(a.room!.id);
        await Promise.all([a.waitForPaired(), b.waitForPaired()]);
        const left = b.leave();
        assert.equal(b.paired, null);
        await left;
        assert.equal(b.room, null);
        await cs.closeAll();
      });

      await t.step("the room list follows rooms appearing, changing and going away", async () => {
        const cs = clients(lobby);
        const watcher = cs.make();
        const host = cs.make();
        const guest = cs.make();
        await Promise.all([watcher.ready(), host.ready(), guest.ready()]);
        const changes: string[] = [];
        watcher.onRooms = (_rooms, change) => changes.push(change.kind);
        const { room } = await host.create({ name: "Alpha" });
        assert.equal(room.name, "Alpha");
        assert.equal(room.players, 1);
        await until("Alpha listed", () => watcher.rooms.get(room.id)?.name === "Alpha");
        await guest.join(room.id);
        await until("Alpha full", () => watcher.rooms.get(room.id)?.players === 2);
        await guest.leave();
        await host.leave();
        await until("Alpha gone", () => !watcher.rooms.has(room.id));
        assert.ok(changes.includes("upsert") && changes.includes("removed"), changes.join());
        await cs.closeAll();
      });

      await t.step(
        "a private room is joined by invite code and pairs offerer with answerer",
        async () => {
          const cs = clients(lobby);
          const watcher = cs.make();
          const host = cs.make({ name: "Host" });
          const guest = cs.make({ name: "Guest" });
          await watcher.ready();
          const created = await host.create({ name: "Secret", private: true, password: "pw" });
          assert.equal(typeof created.code, "string");
          assert.equal(host.inviteCode, created.code);
          await sleep(50);
          assert.ok(![...watcher.rooms.values()].some((r: RoomInfo) => r.name === "Secret"));
          await assert.rejects(guest.join(created.code!, "nope"), (e) => {
            assert.ok(isLobbyError(e));
            assert.equal(e.code, "wrong-password");
            return true;
          });
          const [hp, gp] = await Promise.all([
            host.waitForPaired(),
            guest.join(created.code!, "pw").then(() => guest.waitForPaired()),
          ]);
          assert.equal(hp.role, "offerer");
          assert.equal(hp.player, 0);
          assert.equal(gp.role, "answerer");
          assert.equal(gp.player, 1);
          assert.equal(hp.session, gp.session);
          assert.equal(hp.peer.id, guest.welcome!.id);
          assert.equal(gp.peer.name, "Host");
          await cs.closeAll();
        },
      );

      await t.step("failed requests reject with the lobby's error code", async () => {
        const cs = clients(lobby);
        const c = cs.make();
        await assert.rejects(c.join("no-such-room"), { code: "room-not-found" });
        await c.create({ name: "Mine" });
        await assert.rejects(c.create({ name: "Again" }), { code: "already-in-room" });
        await assert.rejects(c.create({ name: "" }), { code: "bad-message" });
        await c.leave();
        await assert.rejects(c.leave(), { code: "not-in-room" });
        await cs.closeAll();
      });

      await t.step(
        "quick match pairs two players; signals flow both ways, buffered until read",
        async () => {
          const cs = clients(lobby);
          const a = cs.make();
          const b = cs.make();
          // Requests made before `welcome` wait for it instead of failing.
          const ja = await a.quick();
          const jb = await b.quick();
          assert.equal(ja.room.id, jb.room.id);
          const [pa, pb] = await Promise.all([a.waitForPaired(), b.waitForPaired()]);
          assert.notEqual(pa.role, pb.role);
          const offer: SignalData = { kind: "offer", sdp: "v=0 fake" };
          const cand: SignalData = {
            kind: "candidate",
            candidate: { candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host", sdpMid: "0" },
          };
          const offerer = pa.role === "offerer" ? a : b;
          const answerer = offerer === a ? b : a;
          assert.ok(offerer.signal(offer));
          assert.ok(offerer.signal(cand));
          assert.ok(offerer.signal({ kind: "candidate", candidate: null }));
          await sleep(100);
          const got: SignalData[] = [];
          answerer.onSignal = (s) => got.push(s);
          assert.deepEqual(got, [offer, cand, { kind: "candidate", candidate: null }]);
          const back: SignalData[] = [];
          offerer.onSignal = (s) => back.push(s);
          answerer.signal({ kind: "answer", sdp: "v=0 answer" });
          await until("answer relayed", () => back.length === 1);
          assert.deepEqual(back, [{ kind: "answer", sdp: "v=0 answer" }]);
          // Offer then answer, both bound to the pairing's session: the room is playing now.
          await until("room playing", () => a.rooms.get(ja.room.id)?.state === "playing");

          const rtt = await a.ping();
          assert.ok(rtt >= 0 && a.rttMs === rtt);

          // The peer leaving is reported; the survivor stays connected to the lobby. (A peer
          // that drops mid-match keeps its seat for a resume: peer-left only after the grace.)
          const left: string[] = [];
          offerer.onPeerLeft = (id) => left.push(id);
          await answerer.leave();
          await until("peer-left", () => left.length === 1);
          assert.equal(left[0], answerer.welcome!.id);
          assert.equal(offerer.paired, null);
          assert.equal(offerer.state, "open");
          assert.equal(offerer.signal(offer), false, "no peer, nothing to signal");
          await cs.closeAll();
        },
      );

      await t.step(
        "game and version scope the room list and quick match; list filters by name",
        async () => {
          const cs = clients(lobby);
          const hockey = cs.make({ name: "H", game: "hockey", version: "2" });
          const chess = cs.make({ name: "C", game: "chess", version: "2" });
          const hockeyOld = cs.make({ name: "O", game: "hockey", version: "1" });
          const jh = await hockey.quick();
          assert.equal(jh.room.game, "hockey");
          const jc = await chess.quick();
          const jo = await hockeyOld.quick();
          assert.notEqual(jc.room.id, jh.room.id, "another game opens its own room");
          assert.notEqual(jo.room.id, jh.room.id, "another build opens its own room");
          await sleep(300);
          assert.equal(chess.rooms.has(jh.room.id), false);
          assert.equal(hockeyOld.rooms.has(jh.room.id), false);
          const watcher = cs.make({ game: "hockey", version: "2" });
          await watcher.ready();
          await until("hockey room listed", () => watcher.rooms.has(jh.room.id));
          assert.deepEqual(await watcher.list("nothing like it"), { total: 0 });
          assert.equal(watcher.rooms.size, 0);
          assert.deepEqual(await watcher.list(""), { total: 1 });
          assert.equal(watcher.rooms.has(jh.room.id), true);
          await assert.rejects(chess.leave().then(() => chess.join(jh.room.id)), {
            code: "wrong-game",
          });
          await cs.closeAll();
        },
      );

      await t.step("close() rejects pending requests and later ones", async () => {
        const cs = clients(lobby);
        const c = cs.make();
        const pending = c.quick();
        c.close();
        await assert.rejects(pending, { code: "closed" });
        await assert.rejects(c.ping(), { code: "closed" });
        await assert.rejects(c.ready(), { code: "closed" });
        assert.equal(c.state, "closed");
        await cs.closeAll();
      });

      await t.step("a request the lobby never answers times out", async () => {
        const cs = clients(lobby);
        // A socket that silently loses pings: the kind of fault only a timeout can surface.
        const c = cs.make({
          requestTimeoutMs: 200,
          createWebSocket: (url) => {
            const ws = new WebSocket(url);
            const send = ws.send.bind(ws);
            ws.send = (data) => {
              if (typeof data === "string" && data.includes('"ping"')) return;
              send(data);
            };
            return ws;
          },
        });
        await c.ready();
        await assert.rejects(c.ping(), (e) => {
          assert.ok(isLobbyError(e));
          assert.equal(e.code, "timeout");
          assert.match(e.message, /did not answer ping within 200 ms/);
          return true;
        });
        assert.equal(c.state, "open");
        await cs.closeAll();
      });

      await t.step("a malformed lobby frame is reported, not thrown", async () => {
        const cs = clients(lobby);
        let socket: WebSocket | null = null;
        const c = cs.make({
          createWebSocket: (url) => (socket = new WebSocket(url)),
        });
        await c.ready();
        const errors: string[] = [];
        c.onError = (e) => errors.push(`${e.code}: ${e.message}`);
        const inject = (data: string) => socket!.onmessage!(new MessageEvent("message", { data }));
        inject("{not json");
        inject(JSON.stringify({ type: "paired", role: "boss" }));
        assert.equal(errors.length, 2);
        assert.match(errors[0], /^bad-message: malformed lobby message: not valid JSON/);
        assert.match(errors[1], /^bad-message: malformed lobby message: paired: /);
        assert.equal(c.paired, null);
        assert.equal(c.state, "open");
        await cs.closeAll();
      });
    } finally {
      await lobby.stop();
    }
  },
});

Deno.test({
  name: "the client reconnects with backoff after the lobby restarts, and the room list comes back",
  ...opts,
  fn: async () => {
    let lobby = await startLobby();
    const cs = clients(lobby);
    const states: SignalingState[] = [];
    const c = cs.make({ reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    c.onState = (s) => states.push(s);
    const firstId = (await c.ready()).id;
    await c.create({ name: "Before" });
    const pending = c.rename("Zed").then(() => "answered", (e) => e.code);
    await lobby.stop();
    await until("reconnecting", () => c.state === "reconnecting");
    assert.equal(c.room, null, "the lobby forgets rooms of a dropped connection");
    assert.ok(["answered", "connection-lost"].includes(await pending));
    assert.equal(c.lastError?.code, "connection-lost");
    // Let a few attempts fail against the closed port, then bring the lobby back.
    await sleep(300);
    assert.equal(c.state, "reconnecting");
    lobby = await startLobby(lobby.port);
    const other = createSignalingClient({ url: lobby.url });
    try {
      await other.create({ name: "After" });
      await until("open again", () => c.state === "open", 5_000);
      assert.notEqual(c.welcome!.id, firstId);
      await until(
        "the new room list",
        () => [...c.rooms.values()].some((r) => r.name === "After"),
      );
      assert.ok(![...c.rooms.values()].some((r) => r.name === "Before"));
      assert.equal(c.lastError, null);
      assert.deepEqual(states.slice(0, 2), ["open", "reconnecting"]);
      assert.equal(states.at(-1), "open");
    } finally {
      other.close();
      await cs.closeAll();
      await lobby.stop();
    }
  },
});

Deno.test({
  name: "a lobby drop mid-match reconnects for the seat; a lobby that lost it drops the pairing",
  ...opts,
  fn: async () => {
    let lobby = await startLobby();
    const cs = clients(lobby);
    const a = cs.make({ reconnect: { initialDelayMs: 20 } });
    const b = cs.make({ reconnect: { initialDelayMs: 20 } });
    await a.quick();
    await b.quick();
    await Promise.all([a.waitForPaired(), b.waitForPaired()]);
    const states: SignalingState[] = [];
    a.onState = (s) => states.push(s);
    const left: string[] = [];
    a.onPeerLeft = (id) => left.push(id);
    const errors: string[] = [];
    a.onError = (e) => errors.push(e.code);
    await lobby.stop();
    await until("reconnecting", () => a.state === "reconnecting");
    // The peers talk directly: the pairing stays while the lobby is away.
    assert.ok(a.paired !== null);
    lobby = await startLobby(lobby.port);
    try {
      // A restarted in-memory lobby knows no seats: the resume is refused, the pairing dropped,
      // and the match is not told its peer left (their direct link is the judge of that).
      await until("refused", () => errors.includes("resume-unknown"), 10_000);
      assert.equal(a.paired, null);
      assert.equal(a.state, "open");
      assert.deepEqual(left, []);
      assert.ok(!states.includes("closed"), states.join());
    } finally {
      await cs.closeAll();
      await lobby.stop();
    }
  },
});

Deno.test({
  name: "reconnect attempts run out into `closed` with the reason",
  ...opts,
  fn: async () => {
    const port = freePort();
    const states: SignalingState[] = [];
    const c = createSignalingClient({
      url: `ws://127.0.0.1:${port}/ws`,
      reconnect: { initialDelayMs: 10, maxAttempts: 2 },
    });
    c.onState = (s) => states.push(s);
    await assert.rejects(c.ready(), (e) => {
      assert.ok(isLobbyError(e));
      assert.equal(e.code, "connection-lost");
      return true;
    });
    assert.equal(c.state, "closed");
    assert.deepEqual(states, ["reconnecting", "closed"]);
    c.close();
  },
});

Deno.test({
  name: "ice-servers from the lobby replace welcome.iceServers (fresh TURN credentials)",
  ...opts,
  fn: async () => {
    const lobby = await startLobby();
    const cs = clients(lobby);
    try {
      let socket: WebSocket | null = null;
      const c = cs.make({ createWebSocket: (url) => (socket = new WebSocket(url)) });
      await c.ready();
      const errors: string[] = [];
      c.onError = (e) => errors.push(e.message);
      const fresh = [{ urls: ["turn:t.example:3478"], username: "1900000000:x", credential: "c" }];
      socket!.onmessage!(
        new MessageEvent("message", {
          data: JSON.stringify({ type: "ice-servers", iceServers: fresh }),
        }),
      );
      assert.deepEqual(c.welcome!.iceServers, fresh);
      assert.deepEqual(errors, []);
      assert.equal(c.state, "open");
    } finally {
      await cs.closeAll();
      await lobby.stop();
    }
  },
});

Deno.test({
  name: "a graceful lobby restart (SIGTERM, shutting-down): the client reconnects to the new one",
  ...opts,
  fn: async () => {
    const port = freePort();
    // signal/main.ts as its own process, stopped with SIGTERM as a deploy would.
    const spawn = () =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-net",
          "--allow-env",
          "--allow-read",
          "--allow-sys",
          new URL("../../signal/main.ts", import.meta.url).pathname,
        ],
        env: { PORT: String(port), HOST: "127.0.0.1", STATIC_DIR: "", LOG_LEVEL: "error" },
        stdout: "null",
        stderr: "null",
      }).spawn();
    const url = `ws://127.0.0.1:${port}/ws`;
    const healthy = async () => {
      for (let i = 0; i < 300; i++) {
        // The body's cancel is awaited too: a rejection left floating would surface later as an
        // "Uncaught error" blamed on whichever test runs then.
        const ok = await fetch(`http://127.0.0.1:${port}/healthz`)
          .then(async (r) => (await r.body?.cancel(), r.ok))
          .catch(() => false);
        if (ok) return;
        await sleep(20);
      }
      throw new Error("the lobby did not start");
    };
    let lobby = spawn();
    await healthy();
    const c = createSignalingClient({ url, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    const other = createSignalingClient({ url, reconnect: false });
    try {
      await c.ready();
      await other.create({ name: "Before" });
      await until("the room", () => c.rooms.size === 1);
      lobby.kill("SIGTERM");
      assert.equal((await lobby.status).code, 0);
      await until("reconnecting", () => c.state === "reconnecting");
      assert.equal(c.lastError?.code, "shutting-down");
      lobby = spawn();
      await healthy();
      await until("open again", () => c.state === "open");
      assert.equal(c.rooms.size, 0, "the new lobby's (empty) room list replaced the old one");
      const third = createSignalingClient({ url, reconnect: false });
      await third.create({ name: "After" });
      await until("the new room", () => [...c.rooms.values()].some((r) => r.name === "After"));
      third.close();
    } finally {
      c.close();
      other.close();
      try {
        lobby.kill("SIGKILL");
      } catch { /* exited */ }
      await lobby.status;
    }
  },
});

Deno.test({
  name: "spectating against the real lobby: watch, the offerer's stream, late join, end",
  ...opts,
  fn: async () => {
    const lobby = await startLobby();
    const cs = clients(lobby);
    try {
      const [a, b] = [cs.make({ name: "A" }), cs.make({ name: "B" })];
      await a.create({ name: "Watched" });
      await b.join(a.room!.id);
      await Promise.all([a.waitForPaired(), b.waitForPaired()]);
      const got: SignalData[] = [];
      b.onSignal = (d) => {
        got.push(d);
        if (d.kind === "offer") b.signal({ kind: "answer", sdp: "answer" });
      };
      a.onSignal = (d) => got.push(d);
      a.signal({ kind: "offer", sdp: "offer" });
      await until("the answer", () => got.some((d) => d.kind === "answer"));
      const room = a.room!.id;
      const viewer = cs.make();
      await until("playing", () => viewer.rooms.get(room)?.state === "playing");
      const early = await viewer.watch(room);
      assert.equal(early.room.id, room);
      assert.equal(early.header, undefined);
      assert.equal(viewer.watching?.id, room);
      const batches: { from: number; inputs: string }[] = [];
      viewer.onStream = (s) => batches.push({ from: s.from, inputs: s.inputs });
      const header = {
        game: "g",
        version: "1",
        seed: -5,
        names: ["A", "B"] as [string, string],
        options: [null, null] as [null, null],
      };
      assert.equal(b.stream({ from: 0, inputs: "0000" }), true, "sent (the lobby refuses it)");
      assert.equal(a.stream({ from: 0, inputs: "00010203", header }), true);
      assert.equal(a.stream({ from: 2, inputs: "0405" }), true);
      await until("two batches", () => batches.length === 2);
      assert.deepEqual(batches, [{ from: 0, inputs: "00010203" }, { from: 2, inputs: "0405" }]);
      // A late spectator gets the header and everything so far.
      const late = cs.make();
      const lateBatches: string[] = [];
      late.onStream = (s) => lateBatches.push(s.inputs);
      const w = await late.watch(room);
      assert.deepEqual(w.header, header);
      await until("the backlog", () => lateBatches.length === 1);
      assert.deepEqual(lateBatches, ["000102030405"]);
      await until("the count", () => a.rooms.get(room)?.spectators === 2);
      const ends: string[] = [];
      viewer.onStreamEnd = (e) => ends.push(e.reason);
      late.onStreamEnd = (e) => ends.push(e.reason);
      assert.equal(a.streamEnd(), true);
      await until("both ends", () => ends.length === 2);
      assert.deepEqual(ends, ["match-over", "match-over"]);
      assert.equal(viewer.watching, null);
      await assert.rejects(
        viewer.watch(room),
        (e) => isLobbyError(e) && e.code === "room-not-playing",
      );
      await assert.rejects(
        viewer.watch("nosuchroom"),
        (e) => isLobbyError(e) && e.code === "room-not-found",
      );
    } finally {
      await cs.closeAll();
      await lobby.stop();
    }
  },
});
