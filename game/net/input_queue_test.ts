import assert from "node:assert/strict";
import { createInputQueue } from "./input_queue.ts";

Deno.test("confirmed inputs come back as given; unconfirmed frames repeat the last one", () => {
  const q = createInputQueue();
  assert.equal(q.confirmedFrame, -1);
  assert.equal(q.input(0), 0, "no input yet: predict 0");
  q.add(0, 5);
  q.add(1, 9);
  assert.equal(q.confirmedFrame, 1);
  assert.equal(q.input(0), 5);
  assert.equal(q.input(1), 9);
  assert.equal(q.input(2), 9);
  assert.equal(q.input(7), 9);
  assert.equal(q.isConfirmed(1), true);
  assert.equal(q.isConfirmed(2), false);
});

Deno.test("a confirmed input differing from the prediction used marks the first incorrect frame", () => {
  const q = createInputQueue();
  q.add(0, 1);
  for (let f = 1; f <= 5; f++) assert.equal(q.input(f), 1);
  q.add(1, 1);
  q.add(2, 1);
  assert.equal(q.firstIncorrectFrame, -1, "right guesses cost nothing");
  q.add(3, 4);
  assert.equal(q.firstIncorrectFrame, 3);
  q.add(4, 8);
  assert.equal(q.firstIncorrectFrame, 3, "the oldest wrong frame wins");
  q.resetPrediction();
  assert.equal(q.firstIncorrectFrame, -1);
});

Deno.test("frames never predicted are not reported as incorrect", () => {
  const q = createInputQueue();
  q.add(0, 1);
  q.add(1, 2);
  q.add(2, 3);
  assert.equal(q.firstIncorrectFrame, -1);
});

Deno.test("a re-simulation's new prediction replaces the old one", () => {
  const q = createInputQueue();
  q.add(0, 1);
  q.input(1); // predicted 1
  q.input(2); // predicted 1
  q.add(1, 6); // wrong: the caller re-simulates from 1
  assert.equal(q.firstIncorrectFrame, 1);
  q.resetPrediction();
  assert.equal(q.input(1), 6);
  assert.equal(q.input(2), 6, "re-predicted from the new last input");
  q.add(2, 6);
  assert.equal(q.firstIncorrectFrame, -1, "the new prediction was right");
});

Deno.test("a game-supplied predictor is used for unconfirmed frames", () => {
  const q = createInputQueue({ predict: (last) => last & ~16 }); // taps (bit 4) do not repeat
  q.add(0, 17);
  assert.equal(q.input(1), 1);
  q.add(1, 1);
  assert.equal(q.firstIncorrectFrame, -1);
});

Deno.test("bad input gets a clear error", () => {
  const q = createInputQueue({ capacity: 8 });
  assert.throws(() => q.add(1, 0), /out of order: expected frame 0/);
  assert.throws(() => q.add(0, 256), /0\.\.255/);
  assert.throws(() => q.add(0, 1.5), /0\.\.255/);
  assert.throws(() => q.input(-1), /non-negative/);
  assert.throws(() => createInputQueue({ capacity: 1 }), /capacity/);
  assert.equal(q.confirmedFrame, -1, "rejected adds change nothing");
});

Deno.test("the ring refuses frames beyond its capacity and frames already discarded", () => {
  const q = createInputQueue({ capacity: 8 });
  for (let f = 0; f < 8; f++) q.add(f, f);
  assert.throws(() => q.add(8, 8), /too far ahead/);
  q.discardBefore(3);
  assert.equal(q.oldestFrame, 3);
  for (let f = 8; f < 11; f++) q.add(f, f);
  for (let f = 3; f < 11; f++) assert.equal(q.input(f), f, "kept frames survive a lap");
  assert.throws(() => q.input(2), /discarded/);
  assert.throws(() => q.input(11), /too far ahead/);
});
