import assert from "node:assert/strict";
import { createTestGame, type TestGame } from "../test_game.ts";
import { createMatchGame, type MatchSetup, REMATCH_INPUT, setupFor } from "./match_game.ts";

const first: MatchSetup = {
  seed: 42,
  localPlayer: 0,
  names: ["a", "b"],
  match: 0,
  options: [1, 2],
};

function wrapped(length = 10) {
  const made: MatchSetup[] = [];
  const game = createMatchGame<TestGame>({
    createGame: (setup) => {
      made.push(setup);
      return createTestGame({ seed: setup.seed });
    },
    setup: first,
    isOver: (g) => g.state[0] >= length,
  });
  return { game, made };
}

Deno.test("the match is over on the frame the game says so; inputs then count only as votes", () => {
  const { game } = wrapped(10);
  for (let f = 0; f < 10; f++) game.advance([1, 2]);
  assert.equal(game.overFrame, 10);
  const frozen = game.game.checksum();
  game.advance([REMATCH_INPUT, 0]);
  game.advance([0, 3]);
  assert.equal(game.game.checksum(), frozen, "an over game does not move");
  assert.equal(game.match, 0);
  assert.equal(game.frame, 12);
});

Deno.test("both votes restart on that frame with the next setup, and a rollback undoes it", () => {
  const { game, made } = wrapped(10);
  for (let f = 0; f < 10; f++) game.advance([1, 2]);
  game.advance([0, 0]);
  game.advance([REMATCH_INPUT, 0]);
  const before = game.save();
  game.advance([0, REMATCH_INPUT]);
  assert.equal(game.match, 1);
  assert.equal(game.startFrame, 13);
  assert.equal(game.overFrame, -1);
  assert.deepEqual(game.setup, setupFor(first, 1));
  assert.notEqual(game.setup.seed, first.seed);
  assert.equal(made.at(-1)?.match, 1);
  assert.equal(game.game.state[0], 0, "the game is at the first frame of the next match");
  const restarted = game.checksum();
  // Roll back across the restart and re-run: the same restart, from the cached first state.
  game.load(before);
  assert.equal(game.match, 0);
  assert.equal(game.setup, first);
  game.advance([0, REMATCH_INPUT]);
  assert.equal(game.checksum(), restarted);
  assert.equal(made.filter((s) => s.match === 1).length, 1, "the next match's state is made once");
});

Deno.test("the checksum covers the pairing's state, not only the game's", () => {
  const a = wrapped(10).game, b = wrapped(10).game;
  for (let f = 0; f < 10; f++) {
    a.advance([1, 2]);
    b.advance([1, 2]);
  }
  assert.equal(a.checksum(), b.checksum());
  a.advance([0, 0]);
  b.advance([0, 0]);
  a.advance([REMATCH_INPUT, 0]);
  b.advance([0, 0]);
  assert.equal(a.game.checksum(), b.game.checksum());
  assert.notEqual(a.checksum(), b.checksum(), "a vote is state");
});

Deno.test("serialize carries the pairing state and the game's bytes", () => {
  const { game } = wrapped(10);
  game.advance([1, 2]);
  const s = game.save();
  const bytes = game.serialize!(s);
  assert.equal(bytes.length, 24 + game.game.serialize(s.inner as Int32Array).length);
});

Deno.test("0xff carried over from play (input delay) does not vote: a neutral input must come first", () => {
  const { game } = wrapped(10);
  for (let f = 0; f < 10; f++) game.advance([REMATCH_INPUT, REMATCH_INPUT]); // a legal game input
  assert.equal(game.overFrame, 10);
  for (let f = 0; f < 6; f++) game.advance([REMATCH_INPUT, REMATCH_INPUT]);
  assert.equal(game.match, 0, "no rematch nobody asked for");
  game.advance([0, 0]);
  game.advance([REMATCH_INPUT, REMATCH_INPUT]);
  assert.equal(game.match, 1);
});

Deno.test("saveInto refills an old snapshot with what save() gives, across a restart too", () => {
  const { game } = wrapped(10);
  const old = game.save();
  const oldMeta = old.meta;
  for (let f = 0; f < 10; f++) game.advance([1, 2]);
  game.advance([0, 0]);
  game.advance([REMATCH_INPUT, 0]);
  game.advance([0, REMATCH_INPUT]); // match 1 starts
  game.advance([3, 4]);
  const fresh = game.save();
  const refilled = game.saveInto!(old);
  assert.equal(refilled, old, "the wrapper's snapshot object is reused");
  assert.equal(refilled.meta, oldMeta, "and its meta words");
  assert.deepEqual(refilled.meta, fresh.meta);
  assert.deepEqual(refilled.inner, fresh.inner);
  const sum = game.checksum();
  game.advance([5, 6]);
  game.load(refilled);
  assert.equal(game.checksum(), sum);
  assert.equal(game.match, 1);
});

Deno.test("saveInto uses the game's own saveInto when it has one, else its save()", () => {
  for (const inner of [true, false]) {
    let saves = 0;
    const game = createMatchGame<TestGame>({
      createGame: (setup) => {
        const g = createTestGame({ seed: setup.seed });
        const save = g.save;
        return {
          ...g,
          save: () => (saves++, save()),
          saveInto: inner ? (t: Int32Array) => (t.set(g.state), t) : undefined,
        };
      },
      setup: first,
    });
    const snap = game.save();
    const innerBefore = snap.inner;
    saves = 0;
    game.advance([1, 1]);
    game.saveInto!(snap);
    assert.equal(saves, inner ? 0 : 1);
    assert.equal(
      snap.inner === innerBefore,
      inner,
      "the inner snapshot is refilled only by saveInto",
    );
    assert.deepEqual(snap.inner, game.game.state);
  }
});
