import assert from "node:assert/strict";
import { createTimeSync } from "./time_sync.ts";

const T = 1000 / 60;

Deno.test("the skew estimate cancels the one-way delay: peer frame plus half the RTT", () => {
  const ts = createTimeSync();
  // The peer is at frame 100 + i at time i*T; its packets take 30 ms; the RTT is 60 ms.
  for (let i = 0; i < 10; i++) ts.onPeerFrame(100 + i, i * T + 30);
  const now = 10 * T;
  // At `now` the peer is at frame 110; we are at 113: three frames ahead.
  assert.equal(ts.update(113, now, 60), "skip");
  assert.ok(Math.abs(ts.skew - 3) < 1e-9, `skew ${ts.skew}`);
  const behind = createTimeSync();
  for (let i = 0; i < 10; i++) behind.onPeerFrame(100 + i, i * T + 30);
  assert.equal(behind.update(110, now, 60), "none", "in step");
  assert.ok(Math.abs(behind.skew) < 1e-9);
});

Deno.test("the least delayed sample wins: jitter and resends do not bias the estimate", () => {
  const ts = createTimeSync({ windowMs: 1000 });
  // Every sample delayed 20..60 ms, except one at the floor of 20 ms; resends (8 ms later,
  // same frame) look older still.
  for (let i = 0; i < 30; i++) {
    const extra = i === 17 ? 0 : 5 + ((i * 37) % 35);
    ts.onPeerFrame(200 + i, i * T + 20 + extra);
    ts.onPeerFrame(200 + i, i * T + 28 + extra);
  }
  ts.update(230, 30 * T, 40);
  assert.ok(Math.abs(ts.skew) < 1e-9, `skew ${ts.skew}: must come from the 20 ms sample`);
});

Deno.test("the side behind catches up every other tick; the side ahead skips, spaced", () => {
  const behind = createTimeSync();
  const ahead = createTimeSync({ skipSpacing: 20 });
  const advice: string[] = [], skips: number[] = [];
  for (let t = 0; t < 60; t++) {
    const now = t * T;
    // The peer runs 5 frames ahead of `behind` and 5 behind `ahead`, in both cases 20 ms away.
    behind.onPeerFrame(t + 5, now + 20);
    ahead.onPeerFrame(t, now + 20);
    if (t < 3) continue;
    advice.push(behind.update(t, now + 20, 40));
    if (ahead.update(t + 5, now + 20, 40) === "skip") skips.push(t);
  }
  assert.deepEqual(advice.slice(0, 4), ["catch-up", "none", "catch-up", "none"]);
  assert.deepEqual(skips, [3, 23, 43], "one skip every 20 ticks");
});

Deno.test("no advice without an RTT or before enough fresh samples; old samples expire", () => {
  const ts = createTimeSync({ warmup: 3, windowMs: 100 });
  ts.onPeerFrame(50, 0);
  ts.onPeerFrame(51, T);
  assert.equal(ts.update(0, 2 * T, 40), "none", "two samples: warming up");
  ts.onPeerFrame(52, 2 * T);
  assert.equal(ts.update(0, 2 * T, 0), "none", "no RTT yet");
  assert.equal(ts.update(0, 2 * T, 40), "catch-up");
  // 100 ms later every sample has left the window: a frozen peer tells us nothing.
  assert.equal(ts.update(0, 2 * T + 101, 40), "none");
});

Deno.test("forged frames claiming an impossible skew are refused and counted", () => {
  const ts = createTimeSync();
  for (let i = 0; i < 5; i++) ts.onPeerFrame(i, i * T);
  ts.update(5, 5 * T, 20);
  ts.onPeerFrame(0xffff_ffff, 6 * T);
  ts.onPeerFrame(NaN, 6 * T);
  assert.equal(ts.rejected, 1);
  assert.ok(Math.abs(ts.skew) < 2, `skew ${ts.skew}`);
  assert.throws(() => createTimeSync({ skipSpacing: 0 }), /skipSpacing/);
  assert.throws(() => createTimeSync({ windowMs: -1 }), /windowMs/);
});
