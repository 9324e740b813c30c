import assert from "node:assert/strict";
import { createMatchGame, type MatchSetup, REMATCH_INPUT } from "../match/match_game.ts";
import { TICK_MS } from "../match/match_runner.ts";
import { createTestGame, scriptedInput, type TestGame } from "../test_game.ts";
import {
  createSpectatorSession,
  FAST_FORWARD_AFTER_FRAMES,
  SPECTATOR_LAG_FRAMES,
} from "./spectator_session.ts";

const header = {
  game: "t",
  version: "1",
  seed: 5,
  names: ["A", "B"] as const,
  options: [0, 1] as const,
};
const isOver = (g: TestGame) => g.state[0] >= 900;
const createGame = (s: MatchSetup) => createTestGame({ seed: s.seed });

/** The players' side, offline: inputs and checksums of `frames` frames (with a rematch). */
function players(frames: number) {
  const setup: MatchSetup = { ...header, localPlayer: 0, match: 0 };
  const game = createMatchGame({ createGame, setup, isOver });
  const inputs = new Uint8Array(frames * 2);
  const sums: number[] = [];
  for (let f = 0; f < frames; f++) {
    const over = game.overFrame >= 0;
    // Votes count after a neutral input since the end: alternate.
    inputs[2 * f] = over ? (f % 2 ? REMATCH_INPUT : 0) : scriptedInput(4, 0, f);
    inputs[2 * f + 1] = over ? (f % 2 ? REMATCH_INPUT : 0) : scriptedInput(4, 1, f);
    game.advance([inputs[2 * f], inputs[2 * f + 1]]);
    sums.push(game.checksum());
  }
  return { inputs, sums };
}

Deno.test("a spectator who joins 20 s in fast-forwards, then runs a little behind the live edge", () => {
  const { inputs, sums } = players(2400);
  const s = createSpectatorSession({ header, createGame, isOver });
  // Joining at frame 1200: the backlog arrives at once, in chunks.
  for (let f = 0; f < 1200; f += 256) {
    s.push(f, inputs.subarray(2 * f, 2 * Math.min(1200, f + 256)));
  }
  assert.equal(s.received, 1200);
  s.update(TICK_MS);
  assert.ok(s.fastForwarding);
  let live = 1200;
  let caughtUpAfter = -1;
  for (let tick = 0; live < 2400; tick++) {
    // The players confirm a frame per tick and stream 15 at a time.
    live++;
    if (live % 15 === 0 || live === 2400) {
      const from = s.received;
      s.push(from, inputs.subarray(2 * from, 2 * live));
    }
    s.update(TICK_MS);
    if (caughtUpAfter < 0 && s.received - s.frame <= SPECTATOR_LAG_FRAMES + 15) {
      caughtUpAfter = tick;
    }
  }
  assert.ok(caughtUpAfter >= 0 && caughtUpAfter < 60, `caught up after ${caughtUpAfter} ticks`);
  assert.ok(s.received - s.frame <= SPECTATOR_LAG_FRAMES + 15);
  s.end("the match ended");
  for (let i = 0; i < 120; i++) s.update(TICK_MS);
  assert.equal(s.frame, 2400, "plays out to the end of the stream");
  for (let f = 0; f < 2400; f++) assert.equal(s.checksum(f), sums[f], `frame ${f}`);
  assert.equal(s.setup.match, 2, "through both rematches");
  assert.equal(s.ended, "the match ended");
});

Deno.test("a spectator waits when the stream pauses instead of bursting later", () => {
  const { inputs } = players(600);
  const s = createSpectatorSession({ header, createGame, isOver });
  s.push(0, inputs.subarray(0, 2 * 100));
  for (let i = 0; i < 200; i++) s.update(TICK_MS);
  assert.equal(s.frame, 100 - SPECTATOR_LAG_FRAMES, "stays behind the edge");
  s.push(100, inputs.subarray(200, 2 * 130));
  assert.ok(s.update(TICK_MS) <= 2, "no burst after the wait");
  assert.ok(FAST_FORWARD_AFTER_FRAMES > 30);
});

Deno.test("the stream is refused where it leaves a gap, rewrites history or is junk", () => {
  const { inputs } = players(100);
  const s = createSpectatorSession({ header, createGame, isOver });
  assert.equal(s.push(0, inputs.subarray(0, 40)), true);
  assert.equal(s.push(30, inputs.subarray(60, 80)), false, "a gap");
  assert.equal(s.push(10, inputs.subarray(20, 60)), true, "an agreeing overlap");
  assert.equal(s.received, 30);
  const forged = inputs.slice(20, 60);
  forged[0] ^= 1;
  assert.equal(s.push(10, forged), false, "a rewrite");
  assert.equal(s.push(-1, inputs.subarray(0, 2)), false);
  assert.equal(s.push(1.5, inputs.subarray(0, 2)), false);
  assert.equal(s.push(30, new Uint8Array(3)), false, "half a frame");
  assert.equal(s.push(30, "x" as unknown as Uint8Array), false);
  assert.equal(s.rejected, 6);
  assert.equal(s.received, 30);
  s.end("");
  assert.equal(s.push(30, inputs.subarray(60, 62)), false, "nothing after the end");
});
