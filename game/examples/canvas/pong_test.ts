import assert from "node:assert/strict";
import { runSyncTest } from "duet-netcode/testing";
import { createPong, DOWN, PONG, UP } from "./pong.ts";

/** Scripted inputs that move both paddles up and down at different rates. */
const wiggle = (frame: number, player: number) => ((frame >> (4 + player)) & 1 ? UP : DOWN);

Deno.test("pong survives a rollback of every frame (sync test, 8 frames deep)", () => {
  const report = runSyncTest({
    game: createPong(7),
    frames: 1200,
    checkDistance: 8,
    input: wiggle,
  });
  assert.equal(report.ok, true, JSON.stringify(report));
});

Deno.test("the same seed and inputs give the same match; another seed serves differently", () => {
  const play = (seed: number) => {
    const game = createPong(seed);
    for (let f = 0; f < 600; f++) game.advance([wiggle(f, 0), wiggle(f, 1)]);
    return game.checksum();
  };
  assert.equal(play(3), play(3));
  assert.notEqual(play(3), play(4));
});

Deno.test("a player with a still paddle concedes until the other reaches the target", () => {
  const game = createPong(11);
  let frames = 0;
  while (game.winner() < 0 && frames < 20_000) {
    // Player 0 tracks the ball; player 1 never moves.
    const ballCentre = game.ball().y + PONG.ball / 2;
    const paddleCentre = game.paddleY(0) + PONG.paddleH / 2;
    game.advance([
      ballCentre < paddleCentre - 2 ? UP : ballCentre > paddleCentre + 2 ? DOWN : 0,
      0,
    ]);
    frames++;
  }
  assert.equal(game.winner(), 0);
  assert.deepEqual(game.score(), [PONG.target, 0]);
});

Deno.test("paddles stop at the field's edges", () => {
  const game = createPong(1);
  for (let f = 0; f < 200; f++) game.advance([UP, DOWN]);
  assert.equal(game.paddleY(0), 0);
  assert.equal(game.paddleY(1), PONG.height - PONG.paddleH);
});
