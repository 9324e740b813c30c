import assert from "node:assert/strict";
import { fdReserve, parseOpenFileLimit, planSocketBudget, readOpenFileLimit } from "./fd_budget.ts";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

Deno.test("the soft open-file limit is read from /proc/self/limits text", () => {
  assert.equal(parseOpenFileLimit(LIMITS), 1024);
  assert.equal(parseOpenFileLimit(LIMITS.replace("1024 ", "unlimited ")), null);
  assert.equal(parseOpenFileLimit("nothing here"), null);
  const own = readOpenFileLimit();
  assert.ok(own === null || own > 0);
});

Deno.test("the socket cap is clamped below the descriptor limit, keeping a reserve", () => {
  assert.deepEqual(planSocketBudget(4000, null), {
    maxSockets: 4000,
    fdLimit: null,
    clamped: false,
    backlog: 511,
  });
  const small = planSocketBudget(4000, 512);
  assert.equal(small.clamped, true);
  assert.equal(small.maxSockets, 512 - fdReserve(512));
  assert.ok(small.maxSockets + small.backlog < 512);
  const roomy = planSocketBudget(4000, 65536);
  assert.deepEqual([roomy.maxSockets, roomy.clamped], [4000, false]);
  assert.equal(planSocketBudget(4000, 10).maxSockets, 1);
});
