import assert from "node:assert/strict";
import { createManualClock } from "./clock.ts";
import { ConnectMarks } from "./connect_timings.ts";

Deno.test("timings count from paired and each step is marked only the first time", () => {
  const clock = createManualClock(1_000);
  const marks = new ConnectMarks(clock, 900);
  assert.deepEqual(Object.values(marks.timings()), [null, null, null, null, null, null, null]);
  marks.mark("start");
  clock.advance(50);
  marks.mark("offer");
  clock.advance(50);
  marks.mark("offer"); // a restart's second offer does not move the first
  marks.mark("open");
  const t = marks.timings();
  assert.equal(t.start, 100);
  assert.equal(t.offer, 150);
  assert.equal(t.open, 200);
  assert.equal(t.answer, null);
});

Deno.test("without paired, timings count from the first mark, and timings() is a copy", () => {
  const clock = createManualClock(5_000);
  const marks = new ConnectMarks(clock);
  marks.mark("start");
  clock.advance(30);
  marks.mark("iceConnected");
  const t = marks.timings();
  assert.equal(t.start, 0);
  assert.equal(t.iceConnected, 30);
  t.start = 99;
  assert.equal(marks.timings().start, 0);
});
