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

/** The test game with `saveInto`, counting the fresh copies (`save`) it made. */
function withSaveInto(game = createTestGame(), fresh = false) {
  const counts = { save: 0, saveInto: 0 };
  const save = game.save;
  return {
    counts,
    game: {
      ...game,
      save: () => (counts.save++, save()),
      // `fresh`: a game whose saveInto cannot reuse the target and returns a new snapshot.
      saveInto: (target: Int32Array) => {
        counts.saveInto++;
        if (fresh) return save();
        target.set(game.state);
        return target;
      },
    },
  };
}

/** Plays 300 frames with the remote inputs in late bursts; returns every checksum and the depth. */
function playBursty(
  game: ReturnType<typeof createTestGame> | ReturnType<typeof withSaveInto>["game"],
  sparseSaving: boolean,
): { sums: number[]; rolled: number; live: number } {
  const inputs = (f: number): [number, number] => [scriptedInput(3, 0, f), scriptedInput(3, 1, f)];
  const sync = createSyncLayer({ game, maxRollback: 8, sparseSaving });
  const sums: number[] = [];
  let remoteNext = 0;
  let rolled = 0;
  for (let f = 0; f < 300; f++) {
    sync.queues[0].add(f, inputs(f)[0]);
    if (f % 7 === 6) {
      while (remoteNext < f) sync.queues[1].add(remoteNext, inputs(remoteNext++)[1]);
      rolled += sync.rollback();
      rolled += sync.refreshSparse();
      sync.discardBefore(Math.min(remoteNext, f) - 1);
    }
    sync.advance();
    sums.push(sync.checksumAt(f));
  }
  return { sums, rolled, live: game.checksum() };
}

for (const sparse of [false, true]) {
  Deno.test(`a game with saveInto and one without give the same checksums (sparse ${sparse})`, () => {
    const plain = playBursty(createTestGame(), sparse);
    const reused = withSaveInto();
    const into = playBursty(reused.game, sparse);
    const fresh = playBursty(withSaveInto(createTestGame(), true).game, sparse);
    assert.ok(plain.rolled > 100, `re-simulated ${plain.rolled} frames`);
    assert.deepEqual(into.sums, plain.sums);
    assert.deepEqual(fresh.sums, plain.sums);
    assert.equal(into.rolled, plain.rolled);
    assert.equal(into.live, plain.live);
    // Every slot is made once by save(), then only refilled.
    assert.ok(reused.counts.save <= (sparse ? 1 : 10), `${reused.counts.save} fresh saves`);
    assert.ok(reused.counts.saveInto > (sparse ? 20 : 300), `${reused.counts.saveInto} refills`);
  });
}

Deno.test("a slot refilled by saveInto still loads the state saved last into it", () => {
  const { game } = withSaveInto();
  const sync = createSyncLayer({ game, maxRollback: 2 }); // 4 slots
  const sums: number[] = [];
  for (let f = 0; f < 20; f++) {
    sync.queues[0].add(f, scriptedInput(5, 0, f));
    sync.queues[1].add(f, scriptedInput(5, 1, f));
    sync.advance();
    sums.push(game.checksum());
  }
  // Frames 16..19 are kept (slots reused four times over): each loads to the state before it.
  for (let f = 16; f < 20; f++) {
    sync.load(f);
    assert.equal(game.checksum(), sums[f - 1], `state at ${f}`);
  }
  assert.throws(() => sync.load(15), RangeError);
});
