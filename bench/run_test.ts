import assert from "node:assert/strict";
import { plan } from "./run.ts";

Deno.test("the plan runs every benchmark, input under 20 ms + 5% and the 0% baseline", () => {
  const keys = plan(false, null).map((j) => j.key);
  assert.deepEqual(keys, ["wire", "rollback", "lobby", "connect", "input.lossy", "input.baseline"]);
  const lossy = plan(false, null).find((j) => j.key === "input.lossy")!;
  assert.deepEqual(lossy.impair, { delayMs: 20, lossPct: 5 });
  assert.ok(!lossy.args.includes("--quick"));
});

Deno.test("quick runs pass --quick and stay within about ten minutes of budgets in total", () => {
  const quick = plan(true, null);
  assert.ok(quick.every((j) => j.args.includes("--quick")));
  assert.ok(plan(false, null).reduce((s, j) => s + j.budgetS, 0) <= 1000);
});

Deno.test("--only filters by key prefix", () => {
  assert.deepEqual(plan(true, ["input"]).map((j) => j.key), ["input.lossy", "input.baseline"]);
  assert.deepEqual(plan(true, ["wire", "lobby"]).map((j) => j.key), ["wire", "lobby"]);
});
