import assert from "node:assert/strict";
import {
  deadProcesses,
  heartbeatAction,
  isGhost,
  livenessPeriods,
  orphanCandidate,
} from "./redis_liveness_decisions.ts";

Deno.test("a heartbeat refreshes while running, comes back once lost, and waits otherwise", () => {
  assert.equal(heartbeatAction("running"), "refresh");
  assert.equal(heartbeatAction("lost"), "rejoin");
  for (const s of ["starting", "closing", "closed"] as const) {
    assert.equal(heartbeatAction(s), "skip");
  }
});

Deno.test("a process is dead only when EXISTS said 0: a failed or missing reply is not", () => {
  const alive: [unknown, unknown][] = [[null, 1], [null, 0], [new Error("x"), null]];
  assert.deepEqual(deadProcesses(["a", "b", "c", "d"], alive), ["b"]);
});

Deno.test("a scanned player set is an orphan candidate unless it is ours or registered", () => {
  const prefix = "duet:procplayers:";
  const known = new Set(["b"]);
  assert.equal(orphanCandidate(`${prefix}x`, prefix.length, "me", known), "x");
  assert.equal(orphanCandidate(`${prefix}me`, prefix.length, "me", known), null);
  assert.equal(orphanCandidate(`${prefix}b`, prefix.length, "me", known), null);
});

Deno.test("a player is a ghost with no socket here and no connect under way", () => {
  const local = new Set(["a"]);
  const connecting = new Set(["b"]);
  assert.equal(isGhost("a", local, connecting), false);
  assert.equal(isGhost("b", local, connecting), false);
  assert.equal(isGhost("c", local, connecting), true);
});

Deno.test("timer periods follow the TTL and the grace, within their floors and ceilings", () => {
  assert.deepEqual(livenessPeriods(3000, 20_000, 10_000), {
    heartbeat: 1000,
    sweep: 750,
    reconcile: 10_000,
    expire: 1000,
  });
  assert.deepEqual(livenessPeriods(150, 200, 500), {
    heartbeat: 100,
    sweep: 100,
    reconcile: 500,
    expire: 50,
  });
  assert.equal(livenessPeriods(3000, 0, 10_000).expire, null);
  assert.equal(livenessPeriods(3000, 5000, 10_000).expire, 500);
});
