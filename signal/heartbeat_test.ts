import assert from "node:assert/strict";
import { heartbeatStep } from "./heartbeat.ts";

Deno.test("a silent connection is pinged at half the timeout and closed at the timeout", () => {
  const actions: string[] = [];
  let n = 0;
  for (let i = 0; i < 4; i++) {
    const r = heartbeatStep(n, false);
    n = r.silentSweeps;
    actions.push(r.action);
  }
  assert.deepEqual(actions, ["none", "ping", "none", "close"]);
});

Deno.test("any frame heard resets the count", () => {
  let n = heartbeatStep(heartbeatStep(0, false).silentSweeps, false).silentSweeps;
  n = heartbeatStep(n, true).silentSweeps;
  assert.equal(n, 0);
  assert.equal(heartbeatStep(n, false).action, "none");
});
