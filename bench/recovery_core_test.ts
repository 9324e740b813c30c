import assert from "node:assert/strict";
import { measureRecovery } from "./recovery_core.ts";

Deno.test("after a 400 ms freeze both sides are within a frame in under a second", () => {
  for (const seed of [1, 2]) {
    const r = measureRecovery({ kind: "freeze", hitchMs: 400, seed, afterSeconds: 5 });
    assert.ok(r.secondsToSync <= 1, `seed ${seed}: ${r.secondsToSync} s`);
    assert.ok(r.rollbacks <= 15, `seed ${seed}: ${r.rollbacks} rollbacks in 5 s`);
  }
});

Deno.test("after 10 s of 1 Hz background ticking both sides are within a frame in under a second", () => {
  const r = measureRecovery({ kind: "background", hitchMs: 10_000, seed: 3, afterSeconds: 5 });
  assert.ok(r.secondsToSync <= 1, `${r.secondsToSync} s`);
});
