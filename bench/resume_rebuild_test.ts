import assert from "node:assert/strict";
import { measureRebuild } from "./resume_rebuild.ts";

Deno.test("a resume rebuild of air hockey succeeds and is timed", () => {
  const m = measureRebuild(600, 2);
  assert.equal(m.frames, 600);
  assert.equal(m.rebuildMs.length, 2);
  assert.ok(m.rebuildMs.every((ms) => ms > 0 && ms < 5000));
  assert.ok(m.snapshotBytes > 0);
});
