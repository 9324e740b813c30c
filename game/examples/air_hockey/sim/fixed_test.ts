import assert from "node:assert/strict";
import { clamp, fromPx, idiv, isqrt, ONE, toPx } from "./fixed.ts";

Deno.test("isqrt is the exact floor square root around perfect squares", () => {
  for (const r of [0, 1, 2, 3, 255, 4096, 65535, 1_000_003, 94_906_265]) {
    assert.equal(isqrt(r * r), r);
    if (r > 0) assert.equal(isqrt(r * r - 1), r - 1);
    assert.equal(isqrt(r * r + 1), r === 0 ? 1 : r);
  }
});

Deno.test("isqrt rejects negative and fractional input with a clear error", () => {
  assert.throws(() => isqrt(-1), /non-negative safe integer/);
  assert.throws(() => isqrt(2.5), /non-negative safe integer/);
  assert.throws(() => isqrt(Number.NaN), /non-negative safe integer/);
});

Deno.test("idiv truncates toward zero and refuses zero divisors", () => {
  assert.equal(idiv(7, 2), 3);
  assert.equal(idiv(-7, 2), -3);
  assert.equal(idiv(7, -2), -3);
  assert.throws(() => idiv(1, 0), /division by zero/);
});

Deno.test("Q8 conversion and clamp", () => {
  assert.equal(fromPx(1), ONE);
  assert.equal(fromPx(1.5), 384);
  assert.equal(toPx(384), 1.5);
  assert.equal(clamp(5, 0, 3), 3);
  assert.equal(clamp(-5, 0, 3), 0);
  assert.equal(clamp(2, 0, 3), 2);
});
