import assert from "node:assert/strict";
import { createStatsHistory } from "./stats_history.ts";

Deno.test("per-second rates count only the last window", () => {
  const h = createStatsHistory({ windowMs: 1000 });
  for (let i = 0; i < 5; i++) h.rollback(100 + i * 100, i + 1);
  h.stall(200);
  assert.equal(h.rollbacksPerSecond(600), 5);
  assert.equal(h.maxDepth(600), 5);
  assert.equal(h.stallsPerSecond(600), 1);
  // At t=1350 the rollbacks at 100..300 and the stall at 200 have left the window.
  assert.equal(h.rollbacksPerSecond(1350), 2);
  assert.equal(h.maxDepth(1350), 5);
  assert.equal(h.stallsPerSecond(1350), 0);
  assert.equal(h.rollbacksPerSecond(5000), 0);
  assert.equal(h.maxDepth(5000), 0);
});

Deno.test("rates scale to one second for other windows", () => {
  const h = createStatsHistory({ windowMs: 500 });
  h.rollback(10, 1);
  h.rollback(20, 1);
  assert.equal(h.rollbacksPerSecond(100), 4);
});

Deno.test("samples carry the deepest rollback since the previous sample and wrap oldest-first", () => {
  const h = createStatsHistory({ capacity: 3 });
  h.rollback(1, 2);
  h.rollback(2, 6);
  h.rollback(3, 1);
  h.sample(100, 10);
  h.sample(200, 12);
  h.sample(300, 14);
  h.sample(400, 16);
  const s = h.samples();
  assert.deepEqual(s.map((p) => p.t), [200, 300, 400]);
  assert.deepEqual(s.map((p) => p.rttMs), [12, 14, 16]);
  assert.equal(s[0].rollbackDepth, 0);
  const h2 = createStatsHistory();
  h2.rollback(1, 6);
  h2.sample(100, 10);
  assert.equal(h2.samples()[0].rollbackDepth, 6);
});

Deno.test("bad options are refused", () => {
  assert.throws(() => createStatsHistory({ capacity: 0 }), /capacity/);
  assert.throws(() => createStatsHistory({ windowMs: 0 }), /windowMs/);
});
