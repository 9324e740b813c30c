import assert from "node:assert/strict";
import { examplePageQuery, TICK_CONDITIONS, tickRow } from "./tick_budget_core.ts";

const page = (ms: number[], rollbacks: number, frames: number, max: number) => ({
  netcodeMs: ms,
  ticksPerFrame: ms.map(() => 1),
  gcPerFrame: ms.map((_, i) => (i === 0 ? 1 : 0)),
  handlerMs: ms.map((v) => v / 2),
  sendMs: ms.map((v) => v / 4),
  rollbacks,
  rollbackFrames: frames,
  maxRollbackDepth: max,
  stalls: 1,
  phase: "playing",
  crossOriginIsolated: true,
  markUs: NaN,
});

Deno.test("a tick row pools both pages: frame times, mean rollback depth, rollbacks per second", () => {
  const row = tickRow(TICK_CONDITIONS[1], 10, [
    page([0.1, 0.2], 10, 80, 8),
    page([0.3, 0.4], 30, 240, 9),
  ]);
  assert.equal(row.frames, 4);
  assert.equal(row.netcodeMs.max, 0.4);
  assert.equal(row.meanRollbackDepth, 8); // 320 frames over 40 rollbacks
  assert.equal(row.maxRollbackDepth, 9);
  assert.equal(row.rollbacksPerS, 2); // 40 rollbacks, 2 pages, 10 s
  assert.equal(row.stalls, 2);
  assert.equal(row.rollbackFrames, 8);
  assert.ok(row.crossOriginIsolated);
  assert.equal(row.gcFrames, 2); // each page's first frame
  assert.equal(row.noGcP99, 0.4); // 0.2 and 0.4 are left
  assert.equal(row.warmP99, 0.4); // each page's second half: 0.2 and 0.4
  // The tail (at or above the p99, which is the 0.4 sample) is that frame alone.
  assert.deepEqual(row.tail, {
    frames: 1,
    meanTicks: 1,
    meanHandlerMs: 0.2,
    meanSendMs: 0.1,
    gcFrames: 0,
  });
  assert.equal(row.sendMsP50, 0.05); // of 0.025, 0.05, 0.075, 0.1 (a sample, not interpolated)
});

Deno.test("the deep condition delays input past 7 frames and plays without input delay", () => {
  const deep = TICK_CONDITIONS.find((c) => c.rollbackFrames === 8)!;
  assert.ok(deep.delayMs > 7 * (1000 / 60) && deep.delayMs < 8 * (1000 / 60));
  assert.equal(deep.inputDelay, 0);
});

Deno.test("the example page plays a bot match with the condition's input delay and send delay", () => {
  const [shallow, deep] = TICK_CONDITIONS;
  assert.equal(examplePageQuery(shallow, 1), "?quick&bot=1&name=bench1&renderer=canvas&delay=2");
  assert.equal(
    examplePageQuery(deep, 2),
    `?quick&bot=2&name=bench2&renderer=canvas&delay=0&sim=delay:${deep.delayMs},seed:2`,
  );
});
