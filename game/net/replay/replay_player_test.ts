import assert from "node:assert/strict";
import { decodeReplay, encodeReplay } from "../../../shared/replay_format.ts";
import { createMatchGame, type MatchSetup, REMATCH_INPUT } from "../match/match_game.ts";
import { TICK_MS } from "../match/match_runner.ts";
import { createTestGame, scriptedInput, type TestGame } from "../test_game.ts";
import { createReplayPlayer } from "./replay_player.ts";
import { createReplayRecorder } from "./replay_recorder.ts";

const isOver = (g: TestGame) => g.state[0] >= 500;
const createGame = (s: MatchSetup) => createTestGame({ seed: s.seed });

/** Plays a pairing offline (two matches with a rematch) and records it as the runner would. */
function recorded(frames = 1400) {
  const setup: MatchSetup = {
    seed: 99,
    localPlayer: 0,
    names: ["Ann", "Bob"],
    match: 0,
    options: [null, null],
  };
  const game = createMatchGame({ createGame, setup, isOver });
  const rec = createReplayRecorder({
    game: "test",
    version: "1",
    seed: 99,
    names: ["Ann", "Bob"],
    options: [null, null],
  });
  const sums: number[] = [];
  for (let f = 0; f < frames; f++) {
    const over = game.overFrame >= 0;
    // Votes count after a neutral input since the end: both alternate.
    const i0 = over ? (f % 2 === 0 ? REMATCH_INPUT : 0) : scriptedInput(1, 0, f);
    const i1 = over ? (f % 3 === 0 ? REMATCH_INPUT : 0) : scriptedInput(1, 1, f);
    const match = game.match;
    game.advance([i0, i1]);
    if (game.match !== match) rec.matchStarted(game.startFrame);
    sums.push(game.checksum());
    rec.record(f, i0, i1, game.checksum());
  }
  return { replay: rec.replay(), sums };
}

Deno.test("a recorded pairing plays back to the same checksums, through the rematch", () => {
  const { replay, sums } = recorded();
  const decoded = decodeReplay(encodeReplay(replay));
  assert.ok(decoded.ok);
  assert.equal(decoded.replay.matchStarts.length, 3, "two rematches in 1400 frames");
  const player = createReplayPlayer({ replay: decoded.replay, createGame, isOver });
  player.play();
  for (let i = 0; i < 1000 && !player.ended; i++) player.update(100);
  assert.ok(player.ended);
  assert.equal(player.mismatch, null);
  for (let f = 0; f < sums.length; f++) assert.equal(player.checksum(f), sums[f], `frame ${f}`);
  assert.equal(player.setup.match, 2);
  assert.equal(player.playing, false, "stops at the end");
});

Deno.test("pause, speed and seek: the state at a frame is the same however it was reached", () => {
  const { replay, sums } = recorded();
  const player = createReplayPlayer({ replay, createGame, isOver, snapshotEvery: 100 });
  assert.equal(player.update(1000), 0, "paused at first");
  player.play();
  player.setSpeed(4);
  assert.equal(player.update(TICK_MS * 10), 40);
  player.setSpeed(0.25);
  assert.equal(player.update(TICK_MS * 8), 2);
  player.setSpeed(100);
  assert.equal(player.speed, 4);
  player.setSpeed(NaN);
  assert.equal(player.speed, 4);
  player.seek(1234);
  assert.equal(player.frame, 1234);
  assert.equal(player.checksum(1233), sums[1233]);
  // Reached by seeking back and forth, the live state is the recorded one.
  const atSeek = player.game.state.slice();
  player.seek(17);
  player.seek(1234);
  assert.deepEqual(player.game.state, atSeek);
  player.seek(17);
  assert.equal(player.frame, 17);
  player.seek(1300);
  player.seek(-5);
  assert.equal(player.frame, 0);
  player.seek(1e9);
  assert.equal(player.frame, replay.frames);
  assert.ok(player.ended);
  assert.equal(player.mismatch, null);
});

Deno.test("a replay from another build shows the first frame that differs", () => {
  const { replay } = recorded(600);
  const other = createReplayPlayer({
    replay,
    createGame: (s) => createTestGame({ seed: s.seed + 1 }),
    isOver,
  });
  other.play();
  other.update(1000);
  assert.deepEqual(other.mismatch?.frame, 0);
  assert.equal(other.playing, false, "playback stops at the first difference");
  other.play();
  assert.equal(other.playing, false);
});

Deno.test("the recorder ignores frames out of order", () => {
  const rec = createReplayRecorder({
    game: "g",
    version: "1",
    seed: 1,
    names: ["a", "b"],
    options: [null, null],
  });
  rec.record(0, 1, 2, 7);
  rec.record(2, 1, 2, 7);
  rec.record(0, 1, 2, 7);
  rec.record(1, 3, 4, 8);
  assert.equal(rec.frames, 2);
  assert.equal(rec.rejected, 2);
  assert.deepEqual([...rec.replay().inputs], [1, 2, 3, 4]);
  for (let f = 2; f < 9000; f++) rec.record(f, f & 1, 0, f);
  const r = rec.replay();
  assert.equal(r.frames, 9000);
  assert.equal(r.checksums.length, 150);
  assert.ok(decodeReplay(encodeReplay(r)).ok);
});
