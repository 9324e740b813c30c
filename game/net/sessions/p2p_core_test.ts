import assert from "node:assert/strict";
import { createTestGame } from "../test_game.ts";
import { advanceFrame, createP2PCore, receiveControl, receiveInput } from "./p2p_core.ts";
import type { SessionEffect } from "./session_effect.ts";
import { resolveSessionConfig } from "./session_options.ts";

const link = (tick: number) => ({ nowMs: tick * 1000 / 60, rttMs: 0, rttMinMs: 0 });

function core(inputDelay = 2, maxPrediction = 8) {
  const config = resolveSessionConfig({
    game: createTestGame(),
    transport: null as never,
    localPlayer: 0,
    inputDelay,
    maxPrediction,
  });
  return createP2PCore(config, createTestGame());
}

const sent = (effects: SessionEffect[]) =>
  effects.flatMap((e) => e.type === "send-input" ? [[e.frame, e.input]] : []);

Deno.test("the first tick asks to send the inputs of frames 0..inputDelay, nothing else runs", () => {
  const c = core(3);
  const { outcome, effects } = advanceFrame(c, 7, link(1));
  assert.equal(outcome, "advanced");
  assert.deepEqual(sent(effects), [[0, 0], [1, 0], [2, 0], [3, 7]]);
  assert.deepEqual(effects[0], { type: "set-frame", frame: 0 });
  assert.equal(c.sync.frame, 1);
  assert.equal(c.lastFinal, -1, "nothing is final without the peer's input");
});

Deno.test("without the peer's inputs the core stalls at the prediction cap, as an effect", () => {
  const c = core(2, 4);
  const outcomes = Array.from({ length: 6 }, (_, t) => advanceFrame(c, 1, link(t + 1)));
  assert.deepEqual(outcomes.map((o) => o.outcome), [
    "advanced",
    "advanced",
    "advanced",
    "advanced",
    "stalled",
    "stalled",
  ]);
  assert.deepEqual(outcomes[4].effects.filter((e) => e.type === "event"), [
    { type: "event", event: { type: "stall", frame: 4 } },
  ]);
  assert.equal(c.counters.stalls, 2);
});

Deno.test("peer inputs finalize frames: one confirmed effect each, in order, logged", () => {
  const c = core(0, 8);
  for (let f = 0; f < 5; f++) assert.equal(receiveInput(c, f, 10 + f), true);
  const confirmed: number[][] = [];
  for (let t = 1; t <= 5; t++) {
    for (const e of advanceFrame(c, t, link(t)).effects) {
      if (e.type === "confirmed") confirmed.push([e.frame, e.input0, e.input1]);
    }
  }
  assert.deepEqual(confirmed.map((c) => c[0]), [0, 1, 2, 3, 4], "delay 0: final in its own tick");
  assert.deepEqual(confirmed[1], [1, 2, 11]);
  assert.equal(c.log.frames, 5);
  assert.deepEqual([...c.log.bytes.subarray(0, 4)], [1, 10, 2, 11]);
});

Deno.test("an input out of order or far beyond the window is held back and counted", () => {
  const c = core();
  assert.equal(receiveInput(c, 1, 0), false, "a gap");
  assert.equal(receiveInput(c, 0, 0), true);
  assert.equal(receiveInput(c, 0, 0), false, "a repeat");
  assert.equal(c.counters.rejected, 2);
});

Deno.test("control messages the core does not consume come back as message events", () => {
  const c = core();
  const bye = { kind: "bye", reason: "x" } as const;
  assert.deepEqual(receiveControl(c, bye), [{
    type: "event",
    event: { type: "message", message: bye },
  }]);
  assert.deepEqual(receiveControl(c, { kind: "quality", frame: 0, advantage: 1e9 }), []);
  assert.equal(c.remoteAdvantage, 0x7fff, "clamped to i16");
});

Deno.test("a stopped core does nothing and asks for nothing", () => {
  const c = core();
  c.state = "stopped";
  assert.deepEqual(advanceFrame(c, 0, link(1)), { outcome: "stopped", effects: [] });
  assert.equal(receiveInput(c, 0, 0), false);
});
