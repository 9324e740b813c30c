import assert from "node:assert/strict";
import { createSyncLayer } from "./sync_layer.ts";
import { createTestGame, scriptedInput } from "./test_game.ts";

function reference(frames: number, inputs: (f: number) => [number, number]): number[] {
  const game = createTestGame();
  const sums: number[] = [];
  for (let f = 0; f < frames; f++) {
    game.advance(inputs(f));
    sums.push(game.checksum());
  }
  return sums;
}

Deno.test("advance with confirmed inputs matches a plain run, frame by frame", () => {
  const inputs = (f: number): [number, number] => [scriptedInput(1, 0, f), scriptedInput(1, 1, f)];
  const ref = reference(200, inputs);
  const sync = createSyncLayer({ game: createTestGame(), maxRollback: 8 });
  for (let f = 0; f < 200; f++) {
    const [a, b] = inputs(f);
    sync.queues[0].add(f, a);
    sync.queues[1].add(f, b);
    sync.advance();
    assert.equal(sync.checksumAt(f), ref[f]);
  }
  assert.equal(sync.frame, 200);
});

Deno.test("a wrong prediction is rolled back and re-simulated to the present", () => {
  const inputs = (f: number): [number, number] => [scriptedInput(2, 0, f), scriptedInput(2, 1, f)];
  const ref = reference(100, inputs);
  const game = createTestGame();
  const sync = createSyncLayer({ game, maxRollback: 8 });
  let remoteNext = 0;
  let rollbacks = 0;
  for (let f = 0; f < 100; f++) {
    sync.queues[0].add(f, inputs(f)[0]);
    // Player 1's inputs arrive in bursts, up to 6 frames late.
    if (f % 6 === 5) {
      while (remoteNext < f) {
        sync.queues[1].add(remoteNext, inputs(remoteNext)[1]);
        remoteNext++;
      }
      const bad = sync.firstIncorrectFrame();
      const depth = sync.rollback();
      assert.equal(depth, bad === -1 ? 0 : f - bad, "depth = frames re-simulated");
      if (depth > 0) rollbacks++;
      assert.equal(sync.firstIncorrectFrame(), -1);
      assert.equal(sync.frame, f, "back at the present");
    }
    sync.advance();
  }
  assert.ok(rollbacks >= 5, `rollbacks ${rollbacks}`);
  while (remoteNext < 100) sync.queues[1].add(remoteNext, inputs(remoteNext++)[1]);
  sync.rollback();
  for (let f = 92; f < 100; f++) assert.equal(sync.checksumAt(f), ref[f], `frame ${f}`);
  assert.equal(game.checksum(), ref[99], "the live state is the corrected one");
});

Deno.test("only the states that may be loaded are kept", () => {
  const sync = createSyncLayer({ game: createTestGame(), maxRollback: 3 });
  for (let f = 0; f < 10; f++) {
    sync.queues[0].add(f, 1);
    sync.queues[1].add(f, 2);
    sync.advance();
  }
  sync.load(7);
  assert.equal(sync.frame, 7);
  assert.throws(() => sync.load(4), /no saved state for frame 4/);
  assert.throws(() => sync.checksumAt(8), /no checksum kept/, "frames after a load are gone");
  assert.throws(() => sync.snapshotAt(9), /no saved state/);
  assert.throws(() => createSyncLayer({ game: createTestGame(), maxRollback: -1 }), /maxRollback/);
});

Deno.test("the game's predictor is used for each player", () => {
  const game = {
    ...createTestGame(),
    predictInput: (last: number, player: 0 | 1) => last + player,
  };
  const sync = createSyncLayer({ game, maxRollback: 8 });
  sync.queues[0].add(0, 4);
  sync.queues[1].add(0, 4);
  assert.equal(sync.queues[0].input(1), 4);
  assert.equal(sync.queues[1].input(1), 5);
});
