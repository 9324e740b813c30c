import assert from "node:assert/strict";
import { createTickPacer, MAX_CATCH_UP_TICKS, TICK_MS, type TickPacer } from "./tick_pacer.ts";

/** Runs the ticks that are due, as the runner's update does; returns how many. */
function run(pacer: TickPacer, dtMs: number): number {
  pacer.add(dtMs);
  let ran = 0;
  while (pacer.due(ran)) {
    pacer.spend();
    ran++;
  }
  pacer.settle();
  return ran;
}

Deno.test("time below a tick is carried to the next update", () => {
  const pacer = createTickPacer();
  assert.equal(run(pacer, TICK_MS / 2), 0);
  assert.equal(pacer.alpha(true), 0.5);
  assert.equal(run(pacer, TICK_MS / 2), 1);
  assert.ok(pacer.alpha(true) < 1e-9);
});

Deno.test("a long update runs several ticks and keeps the fraction", () => {
  const pacer = createTickPacer();
  assert.equal(run(pacer, TICK_MS * 3.25), 3);
  assert.ok(Math.abs(pacer.alpha(true) - 0.25) < 1e-9);
});

Deno.test("a frozen tab's backlog beyond the catch-up cap is dropped", () => {
  const pacer = createTickPacer();
  assert.equal(run(pacer, TICK_MS * (MAX_CATCH_UP_TICKS + 20.5)), MAX_CATCH_UP_TICKS);
  assert.ok(Math.abs(pacer.alpha(true) - 0.5) < 1e-9);
  // Nothing of the dropped time runs later.
  assert.equal(run(pacer, 0), 0);
});

Deno.test("nothing to interpolate unless the last tick advanced", () => {
  const pacer = createTickPacer();
  pacer.add(TICK_MS / 4);
  assert.equal(pacer.alpha(false), 1);
  assert.equal(pacer.alpha(true), 0.25);
});

Deno.test("a tick that ends the match stops the loop; the rest is dropped on settle", () => {
  const pacer = createTickPacer();
  pacer.add(TICK_MS * 3.5);
  assert.equal(pacer.due(0), true);
  pacer.spend(); // one tick ran, then the match ended
  pacer.settle();
  assert.equal(pacer.due(0), false);
  assert.ok(Math.abs(pacer.alpha(true) - 0.5) < 1e-9);
});
