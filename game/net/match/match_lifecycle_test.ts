import assert from "node:assert/strict";
import {
  initialLifecycle,
  LIFECYCLE_VERSION,
  type LifecycleEffect,
  type LifecycleEvent,
  type LifecycleState,
  MAX_INTRO_ANSWERS,
  parseAppMessage,
  step,
} from "./match_lifecycle.ts";

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

const me = (name: string, options: unknown = null) => ({ name, game: "g", version: "1", options });
const intro = (name: string, options: unknown = null, extra: object = {}) => ({
  t: "intro",
  v: LIFECYCLE_VERSION,
  name,
  game: "g",
  version: "1",
  options,
  ...extra,
});

function started(player: 0 | 1 = 0) {
  return run(initialLifecycle(player, me("me")), [
    { type: "connected" },
    { type: "app", data: intro("them") },
  ]);
}

Deno.test("handshake: intros both ways, then both peers agree on names and options by player", () => {
  const a = run(initialLifecycle(0, me("ann", { bot: true })), [
    { type: "connected" },
    { type: "app", data: intro("bob", { bot: false }) },
  ]);
  // The answerer hears the intro before its own channel reports open: order must not matter.
  const b = run(initialLifecycle(1, me("bob", { bot: false })), [
    { type: "app", data: intro("ann", { bot: true }) },
    { type: "connected" },
  ]);
  assert.equal(a.state.phase, "playing");
  assert.equal(b.state.phase, "playing");
  assert.deepEqual(a.state.agreement, b.state.agreement);
  assert.deepEqual(a.state.agreement?.names, ["ann", "bob"]);
  assert.deepEqual(a.state.agreement?.options, [{ bot: true }, { bot: false }]);
  assert.deepEqual(a.effects[0], { type: "send", message: intro("ann", { bot: true }) });
  assert.equal(a.effects.filter((e) => e.type === "start").length, 1);
  assert.deepEqual(b.effects.at(-1), { type: "start", agreement: b.state.agreement });
});

Deno.test("a handshake that has not heard the peer asks again; a peer that has agreed answers once, never bouncing", () => {
  const waiting = run(initialLifecycle(1, me("b")), [{ type: "connected" }]);
  const ask = step(waiting.state, { type: "handshake-retry" });
  assert.equal(ask.state, waiting.state);
  assert.deepEqual(ask.effects, [{ type: "send", message: { ...intro("b"), again: true } }]);

  // The other side is already playing (it heard us); it answers the ask with its plain intro.
  const { state } = started();
  const answer = step(state, { type: "app", data: intro("them", null, { again: true }) });
  assert.equal(answer.state.phase, "playing");
  assert.deepEqual(answer.state.agreement, state.agreement);
  assert.deepEqual(answer.effects, [{ type: "send", message: intro("me") }]);
  // A peer that keeps asking is answered a bounded number of times, then ignored.
  let s = state, answers = 0;
  for (let i = 0; i < 1000; i++) {
    const r = step(s, { type: "app", data: intro("them", null, { again: true }) });
    s = r.state;
    answers += r.effects.length;
  }
  assert.equal(answers, MAX_INTRO_ANSWERS);
  // A plain repeated intro (such as that answer arriving twice) is not answered.
  assert.equal(step(state, { type: "app", data: intro("them") }).effects.length, 0);

  // Both intros lost: the first one we hear is an ask, so ours goes out with the start.
  const both = step(waiting.state, { type: "app", data: intro("them", null, { again: true }) });
  assert.equal(both.state.phase, "playing");
  assert.deepEqual(both.effects[0], { type: "send", message: intro("b") });

  // The asker hears the answer and starts; the flag is not kept as part of the agreement.
  const done = step(waiting.state, { type: "app", data: intro("me") });
  assert.equal(done.state.phase, "playing");
  assert.equal("again" in (done.state.remoteIntro ?? {}), false);
  // Once started, or before the channels open, there is nobody to ask.
  assert.equal(step(done.state, { type: "handshake-retry" }).effects.length, 0);
  assert.equal(step(initialLifecycle(0, me("a")), { type: "handshake-retry" }).effects.length, 0);
  // Only `again: true` asks; any other value is a plain intro.
  assert.equal(parseAppMessage(intro("x", null, { again: 1 }))?.t, "intro");
  assert.equal("again" in (parseAppMessage(intro("x", null, { again: 1 })) ?? {}), false);
});

