import assert from "node:assert/strict";
import { measureRollback } from "./rollback_core.ts";

Deno.test("every tick rolls back exactly the requested depth", () => {
  for (const depth of [0, 4, 8]) {
    const m = measureRollback(depth, 120, 60);
    assert.equal(m.meanDepth, depth);
    assert.equal(m.batchUsPerTick.length, 2);
    assert.ok(m.batchUsPerTick.every((x) => x >= 0 && Number.isFinite(x)));
  }
});
