import assert from "node:assert/strict";
import { createTestGame, scriptedInput } from "./test_game.ts";

function run(frames: number, seed: number, game = createTestGame()): number[] {
  const sums: number[] = [];
  for (let f = 0; f < frames; f++) {
    game.advance([scriptedInput(seed, 0, f), scriptedInput(seed, 1, f)]);
    sums.push(game.checksum());
  }
  return sums;
}

Deno.test("the test game is deterministic: same inputs, same checksums", () => {
  assert.deepEqual(run(600, 3), run(600, 3));
  assert.notDeepEqual(run(600, 3), run(600, 4), "inputs matter");
});

Deno.test("the test game moves: inputs change the state and the ball scores", () => {
  const game = createTestGame();
  const start = game.state.slice();
  run(3000, 9, game);
  assert.notDeepEqual(game.state, start);
  assert.equal(game.state[0], 3000, "frame counter");
  assert.ok(game.state[6] + game.state[12] > 0, "someone scored in 50 s");
});

Deno.test("save/load restores the whole state; a snapshot does not alias it", () => {
  const game = createTestGame();
  run(100, 1, game);
  const snap = game.save();
  const sum = game.checksum();
  const after = run(50, 2, game);
  assert.notEqual(game.checksum(), sum);
  game.load(snap);
  assert.equal(game.checksum(), sum);
  assert.deepEqual(run(50, 2, game), after, "re-running from the snapshot gives the same frames");
  assert.equal(game.serialize(snap).length, snap.length * 4);
});

Deno.test("the non-deterministic variant diverges on re-simulation from its frame on", () => {
  const game = createTestGame({ nondeterministicFrom: 20 });
  run(20, 5, game);
  const before = game.save();
  const first = run(10, 5, game);
  game.load(before);
  const again = run(10, 5, game);
  assert.notEqual(again[0], first[0], "frame 20 re-simulated differs");
  const clean = createTestGame({ nondeterministicFrom: 20 });
  assert.deepEqual(run(20, 5, clean), run(20, 5, createTestGame()), "identical before frame 20");
});

Deno.test("scriptedInput is a pure function of (seed, player, frame) that holds buttons", () => {
  let changes = 0;
  for (let f = 1; f < 1000; f++) {
    const v = scriptedInput(7, 0, f);
    assert.equal(v, scriptedInput(7, 0, f));
    assert.ok(v >= 0 && v <= 31);
    if (v !== scriptedInput(7, 0, f - 1)) changes++;
  }
  assert.ok(changes > 50 && changes < 400, `changes ${changes}`);
  const run = (seed: number, player: 0 | 1) =>
    Array.from({ length: 200 }, (_, f) => scriptedInput(seed, player, f));
  assert.notDeepEqual(run(7, 0), run(8, 0), "the seed matters");
  assert.notDeepEqual(run(7, 0), run(7, 1), "the two players differ");
});
