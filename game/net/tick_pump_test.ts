import assert from "node:assert/strict";
import { createTickPump, startMetronome } from "./tick_pump.ts";

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