Deno.test("no start before the peer's intro, and a second intro cannot change the agreement", () => {
  const waiting = run(initialLifecycle(0, me("a")), [{ type: "connected" }]);
  assert.equal(waiting.state.phase, "handshake");
  assert.ok(!waiting.effects.some((e) => e.type === "start"));
  const { state } = started();
  const again = step(state, { type: "app", data: intro("evil", { bot: true }) });
  assert.equal(again.state, state);
  assert.equal(again.effects.length, 0);
});

Deno.test("the end and a new match are taken from the confirmed simulation", () => {
  let { state } = started();
  assert.equal(step(state, { type: "sim", match: 0, over: false }).state, state);
  state = step(state, { type: "sim", match: 0, over: true }).state;
  assert.equal(state.phase, "ended");
  state = step(state, { type: "rematch" }).state;
  state = step(state, { type: "app", data: { t: "rematch", match: 0 } }).state;
  assert.equal(state.phase, "rematch");
  // A repeated report of the old match's end changes nothing.
  assert.equal(step(state, { type: "sim", match: 0, over: true }).state, state);
  state = step(state, { type: "sim", match: 1, over: false }).state;
  assert.equal(state.phase, "playing");
  assert.equal(state.match, 1);
  assert.deepEqual(state.rematch, { local: false, remote: false });
});

Deno.test("a peer's rematch request that beats our own view of the end is kept for it", () => {
  let { state } = started();
  // Our own request only counts on the end screen; another match's request never.
  assert.equal(step(state, { type: "rematch" }).state, state);
  assert.equal(step(state, { type: "app", data: { t: "rematch", match: 3 } }).state, state);
  state = step(state, { type: "app", data: { t: "rematch", match: 0 } }).state;
  assert.equal(state.phase, "playing");
  assert.ok(state.rematch.remote);
  state = step(state, { type: "sim", match: 0, over: true }).state;
  assert.equal(state.phase, "ended");
  assert.match(state.message ?? "", /wants a rematch/);
  const asked = step(state, { type: "rematch" });
  assert.equal(asked.state.phase, "rematch");
  assert.deepEqual(asked.effects, [{ type: "send", message: { t: "rematch", match: 0 } }]);
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
    assert.equal(step(r.state, { type: "sim", match: 1, over: false }).state, r.state);
  }
  const early = step(initialLifecycle(1, me("x")), { type: "failed", error: "timeout" });
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

Deno.test("leaving sends leave and closes; another lifecycle, game or build is refused", () => {
  const r = step(started().state, { type: "leave" });
  assert.equal(r.state.phase, "left");
  assert.deepEqual(r.effects, [{ type: "send", message: { t: "leave", reason: "left" } }, {
    type: "close",
  }]);
  const refusals: [object, RegExp][] = [
    [{ v: LIFECYCLE_VERSION + 1 }, /lifecycle v/],
    [{ game: "other" }, /game "other"/],
    [{ version: "2" }, /version "2"/],
  ];
  for (const [extra, detail] of refusals) {
    const x = run(initialLifecycle(0, me("a")), [
      { type: "connected" },
      { type: "app", data: intro("b", null, extra) },
    ]);
    assert.equal(x.state.closeReason, "incompatible");
    assert.match(x.state.message ?? "", detail);
    assert.ok(!x.effects.some((e) => e.type === "start"));
  }
});

Deno.test("parseAppMessage rejects junk without throwing", () => {
  const junk = [
    null,
    5,
    "x",
    [],
    {},
    { t: "nope" },
    { t: "rematch" },
    { t: "rematch", match: -1 },
    { t: "intro", v: 2 },
    { ...intro("a"), name: 3 },
    { ...intro("a"), game: 1 },
    { ...intro("a"), version: null },
    { ...intro("x".repeat(257)) },
  ];
  for (const j of junk) assert.equal(parseAppMessage(j), null, JSON.stringify(j));
  assert.deepEqual(parseAppMessage({ t: "leave" }), { t: "leave", reason: "" });
  assert.equal(parseAppMessage({ ...intro("a"), options: undefined })?.t, "intro");
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
