import assert from "node:assert/strict";
import { fdReserve, fdsNeeded, planSocketBudget, probeFreeFds } from "./fd_budget.ts";

Deno.test("free descriptors are counted up to the need, and all given back", () => {
  assert.equal(probeFreeFds(50), 50);
  // Had they not been closed, the second probe would find fewer.
  assert.equal(probeFreeFds(50), 50);
});

Deno.test("the socket cap is clamped below the free descriptors, keeping a reserve", () => {
  assert.deepEqual(planSocketBudget(4000, null), {
    maxSockets: 4000,
    freeFds: null,
    clamped: false,
    backlog: 511,
  });
  const small = planSocketBudget(4000, 480);
  assert.equal(small.clamped, true);
  assert.equal(small.maxSockets, 480 - fdReserve(480));
  assert.ok(small.maxSockets + small.backlog < 480);
  const roomy = planSocketBudget(4000, fdsNeeded(4000));
  assert.deepEqual([roomy.maxSockets, roomy.clamped], [4000, false]);
  assert.equal(planSocketBudget(4000, 10).maxSockets, 1);
});
