import assert from "node:assert/strict";
import { createManualClock, realClock } from "./clock.ts";

Deno.test("manual clock: starts where told and advances", () => {
  const c = createManualClock(100);
  assert.equal(c.now(), 100);
  c.advance(16.5);
  assert.equal(c.now(), 116.5);
  assert.equal(createManualClock().now(), 0);
});

Deno.test("manual clock: fires due timers in time order with now() at the due time", () => {
  const c = createManualClock();
  const log: string[] = [];
  c.setTimeout(() => log.push(`c@${c.now()}`), 30);
  c.setTimeout(() => log.push(`a@${c.now()}`), 10);
  c.setTimeout(() => log.push(`b@${c.now()}`), 20);
  c.setTimeout(() => log.push(`late@${c.now()}`), 100);
  c.advance(25);
  assert.deepEqual(log, ["a@10", "b@20"]);
  assert.equal(c.now(), 25);
  c.advance(5);
  assert.deepEqual(log, ["a@10", "b@20", "c@30"]);
  c.advance(1000);
  assert.deepEqual(log, ["a@10", "b@20", "c@30", "late@100"]);
});

Deno.test("manual clock: equal due times fire in scheduling order", () => {
  const c = createManualClock();
  const log: number[] = [];
  for (let i = 0; i < 5; i++) c.setTimeout(() => log.push(i), 7);
  c.advance(7);
  assert.deepEqual(log, [0, 1, 2, 3, 4]);
});

Deno.test("manual clock: timers scheduled by callbacks fire within the same advance", () => {
  const c = createManualClock();
  const log: number[] = [];
  const tick = () => {
    log.push(c.now());
    if (c.now() < 50) c.setTimeout(tick, 10);
  };
  c.setTimeout(tick, 10);
  c.setTimeout(() => log.push(-c.now()), 35);
  c.advance(45);
  assert.deepEqual(log, [10, 20, 30, -35, 40]);
  c.advance(100);
  assert.deepEqual(log, [10, 20, 30, -35, 40, 50]);
  // A zero-delay timer from a callback runs in the same advance, at the same instant.
  const c2 = createManualClock();
  const seen: number[] = [];
  c2.setTimeout(() => c2.setTimeout(() => seen.push(c2.now()), 0), 5);
  c2.advance(5);
  assert.deepEqual(seen, [5]);
});

Deno.test("manual clock: clearTimeout cancels, also from inside a callback", () => {
  const c = createManualClock();
  const log: string[] = [];
  const b = c.setTimeout(() => log.push("b"), 20);
  c.setTimeout(() => {
    log.push("a");
    c.clearTimeout(b);
  }, 10);
  const d = c.setTimeout(() => log.push("d"), 5);
  c.clearTimeout(d);
  c.clearTimeout(9999); // unknown ids are ignored
  c.advance(100);
  assert.deepEqual(log, ["a"]);
});

Deno.test("manual clock: bad delays run asap, bad advances are refused", () => {
  const c = createManualClock();
  let n = 0;
  c.setTimeout(() => n++, -5);
  c.setTimeout(() => n++, NaN);
  c.advance(0);
  assert.equal(n, 2);
  assert.throws(() => c.advance(-1), RangeError);
  assert.throws(() => c.advance(Infinity), RangeError);
  assert.throws(() => createManualClock(NaN), RangeError);
});

Deno.test("real clock: timers fire and can be cleared", async () => {
  const t0 = realClock.now();
  let cleared = false;
  const id = realClock.setTimeout(() => (cleared = true), 1);
  realClock.clearTimeout(id);
  await new Promise<void>((resolve) => realClock.setTimeout(resolve, 5));
  assert.equal(cleared, false);
  assert.ok(realClock.now() >= t0);
});
