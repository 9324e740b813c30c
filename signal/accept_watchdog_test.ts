import assert from "node:assert/strict";
import { WATCHDOG_START, type WatchdogEvent, watchdogStep } from "./accept_watchdog.ts";

function run(events: WatchdogEvent[]) {
  let state = WATCHDOG_START;
  const effects: string[] = [];
  for (const e of events) {
    const r = watchdogStep(state, e, 1000);
    state = r.state;
    effects.push(r.effect);
  }
  return effects;
}

Deno.test("a busy listener is never probed", () => {
  const effects = run([
    { type: "tick", now: 0 },
    { type: "accepted" },
    { type: "tick", now: 1000 },
    { type: "accepted" },
    { type: "tick", now: 2000 },
  ]);
  assert.deepEqual(effects, ["none", "none", "none", "none", "none"]);
});

Deno.test("a quiet listener is probed, and an accepted probe settles it", () => {
  const effects = run([
    { type: "tick", now: 0 },
    { type: "tick", now: 1000 },
    { type: "accepted" },
    { type: "tick", now: 2000 },
    { type: "tick", now: 3000 },
  ]);
  assert.deepEqual(effects, ["none", "probe", "none", "none", "probe"]);
});

Deno.test("a probe that is never accepted replaces the listener", () => {
  const effects = run([
    { type: "tick", now: 0 },
    { type: "tick", now: 1000 },
    { type: "tick", now: 1500 },
    { type: "tick", now: 2000 },
    { type: "tick", now: 3000 },
  ]);
  assert.deepEqual(effects, ["none", "probe", "none", "relisten", "probe"]);
});

Deno.test("a probe that cannot connect replaces the listener at once", () => {
  const effects = run([
    { type: "tick", now: 0 },
    { type: "tick", now: 1000 },
    { type: "probe-failed", now: 1001 },
  ]);
  assert.deepEqual(effects, ["none", "probe", "relisten"]);
});

Deno.test("a late tick (a starved event loop) restarts the probe instead of relistening", () => {
  const effects = run([
    { type: "tick", now: 0 },
    { type: "tick", now: 1000 },
    { type: "tick", now: 5000 },
    { type: "tick", now: 6000 },
  ]);
  assert.deepEqual(effects, ["none", "probe", "none", "probe"]);
});
