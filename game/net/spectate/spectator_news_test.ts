import assert from "node:assert/strict";
import { SPECTATE_START, type SpectateState } from "./spectate_lifecycle.ts";
import { spectateNews } from "./spectator_news.ts";

const playing: SpectateState = { ...SPECTATE_START, phase: "playing" };

Deno.test("a step that keeps the phase is no news", () => {
  assert.deepEqual(spectateNews(SPECTATE_START, { ...SPECTATE_START, message: "x" }), []);
});

Deno.test("a phase change is news", () => {
  assert.deepEqual(spectateNews(SPECTATE_START, playing), [
    { type: "phase", phase: "playing", previous: "connecting" },
  ]);
});

Deno.test("closing says why, and a close without the lobby's reason is a failure", () => {
  const ended: SpectateState = { ...playing, phase: "closed", ended: "player-left", message: "m" };
  assert.deepEqual(spectateNews(playing, ended), [
    { type: "phase", phase: "closed", previous: "playing" },
    { type: "closed", reason: "player-left", message: "m" },
  ]);
  assert.deepEqual(spectateNews(playing, { ...playing, phase: "closed" }), [
    { type: "phase", phase: "closed", previous: "playing" },
    { type: "closed", reason: "failed", message: "" },
  ]);
});
