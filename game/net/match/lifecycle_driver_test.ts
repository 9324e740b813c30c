import assert from "node:assert/strict";
import type { MatchEvent } from "./match_events.ts";
import { initialLifecycle, LIFECYCLE_VERSION, type LifecycleEffect } from "./match_lifecycle.ts";
import { createLifecycleDriver } from "./lifecycle_driver.ts";

const me = { name: "A", game: "g", version: "1", options: null };
const them = {
  t: "intro",
  v: LIFECYCLE_VERSION,
  name: "B",
  game: "g",
  version: "1",
  options: null,
};

function driver() {
  const effects: LifecycleEffect[] = [];
  const heard: MatchEvent[] = [];
  const d = createLifecycleDriver(initialLifecycle(0, me), (e) => void effects.push(e));
  d.on((e) => void heard.push(e));
  return { d, effects, heard };
}

Deno.test("events step the machine; listeners hear nothing before flush", () => {
  const { d, heard } = driver();
  d.dispatch({ type: "connected" });
  assert.equal(d.state.phase, "handshake");
  assert.deepEqual(heard, []);
  d.flush();
  assert.deepEqual(heard, [{ type: "phase", phase: "handshake", previous: "connecting" }]);
});

Deno.test("a step's effects go to the runner in order, before anything is delivered", () => {
  const order: string[] = [];
  const d = createLifecycleDriver(
    initialLifecycle(0, me),
    (e) => void order.push(`effect ${e.type}`),
  );
  d.on((e) => void order.push(`heard ${e.type}`));
  d.dispatch({ type: "connected" }); // our intro goes out
  d.dispatch({ type: "app", data: them }); // both intros: the match starts
  d.flush();
  assert.deepEqual(order, ["effect send", "effect start", "heard phase", "heard phase"]);
});

Deno.test("an effect may dispatch again: its news follows the first step's", () => {
  const heard: MatchEvent[] = [];
  const d = createLifecycleDriver(initialLifecycle(0, me), (e) => {
    if (e.type === "start") d.dispatch({ type: "failed", error: "no game" });
  });
  d.on((e) => void heard.push(e));
  d.dispatch({ type: "connected" });
  d.dispatch({ type: "app", data: them });
  d.flush();
  assert.equal(d.state.phase, "closed");
  const phases = heard.filter((e) => e.type === "phase").map((e) => e.phase);
  assert.deepEqual(phases.slice(-2), ["playing", "closed"]);
  assert.equal(heard.at(-1)?.type, "closed");
});

Deno.test("emit queues the runner's own events among the machine's", () => {
  const { d, heard } = driver();
  d.emit({ type: "problem", message: "x" });
  d.tell({ type: "connected" });
  assert.deepEqual(heard.map((e) => e.type), ["problem", "phase"]);
});

Deno.test("a removed listener hears nothing more", () => {
  const { d } = driver();
  const heard: MatchEvent[] = [];
  const off = d.on((e) => void heard.push(e));
  off();
  d.tell({ type: "connected" });
  assert.deepEqual(heard, []);
});
