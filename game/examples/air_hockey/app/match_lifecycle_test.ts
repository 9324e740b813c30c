import assert from "node:assert/strict";
import {
  initialLifecycle,
  type LifecycleEffect,
  type LifecycleEvent,
  type LifecycleState,
  matchConfig,
  parseAppMessage,
  step,
} from "./match_lifecycle.ts";
import { BOT_RULES, HUMAN_RULES } from "../sim/hockey.ts";

/** Runs events through the machine, collecting every effect. */
function run(state: LifecycleState, events: LifecycleEvent[]) {
  const effects: LifecycleEffect[] = [];
  for (const e of events) {
    const r = step(state, e);
    state = r.state;
    effects.push(...r.effects);
  }
  return { state, effects };
}

const intro = (name: string, seed: number, bot = false) => ({ t: "intro", v: 1, name, bot, seed });

function started(player: 0 | 1 = 0) {
  return run(initialLifecycle(player, { name: "me", bot: false, seed: 10 }), [
    { type: "connected" },
    { type: "app", data: intro("them", 20) },
  ]);
}

Deno.test("handshake: intros both ways, then both peers derive the same rules and start", () => {
  const a = run(initialLifecycle(0, { name: "ann", bot: false, seed: 111 }), [
    { type: "connected" },
    { type: "app", data: intro("bob", 222) },
  ]);
  // The answerer hears the intro before its own channel reports open: order must not matter.
  const b = run(initialLifecycle(1, { name: "bob", bot: false, seed: 222 }), [
    { type: "app", data: intro("ann", 111) },
    { type: "connected" },
  ]);
  assert.equal(a.state.phase, "countdown");
  assert.equal(b.state.phase, "countdown");
  assert.deepEqual(a.state.config, b.state.config);
  assert.deepEqual(a.effects[0], { type: "send", message: intro("ann", 111) });
  assert.deepEqual(a.effects.filter((e) => e.type === "start").length, 1);
  assert.deepEqual(b.effects.at(-1), { type: "start", config: b.state.config });
});

Deno.test("no start before the peer's intro, and a second intro cannot change the rules", () => {
  const waiting = run(initialLifecycle(0, { name: "a", bot: false, seed: 1 }), [{
    type: "connected",
  }]);
  assert.equal(waiting.state.phase, "handshake");
  assert.ok(!waiting.effects.some((e) => e.type === "start"));
  const { state } = started();
  const again = step(state, { type: "app", data: intro("evil", 999, true) });
  assert.equal(again.state, state);
  assert.equal(again.effects.length, 0);
});

Deno.test("matchConfig: bots play on the clock, people to seven; the seed mixes both shares", () => {
  const human = matchConfig(intro("a", 1) as never, intro("b", 2) as never);
  assert.equal(human.pointsToWin, HUMAN_RULES.pointsToWin);
  const bots = matchConfig(intro("a", 1, true) as never, intro("b", 2) as never);
  assert.equal(bots.pointsToWin, BOT_RULES.pointsToWin);
  assert.equal(bots.timeLimitTicks, BOT_RULES.timeLimitTicks);
  const swapped = matchConfig(intro("b", 2) as never, intro("a", 1) as never);
  assert.notEqual(human.seed, swapped.seed, "the seed depends on who is player 0");
});

Deno.test("the phase follows the simulation, including a rolled-back goal", () => {
  let { state } = started();
  for (const phase of ["playing", "scored", "playing", "scored", "countdown", "playing"] as const) {
    state = step(state, { type: "sim", phase, match: 1 }).state;
    assert.equal(state.phase, phase);
  }
});

Deno.test("rematch: both must agree; then the next match resets the request", () => {
  let { state } = started();
  state = step(state, { type: "sim", phase: "ended", match: 1 }).state;
  let r = step(state, { type: "rematch" });
  assert.deepEqual(r.effects, [{ type: "send", message: { t: "rematch" } }]);
  assert.equal(r.state.phase, "ended");
  assert.match(r.state.message ?? "", /Waiting for your opponent/);
  assert.equal(step(r.state, { type: "rematch" }).effects.length, 0, "asking twice sends once");
  r = step(r.state, { type: "app", data: { t: "rematch" } });
  assert.equal(r.state.phase, "rematch");
  // The simulation has not restarted yet: stay in rematch.
  assert.equal(step(r.state, { type: "sim", phase: "ended", match: 1 }).state.phase, "rematch");
  state = step(r.state, { type: "sim", phase: "countdown", match: 2 }).state;
  assert.equal(state.phase, "countdown");
  assert.deepEqual(state.rematch, { local: false, remote: false });
});

