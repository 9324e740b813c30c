import assert from "node:assert/strict";
import { plan } from "./run.ts";

Deno.test("the plan runs every benchmark, input under 20 ms + 5% and the 0% baseline", () => {
  const keys = plan(false, null).map((j) => j.key);
  assert.deepEqual(keys, ["wire", "rollback", "lobby", "connect", "input.lossy", "input.baseline"]);
  const lossy = plan(false, null).find((j) => j.key === "input.lossy")!;
  assert.deepEqual(lossy.impair, { delayMs: 20, lossPct: 5 });
  assert.ok(!lossy.args.includes("--quick"));
});

Deno.test("quick runs pass --quick; the time limits bound a hung run", () => {
  const quick = plan(true, null);
  assert.ok(quick.every((j) => j.args.includes("--quick")));
  // Limits, not expectations: a full run takes ~6 minutes, a quick one ~75 s.
  assert.ok(quick.reduce((s, j) => s + j.budgetS, 0) <= 600);
  assert.ok(plan(false, null).reduce((s, j) => s + j.budgetS, 0) <= 1200);
});

Deno.test("--only filters by key prefix", () => {
  assert.deepEqual(plan(true, ["input"]).map((j) => j.key), ["input.lossy", "input.baseline"]);
  assert.deepEqual(plan(true, ["wire", "lobby"]).map((j) => j.key), ["wire", "lobby"]);
});
