import assert from "node:assert/strict";
import {
  SPECTATE_START,
  type SpectateEvent,
  type SpectateState,
  spectateStep,
} from "./spectate_lifecycle.ts";
import { testHeader } from "../testing/stream_header.ts";

const header = testHeader;
const bytes = Uint8Array.of(1, 2);

function run(events: SpectateEvent[], from: SpectateState = SPECTATE_START) {
  let state = from;
  const effects: string[] = [];
  for (const e of events) {
    const r = spectateStep(state, e);
    state = r.state;
    for (const x of r.effects) effects.push(x.type);
  }
  return { state, effects };
}

Deno.test("watching with a header starts at once; batches are pushed", () => {
  const r = run([
    { type: "watching", header },
    { type: "stream", from: 0, inputs: bytes },
    { type: "stream", from: 1, inputs: bytes },
  ]);
  assert.equal(r.state.phase, "playing");
  assert.deepEqual(r.state.header, header);
  assert.deepEqual(r.effects, ["start", "push", "push"]);
});

Deno.test("watching before the stream began: the first batch brings the header", () => {
  const waiting = run([{ type: "watching" }, { type: "simulated", over: false, playedOut: true }]);
  assert.equal(waiting.state.phase, "connecting");
  const r = run([{ type: "stream", from: 0, inputs: bytes, header }], waiting.state);
  assert.equal(r.state.phase, "playing");
  assert.deepEqual(r.effects, ["start", "push"]);
});

Deno.test("the match over on screen is ended; a rematch plays again", () => {
  const r = run([
    { type: "watching", header },
    { type: "simulated", over: true, playedOut: false },
  ]);
  assert.equal(r.state.phase, "ended");
  assert.equal(
    run([{ type: "simulated", over: false, playedOut: false }], r.state).state.phase,
    "playing",
  );
});

Deno.test("stream-end plays out what was received, then ends or closes with the reason", () => {
  const base = run([{ type: "watching", header }, { type: "stream-end", reason: "match-over" }]);
  assert.equal(base.state.phase, "playing", "still playing out");
  assert.deepEqual(base.effects, ["start", "end"]);
  assert.equal(base.state.message, "The match is over.");
  assert.equal(run([{ type: "stream", from: 0, inputs: bytes }], base.state).effects.length, 0);
  const over = run([{ type: "simulated", over: true, playedOut: true }], base.state).state;
  assert.equal(over.phase, "ended");
  const left = run([
    { type: "watching", header },
    { type: "stream-end", reason: "player-left" },
    { type: "simulated", over: false, playedOut: false },
  ]).state;
  assert.equal(left.phase, "playing");
  const closed = run([{ type: "simulated", over: false, playedOut: true }], left).state;
  assert.equal(closed.phase, "closed");
  assert.equal(closed.ended, "player-left");
  assert.equal(closed.message, "A player left the match.");
});

Deno.test("damaged, headless or gapped streams and failures close with a sentence", () => {
  for (
    const events of [
      [{ type: "watching", header }, { type: "stream", from: 0, inputs: null }],
      [{ type: "watching" }, { type: "stream", from: 0, inputs: bytes }],
      [{ type: "watching", header }, { type: "rejected" }],
      [{ type: "failed", error: "no such room" }],
      [{ type: "watching" }, { type: "stream-end", reason: "player-left" }],
    ] as SpectateEvent[][]
  ) {
    const r = run(events);
    assert.equal(r.state.phase, "closed", JSON.stringify(events));
    assert.ok(r.state.message);
    assert.equal(r.effects.at(-1), "end");
    // Closed is final.
    assert.deepEqual(run([{ type: "watching", header }, { type: "leave" }], r.state).effects, []);
  }
});

Deno.test("leave from any live phase leaves the lobby room once", () => {
  const r = run([{ type: "watching", header }, { type: "leave" }, { type: "leave" }]);
  assert.equal(r.state.phase, "left");
  assert.deepEqual(r.effects, ["start", "leave-lobby"]);
});
