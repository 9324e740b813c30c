import assert from "node:assert/strict";
import type { RoomInfo, StreamEndReason, StreamHeader } from "../../../shared/lobby_protocol.ts";
import { createManualClock } from "../clock.ts";
import { createInputTransport } from "../input_transport.ts";
import { createReliablePair, createSimulatedPair, NO_IMPAIRMENT } from "../network_sim.ts";
import { createMatchRunner, type MatchRunner, TICK_MS } from "../match/match_runner.ts";
import { createTestGame, scriptedInput, type TestGame } from "../test_game.ts";
import type { StreamBatch } from "./stream_batcher.ts";
import { type SpectatorEvent, type SpectatorLobby, watchMatch } from "./watch_match.ts";
import type { StreamBatchMessage } from "../lobby_connection.ts";

const isOver = (game: TestGame) => game.state[0] >= 900;
const room: RoomInfo = {
  id: "r1",
  name: "R",
  players: 2,
  capacity: 2,
  state: "playing",
  locked: false,
  createdAt: 0,
};

/** Two runners on a manual clock; the offerer's batches are collected. */
function players() {
  const clock = createManualClock();
  const [inA, inB] = createSimulatedPair(
    { ...NO_IMPAIRMENT, delayMs: 20, loss: 0.1, seed: 3 },
    clock,
  );
  const [ctlA, ctlB] = createReliablePair(clock, 20);
  const batches: StreamBatch[] = [];
  const runners = [0, 1].map((p) =>
    createMatchRunner<TestGame>({
      localPlayer: p as 0 | 1,
      session: "watched",
      me: { name: `p${p}`, game: "test", version: "1" },
      createGame: (setup) => createTestGame({ seed: setup.seed }),
      readInput: (game, player) => scriptedInput(4, player, game.state[0]),
      isOver,
      clock,
      ...(p === 0 ? { stream: (b: StreamBatch) => batches.push(b) } : {}),
    })
  ) as MatchRunner<TestGame>[];
  runners[0].connect(createInputTransport({ input: inA, control: ctlA, clock }));
  runners[1].connect(createInputTransport({ input: inB, control: ctlB, clock }));
  const play = (ms: number) => {
    for (let i = 0; i < ms / TICK_MS; i++) {
      clock.advance(TICK_MS);
      for (const r of runners) r.update(TICK_MS);
    }
  };
  return { runners, batches, play };
}

/** A lobby client stand-in: `watch` resolves when told to. */
function fakeLobby() {
  let resolve: (w: { room: RoomInfo; header?: StreamHeader }) => void = () => {};
  let reject: (e: Error) => void = () => {};
  const lobby: SpectatorLobby & { leaves: number; watched: string[] } = {
    leaves: 0,
    watched: [],
    watch(ref) {
      lobby.watched.push(ref);
      return new Promise((res, rej) => ((resolve = res), (reject = rej)));
    },
    leave() {
      lobby.leaves++;
      return Promise.resolve();
    },
    onStream: null,
    onStreamEnd: null,
  };
  const relay = (b: StreamBatch | StreamBatchMessage) => lobby.onStream?.({ room: "r1", ...b });
  const end = (reason: StreamEndReason) => lobby.onStreamEnd?.({ room: "r1", reason });
  return {
    lobby,
    relay,
    end,
    resolve: (w: { room: RoomInfo; header?: StreamHeader }) => resolve(w),
    reject: (e: Error) => reject(e),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

Deno.test("watchMatch plays the relayed stream to the players' checksums and sees the end screen", async () => {
  const p = players();
  p.play(5000);
  const f = fakeLobby();
  const watched = watchMatch({
    lobby: f.lobby,
    room: "r1",
    createGame: (s) => createTestGame({ seed: s.seed }),
    isOver,
    loop: "manual",
  });
  const events: SpectatorEvent[] = [];
  watched.on((e) => events.push(e));
  assert.equal(watched.phase, "connecting");
  // The backlog arrives before the watch promise settles: handled after it, in order.
  const header = p.batches[0].header!;
  f.relay({ from: 0, inputs: p.batches.map((b) => b.inputs).join(""), header });
  f.relay({ room: "elsewhere", from: 0, inputs: "0000" });
  const sent = p.batches.length;
  f.resolve({ room, header });
  await tick();
  assert.equal(watched.phase, "playing");
  assert.equal(watched.room?.id, "r1");
  watched.update(100);
  assert.ok(watched.stats().fastForwarding, "a late spectator fast-forwards");
  // Live: the players go on, batches are relayed as they come.
  for (let i = 0; i < 130; i++) {
    p.play(100);
    for (const b of p.batches.splice(sent)) f.relay(b);
    p.batches.length = sent;
    watched.update(100);
  }
  assert.equal(watched.phase, "ended", "the spectator sees the match over");
  assert.ok(events.some((e) => e.type === "started"));
  const { confirmedFrame } = watched.stats();
  assert.ok(confirmedFrame > 890, `shown up to ${confirmedFrame}`);
  for (let fr = 0; fr <= confirmedFrame; fr += 11) {
    assert.equal(watched.checksum(fr), p.runners[0].checksum(fr), `frame ${fr}`);
  }
  f.end("player-left");
  for (let i = 0; i < 20; i++) watched.update(100);
  assert.equal(watched.phase, "ended", "over on screen: the end screen stays");
  watched.leave();
  watched.leave();
  assert.equal(f.lobby.leaves, 1);
  assert.equal(f.lobby.onStream, null, "handlers handed back");
});

Deno.test("watchMatch: a refused watch, and a stream that ends mid-match, close with a sentence", async () => {
  const f = fakeLobby();
  const refused = watchMatch({
    lobby: f.lobby,
    room: "nope",
    createGame: (s) => createTestGame({ seed: s.seed }),
    loop: "manual",
  });
  f.reject(new Error('no room "nope"'));
  await tick();
  assert.equal(refused.phase, "closed");
  assert.match(refused.state.message ?? "", /no room/);

  const p = players();
  p.play(1000);
  const g = fakeLobby();
  const w = watchMatch({
    lobby: g.lobby,
    room: "r1",
    createGame: (s) => createTestGame({ seed: s.seed }),
    isOver,
    loop: "manual",
  });
  const closed: SpectatorEvent[] = [];
  w.on((e) => e.type === "closed" && closed.push(e));
  g.resolve({ room });
  await tick();
  assert.equal(w.phase, "connecting", "no header yet");
  for (const b of p.batches) g.relay(b);
  assert.equal(w.phase, "playing");
  g.end("player-left");
  for (let i = 0; i < 50 && w.phase === "playing"; i++) w.update(200);
  assert.equal(w.phase, "closed");
  assert.deepEqual(closed.map((e) => e.type === "closed" && e.reason), ["player-left"]);
  assert.equal(w.stats().behind, 0, "everything received was played out first");
  // A gap in the stream closes too.
  const h = fakeLobby();
  const gap = watchMatch({
    lobby: h.lobby,
    room: "r1",
    createGame: (s) => createTestGame({ seed: s.seed }),
    loop: "manual",
  });
  const heard: string[] = [];
  gap.on((e) => heard.push(e.type === "phase" ? `phase:${e.phase}` : e.type));
  h.resolve({ room, header: p.batches[0].header });
  await tick();
  h.relay({ from: 5, inputs: "0000" });
  assert.equal(gap.phase, "closed");
  assert.match(gap.state.message ?? "", /skipped/);
  // The close is announced once, though the refusal is stepped inside the batch's own step.
  assert.deepEqual(heard, ["phase:playing", "phase:closed", "closed"]);
});
