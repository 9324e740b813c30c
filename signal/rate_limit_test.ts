import assert from "node:assert/strict";
import { createTokenBucket } from "./rate_limit.ts";

Deno.test("a full bucket allows a burst, then refuses", () => {
  const b = createTokenBucket({ ratePerSecond: 10, burst: 3 }, 0);
  assert.deepEqual([b.take(0), b.take(0), b.take(0), b.take(0)], [true, true, true, false]);
});

Deno.test("tokens refill at the rate, capped at the burst", () => {
  const b = createTokenBucket({ ratePerSecond: 10, burst: 3 }, 0);
  for (let i = 0; i < 3; i++) b.take(0);
  assert.equal(b.take(50), false); // half a token
  assert.equal(b.take(100), true); // one token after 100 ms
  assert.equal(b.take(100), false);
  assert.equal(b.available(100_000), 3);
  let taken = 0;
  while (b.take(100_000)) taken++;
  assert.equal(taken, 3);
});

Deno.test("sustained sending at the rate is never refused", () => {
  const b = createTokenBucket({ ratePerSecond: 20, burst: 1 }, 0);
  for (let t = 0; t < 10_000; t += 50) assert.equal(b.take(t), true, `at ${t}`);
  assert.equal(b.take(10_000 - 50 + 10), false);
});

Deno.test("a clock going backwards neither mints tokens nor wedges the bucket", () => {
  const b = createTokenBucket({ ratePerSecond: 10, burst: 1 }, 1000);
  assert.equal(b.take(1000), true);
  assert.equal(b.take(0), false);
  assert.equal(b.take(1100), true);
});

Deno.test("nonsense options are rejected", () => {
  assert.throws(() => createTokenBucket({ ratePerSecond: 0, burst: 5 }), RangeError);
  assert.throws(() => createTokenBucket({ ratePerSecond: 5, burst: 0 }), RangeError);
  assert.throws(() => createTokenBucket({ ratePerSecond: NaN, burst: 5 }), RangeError);
});

Deno.test("take(n) takes n tokens at once or none", () => {
  const b = createTokenBucket({ ratePerSecond: 10, burst: 20 });
  assert.equal(b.take(0, 15), true);
  assert.equal(b.take(0, 6), false);
  assert.equal(b.available(0), 5);
  assert.equal(b.take(100, 6), true);
  assert.equal(b.take(100, NaN), false);
});
