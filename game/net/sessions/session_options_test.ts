import assert from "node:assert/strict";
import { createTestGame } from "../test_game.ts";
import { resolveSessionConfig } from "./session_options.ts";

const base = { game: createTestGame(), transport: null as never, localPlayer: 0 as const };

Deno.test("the defaults are the GGPO model's: delay 2, prediction 8, a checksum a second", () => {
  assert.deepEqual(resolveSessionConfig(base), {
    localPlayer: 0,
    inputDelay: 2,
    maxPrediction: 8,
    checksumInterval: 60,
    checksumHistory: 216_000,
    sparseSaving: false,
    timeSync: undefined,
    autoInputDelay: null,
  });
  assert.deepEqual(resolveSessionConfig({ ...base, autoInputDelay: true }).autoInputDelay, {
    min: 1,
    max: 6,
  });
});

Deno.test("every bad option is a RangeError that names it", () => {
  const bad: [object, RegExp][] = [
    [{ localPlayer: 2 }, /localPlayer/],
    [{ inputDelay: 31 }, /inputDelay/],
    [{ inputDelay: 1.5 }, /inputDelay/],
    [{ maxPrediction: -1 }, /maxPrediction/],
    [{ inputDelay: 0, maxPrediction: 0 }, /lockstep/],
    [{ checksumHistory: 0 }, /checksumHistory/],
    [{ autoInputDelay: { min: 5, max: 2 } }, /min must be <= max/],
  ];
  for (const [o, re] of bad) assert.throws(() => resolveSessionConfig({ ...base, ...o }), re);
});
