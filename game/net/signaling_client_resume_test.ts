// Resume through the signalling client against the REAL lobby (signal/main.ts as a subprocess):
// a lobby socket that drops mid-match takes its seat back by itself, and a fresh client (a
// reloaded page) takes a held seat with `resume(token, player)`.
import assert from "node:assert/strict";
import type { StreamHeader } from "../../shared/lobby_protocol.ts";
import { type Lobby, startLobby } from "./testing/lobby_process.ts";
import {
  createSignalingClient,
  isLobbyError,
  type Pairing,
  type SignalingClient,
} from "./signaling_client.ts";
import { sleep, until } from "./testing/wait.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** Two clients paired by quick match; `sockets[0]` is the first client's current WebSocket. */
async function pair(lobby: Lobby) {
  const sockets: WebSocket[] = [];
  const a = createSignalingClient({
    url: lobby.url,
    reconnect: { initialDelayMs: 20, jitter: 0 },
    createWebSocket: (url) => {
      const ws = new WebSocket(url);
      sockets.unshift(ws);
      return ws;
    },
  });
  const b = createSignalingClient({ url: lobby.url });
  await a.quick();
  await b.quick();
  const [pa, pb] = await Promise.all([a.waitForPaired(), b.waitForPaired()]);
  // Offer then answer: the room is playing, so a drop holds the seat.
  a.signal({ kind: "offer", sdp: "v=0 a" });
  await sleep(50);
  b.signal({ kind: "answer", sdp: "v=0 b" });
  await sleep(50);
  return { a, b, pa, pb, sockets };
}

Deno.test({
  name: "a lobby socket dropped mid-match takes its seat back: same session and player",
  ...opts,
  fn: async () => {
    const lobby = await startLobby();
    const made: SignalingClient[] = [];
    try {
      const { a, b, pa, pb, sockets } = await pair(lobby);
      made.push(a, b);
      assert.match(pa.resume ?? "", /^[0-9A-Z]{26}$/);
      const away: string[] = [];
      b.onPeerAway = (id) => away.push(id);
      const resumed: Pairing[] = [];
      a.onResumed = (p) => resumed.push(p);
      b.onResumed = (p) => resumed.push(p);
      const left: string[] = [];
      a.onPeerLeft = (id) => left.push(id);
      b.onPeerLeft = (id) => left.push(id);
      sockets[0].close();
      await until("peer-away", () => away.length === 1);
      assert.equal(away[0], pb.peer.id);
      await until("both resumed", () => resumed.length === 2);
      const [ra, rb] = [a.paired!, b.paired!];
      assert.equal(ra.session, pa.session);
      assert.equal(rb.session, pb.session);
      assert.deepEqual([ra.player, rb.player], [pa.player, pb.player], "player indexes stay");
      assert.equal(rb.peer.id, a.welcome!.id, "the survivor knows the returner's new id");
      assert.equal(ra.resumed && rb.resumed, true);
      assert.deepEqual(left, []);
      assert.equal(a.state, "open");
    } finally {
      for (const c of made) c.close();
      await sleep(50);
      await lobby.stop();
    }
  },
});

Deno.test({
  name: "a fresh client resumes a held seat with its token; a second one is refused",
  ...opts,
  fn: async () => {
    const lobby = await startLobby();
    const made: SignalingClient[] = [];
    try {
      const { a, b, pa, pb } = await pair(lobby);
      made.push(a);
      const resumed: Pairing[] = [];
      a.onResumed = (p) => resumed.push(p);
      b.close(); // the answerer's page reloads: its client is gone for good
      const back = createSignalingClient({ url: lobby.url });
      const tab = createSignalingClient({ url: lobby.url });
      made.push(back, tab);
      await sleep(100);
      const joined = await back.resume(pb.resume!, pb.player);
      assert.equal(joined.room.state, "playing");
      const p = await back.waitForPaired();
      // The returner offers on the new connection, but stays player 1 of the game.
      assert.deepEqual([p.session, p.player, p.role, p.resumed], [pb.session, 1, "offerer", true]);
      await until("survivor resumed", () => resumed.length === 1);
      assert.deepEqual([resumed[0].player, resumed[0].role], [pa.player, "answerer"]);
      assert.equal(resumed[0].peer.id, back.welcome!.id);
      await assert.rejects(tab.resume(pb.resume!, pb.player), (e) => {
        assert.ok(isLobbyError(e));
        assert.equal(e.code, "resume-in-use");
        return true;
      });
      assert.equal(tab.paired, null);
      await assert.rejects(tab.resume("AAAAAAAAAAAAAAAAAAAAAAAAAA", 0), /no such resume token/);
    } finally {
      for (const c of made) c.close();
      await sleep(50);
      await lobby.stop();
    }
  },
});

Deno.test({
  name: "the streamer's lobby socket drops: back in its seat it is told to stream on, and is taken",
  ...opts,
  fn: async () => {
    const lobby = await startLobby();
    const made: SignalingClient[] = [];
    try {
      const { a, b, sockets } = await pair(lobby);
      made.push(a, b);
      const header: StreamHeader = {
        game: "",
        version: "",
        seed: 1,
        names: ["A", "B"],
        options: [null, null],
      };
      a.stream({ from: 0, inputs: "00000101", header });
      const fan = createSignalingClient({ url: lobby.url });
      made.push(fan);
      await fan.ready();
      const got: { from: number; inputs: string }[] = [];
      fan.onStream = (batch) => got.push({ from: batch.from, inputs: batch.inputs });
      await sleep(50);
      await fan.watch(a.room!.id);
      await until("the backlog", () => got.length === 1);
      const told: number[] = [];
      a.onStreamFrom = (from) => told.push(from);
      sockets[0].close();
      // Sent while the socket is down: lost, as a real page's batches would be.
      a.stream({ from: 2, inputs: "0202" });
      await until("stream-from", () => told.length === 1);
      assert.deepEqual(told, [2]);
      assert.equal(a.paired?.streamFrom, 2);
      a.stream({ from: 2, inputs: "02020303" });
      await until("the next batch", () => got.length === 2);
      assert.deepEqual(got, [{ from: 0, inputs: "00000101" }, { from: 2, inputs: "02020303" }]);
      // The answerer never streams.
      const errors: string[] = [];
      b.onError = (e) => errors.push(e.code);
      b.stream({ from: 4, inputs: "0404" });
      await until("bad-stream", () => errors.length === 1);
      assert.deepEqual(errors, ["bad-stream"]);
    } finally {
      for (const c of made) c.close();
      await sleep(50);
      await lobby.stop();
    }
  },
});