Deno.test("a rematch request from the peer is shown, and ignored outside the end screen", () => {
  let { state } = started();
  state = step(state, { type: "sim", phase: "playing", match: 1 }).state;
  assert.equal(step(state, { type: "app", data: { t: "rematch" } }).state, state);
  state = step(state, { type: "sim", phase: "ended", match: 1 }).state;
  state = step(state, { type: "app", data: { t: "rematch" } }).state;
  assert.match(state.message ?? "", /wants a rematch/);
  assert.equal(step(state, { type: "rematch" }).state.phase, "rematch");
});

Deno.test("the peer leaving, dropping or failing closes with a clear message", () => {
  const cases: [LifecycleEvent, RegExp][] = [
    [{ type: "peer-left" }, /left the match/],
    [{ type: "app", data: { t: "leave", reason: "bye" } }, /left the match/],
    [{ type: "link", state: "disconnected" }, /Lost the connection/],
    [{ type: "link", state: "closed" }, /left the match/],
    [{ type: "failed", error: "ICE failed" }, /Lost the connection.*ICE failed/],
  ];
  for (const [event, message] of cases) {
    const r = step(started().state, event);
    assert.equal(r.state.phase, "closed", event.type);
    assert.match(r.state.message ?? "", message);
    assert.deepEqual(r.effects, [{ type: "close" }]);
    // Terminal: nothing moves it any more.
    assert.equal(step(r.state, { type: "sim", phase: "playing", match: 1 }).state, r.state);
  }
  const early = step(initialLifecycle(1, { name: "x", bot: false, seed: 1 }), {
    type: "failed",
    error: "timeout",
  });
  assert.equal(early.state.closeReason, "failed");
  assert.match(early.state.message ?? "", /Could not connect/);
});

Deno.test("an interrupted link shows reconnecting, and recovers", () => {
  let { state } = started();
  state = step(state, { type: "link", state: "interrupted" }).state;
  assert.ok(state.interrupted);
  assert.match(state.message ?? "", /reconnecting/);
  state = step(state, { type: "link", state: "open" }).state;
  assert.equal(state.interrupted, false);
  assert.equal(state.message, null);
});

Deno.test("leaving sends leave and closes; an incompatible peer is refused", () => {
  const r = step(started().state, { type: "leave" });
  assert.equal(r.state.phase, "left");
  assert.deepEqual(r.effects, [{ type: "send", message: { t: "leave", reason: "left" } }, {
    type: "close",
  }]);
  const old = run(initialLifecycle(0, { name: "a", bot: false, seed: 1 }), [
    { type: "connected" },
    { type: "app", data: { ...intro("b", 2), v: 2 } },
  ]);
  assert.equal(old.state.closeReason, "incompatible");
});

Deno.test("parseAppMessage rejects junk without throwing", () => {
  for (
    const junk of [null, 5, "x", [], {}, { t: "nope" }, { t: "intro", v: 1 }, {
      t: "intro",
      v: 1,
      name: 3,
      bot: false,
      seed: 1,
    }]
  ) {
    assert.equal(parseAppMessage(junk), null, JSON.stringify(junk));
  }
  assert.deepEqual(parseAppMessage({ t: "leave" }), { t: "leave", reason: "" });
  const state = started().state;
  assert.equal(step(state, { type: "app", data: { t: "nope" } }).state, state);
});

Deno.test("waiting on a stalled peer shows a message and clears", () => {
  let { state } = started();
  state = step(state, { type: "waiting", waiting: true }).state;
  assert.match(state.message ?? "", /Waiting for your opponent/);
  assert.equal(step(state, { type: "waiting", waiting: true }).state, state);
  state = step(state, { type: "waiting", waiting: false }).state;
  assert.equal(state.message, null);
});
