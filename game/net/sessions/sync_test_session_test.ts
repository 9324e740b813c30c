import assert from "node:assert/strict";
import type { RollbackGame } from "../game.ts";
import { createTestGame, scriptedInput } from "../test_game.ts";
import { createSyncTestSession, runSyncTest } from "./sync_test_session.ts";

const input = (frame: number, player: 0 | 1) => scriptedInput(11, player, frame);

Deno.test("the sync test passes the deterministic game", () => {
  const result = runSyncTest({ game: createTestGame(), frames: 1000, input, checkDistance: 8 });
  assert.deepEqual(result, { ok: true, frames: 1000 });
});

Deno.test("the sync test names the frame where the non-deterministic game diverges", () => {
  for (const from of [1, 137, 500]) {
    const result = runSyncTest({
      game: createTestGame({ nondeterministicFrom: from }),
      frames: 1000,
      input,
    });
    assert.equal(result.ok, false);
    if (result.ok) continue;
    assert.equal(result.mismatch.frame, from);
    assert.notEqual(result.mismatch.expected, result.mismatch.actual);
    assert.equal(result.frames, from + 1, "stops at the tick that found it");
  }
});

Deno.test("the sync test catches a save() that misses part of the state", () => {
  const inner = createTestGame();
  let hidden = 0; // advanced, but neither saved nor loaded
  const game: RollbackGame<Int32Array> = {
    advance(inputs) {
      inner.advance(inputs);
      if (inner.state[0] > 300) hidden += inputs[0];
      inner.state[1] ^= hidden;
    },
    save: () => inner.save(),
    load: (s) => inner.load(s),
    checksum: () => inner.checksum(),
  };
  const result = runSyncTest({ game, frames: 600, input, checkDistance: 2 });
  assert.equal(result.ok, false);
  // The hidden value first changes in frame 300's first run; re-simulating the frames before it
  // (up to checkDistance back) already shows it, as they now read a value they never saw.
  if (!result.ok) {
    assert.ok(
      result.mismatch.frame >= 298 && result.mismatch.frame <= 301,
      `${result.mismatch.frame}`,
    );
  }
});

Deno.test("every tick rolls back checkDistance frames (fewer at the start)", () => {
  const session = createSyncTestSession({ game: createTestGame(), checkDistance: 3 });
  for (let f = 0; f < 10; f++) assert.equal(session.tick(input(f, 0), input(f, 1)), null);
  assert.equal(session.frame, 10);
  assert.equal(session.resimulatedFrames, 1 + 2 + 3 * 8);
  assert.equal(session.mismatch, null);
});

Deno.test("bad options and inputs get clear errors", () => {
  assert.throws(
    () => createSyncTestSession({ game: createTestGame(), checkDistance: 0 }),
    /checkDistance/,
  );
  const session = createSyncTestSession({ game: createTestGame() });
  assert.throws(() => session.tick(300, 0), /0\.\.255/);
});

Deno.test("a check distance beyond the default input queue (256 frames) works", () => {
  const result = runSyncTest({
    game: createTestGame({ seed: 3 }),
    checkDistance: 300,
    frames: 320,
    input: (frame, player) => scriptedInput(11, player, frame),
  });
  assert.deepEqual(result, { ok: true, frames: 320 });
});
