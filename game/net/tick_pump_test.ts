import assert from "node:assert/strict";
import { createTickPump, startFrameLoop, startMetronome } from "./tick_pump.ts";

Deno.test("two sources pumping never count the same time twice", () => {
  const dts: number[] = [];
  const p = createTickPump((dt) => dts.push(dt));
  p.pump(1000); // first call only sets the origin
  p.pump(1016); // render loop
  p.pump(1020); // worker beat
  p.pump(1020); // same instant from the other source: nothing
  p.pump(1033);
  assert.deepEqual(dts, [16, 4, 13]);
  assert.equal(dts.reduce((a, b) => a + b, 0), 33);
});

Deno.test("a long gap is cut; time going backwards or NaN resets quietly", () => {
  const dts: number[] = [];
  const p = createTickPump((dt) => dts.push(dt), 100);
  p.pump(0);
  p.pump(5000);
  p.pump(4000);
  p.pump(Number.NaN);
  p.pump(4010);
  assert.deepEqual(dts, [100, 10]);
});

Deno.test("the metronome beats and stops", async () => {
  let beats = 0;
  const stop = startMetronome(5, () => beats++);
  await new Promise((r) => setTimeout(r, 80));
  stop();
  const seen = beats;
  assert.ok(seen >= 3, `beats ${seen}`);
  await new Promise((r) => setTimeout(r, 40));
  assert.ok(beats <= seen + 1);
});

Deno.test("the frame loop updates then draws on each animation frame; a throwing draw does not stop it", () => {
  // Animation frames by hand: Deno has none.
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = [g.requestAnimationFrame, g.cancelAnimationFrame, g.document];
  let next: (() => void) | null = null;
  let cancelled = 0;
  g.requestAnimationFrame = (cb: () => void) => {
    next = cb;
    return 1;
  };
  g.cancelAnimationFrame = () => cancelled++;
  // A visible tab: only the frames drive it, the worker's beats do nothing.
  g.document = { hidden: false };
  const log: string[] = [];
  let throwOnce = true;
  const stop = startFrameLoop(60_000, (dt) => log.push(`update ${dt > 0}`), () => {
    log.push("draw");
    if (throwOnce) {
      throwOnce = false;
      throw new Error("a render bug");
    }
  });
  const realError = console.error;
  console.error = () => {};
  try {
    for (let i = 0; i < 3; i++) {
      const f = next!;
      next = null;
      const until = performance.now() + 2;
      while (performance.now() < until) { /* let time pass between frames */ }
      f();
    }
  } finally {
    console.error = realError;
    stop();
    [g.requestAnimationFrame, g.cancelAnimationFrame, g.document] = saved;
  }
  // The first frame only starts the clock; each later one hands its time to update, then draws.
  assert.deepEqual(log, ["draw", "update true", "draw", "update true", "draw"]);
  assert.equal(cancelled, 1);
});
