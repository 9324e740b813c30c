import assert from "node:assert/strict";
import { initialLifecycle, type LifecycleState } from "./match_lifecycle.ts";
import { lifecycleNews, sessionNews } from "./match_events.ts";

const base = initialLifecycle(0, { name: "A", game: "g", version: "1", options: null });

function withState(changes: Partial<LifecycleState>): LifecycleState {
  return { ...base, ...changes };
}

Deno.test("an unchanged lifecycle is no news", () => {
  assert.deepEqual(lifecycleNews(base, { ...base }), []);
});

Deno.test("a phase change is news, and closing says why", () => {
  assert.deepEqual(lifecycleNews(base, withState({ phase: "handshake" })), [
    { type: "phase", phase: "handshake", previous: "connecting" },
  ]);
  const closed = withState({ phase: "closed", closeReason: "failed", message: "gone" });
  assert.deepEqual(lifecycleNews(base, closed), [
    { type: "phase", phase: "closed", previous: "connecting" },
    { type: "closed", reason: "failed", message: "gone" },
  ]);
  // Closed without a reason: only the phase.
  assert.deepEqual(lifecycleNews(base, withState({ phase: "closed" })), [
    { type: "phase", phase: "closed", previous: "connecting" },
  ]);
});

Deno.test("waiting is news both ways", () => {
  const waiting = withState({ waiting: true });
  assert.deepEqual(lifecycleNews(base, waiting), [{ type: "waiting", waiting: true }]);
  assert.deepEqual(lifecycleNews(waiting, base), [{ type: "waiting", waiting: false }]);
});

Deno.test("a rematch request is news once, remote before local", () => {
  const both = withState({ rematch: { local: true, remote: true } });
  assert.deepEqual(lifecycleNews(base, both), [
    { type: "rematch-requested", by: "remote" },
    { type: "rematch-requested", by: "local" },
  ]);
  assert.deepEqual(lifecycleNews(both, { ...both }), []);
  assert.deepEqual(lifecycleNews(both, base), []);
});

Deno.test("a desync is a problem with both checksums in hex, the pairing goes on", () => {
  assert.deepEqual(sessionNews({ type: "desync", frame: 12, local: 0xbeef, remote: -1 }), {
    problem: "Desync at frame 12: 0x0000beef here, 0xffffffff there",
  });
});

Deno.test("a stopped session is a problem and ends the pairing", () => {
  assert.deepEqual(sessionNews({ type: "error", message: "inputs out of order" }), {
    problem: "Session stopped: inputs out of order",
    failed: "inputs out of order",
  });
});

Deno.test("the other session events are not the listeners' news", () => {
  assert.equal(sessionNews({ type: "stall", frame: 3 }), null);
  assert.equal(sessionNews({ type: "link", state: "open" }), null);
});
