import assert from "node:assert/strict";
import { ALL_BITS, BACK, DASH, DOWN, FORWARD, packInput, REMATCH, UP } from "./input_bits.ts";

Deno.test("bits are distinct and fit in one byte", () => {
  const bits = [UP, DOWN, BACK, FORWARD, DASH, REMATCH];
  assert.equal(new Set(bits).size, bits.length);
  assert.equal(bits.reduce((a, b) => a | b, 0), ALL_BITS);
  assert.ok(ALL_BITS <= 255);
});

Deno.test("packInput sets exactly the pressed buttons", () => {
  assert.equal(packInput({}), 0);
  assert.equal(packInput({ up: true, forward: true }), UP | FORWARD);
  assert.equal(
    packInput({ down: true, back: true, dash: true, rematch: true }),
    DOWN | BACK | DASH | REMATCH,
  );
});
