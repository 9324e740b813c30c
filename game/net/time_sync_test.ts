import assert from "node:assert/strict";
import { createTimeSync, type TimeSync } from "./time_sync.ts";

interface Side {
  ts: TimeSync;
  frame: number;
  skips: number[];
}

/**
 * Two sides ticking together; side A starts `skew` frames ahead. Reports go every 4 ticks and
 * arrive `lag` ticks later (plus up to `jitter` extra ticks, drawn from a fixed sequence).
 */
function simulate(skew: number, ticks: number, lag: number, jitter = 0) {
  const a: Side = { ts: createTimeSync(), frame: skew, skips: [] };
  const b: Side = { ts: createTimeSync(), frame: 0, skips: [] };
  const inFlight: { at: number; to: Side; frame: number; advantage: number }[] = [];
  const skews: number[] = [];
  let r = 12345;
  for (let t = 0; t < ticks; t++) {
    for (let i = inFlight.length - 1; i >= 0; i--) {
      const m = inFlight[i];
      if (m.at <= t) {
        m.to.ts.onReport(m.to.frame, m.frame, m.advantage);
        inFlight.splice(i, 1);
      }
    }
    for (const [me, peer] of [[a, b], [b, a]] as const) {
      if (t % 4 === 0) {
        r = (Math.imul(r, 1103515245) + 12345) >>> 0;
        const extra = jitter ? (r >>> 16) % (jitter + 1) : 0;
        inFlight.push({
          at: t + lag + extra,
          to: peer,
          frame: me.frame,
          advantage: me.ts.localAdvantage,
        });
      }
      if (me.ts.shouldSkip()) me.skips.push(t);
      else me.frame++;
    }
    skews.push(a.frame - b.frame);
  }
  return { a, b, skews };
}

Deno.test("a 6-frame skew is pulled back under 2 frames and stays there", () => {
  const { a, b, skews } = simulate(6, 1200, 3, 2);
  assert.equal(b.skips.length, 0, "the side behind never skips");
  assert.ok(a.skips.length >= 5 && a.skips.length <= 7, `skips ${a.skips}`);
  for (const s of skews.slice(600)) assert.ok(Math.abs(s) < 2, `skew ${s}`);
  assert.ok(a.ts.skew >= 0 && a.ts.skew < 1.5, `A's estimate ${a.ts.skew}`);
});

Deno.test("skips are spaced out: never two within skipSpacing ticks", () => {
  const { a } = simulate(12, 1500, 5);
  for (let i = 1; i < a.skips.length; i++) {
    assert.ok(a.skips[i] - a.skips[i - 1] >= 60, `skips at ${a.skips[i - 1]}, ${a.skips[i]}`);
  }
  assert.ok(a.skips.length >= 11, `12 frames need at least 11 skips: ${a.skips}`);
});

Deno.test("with jittery reports, two sides in step do not start skipping", () => {
  const { a, b, skews } = simulate(0, 1500, 4, 3);
  assert.ok(a.skips.length + b.skips.length <= 2, `skips ${a.skips} / ${b.skips}`);
  for (const s of skews) assert.ok(Math.abs(s) < 2);
});

Deno.test("the estimate cancels a symmetric delay: skew, not skew + lag", () => {
  const ts = createTimeSync();
  for (let i = 0; i < 8; i++) ts.onReport(100 + 4 * i, 90 + 4 * i, 6 - 10); // we see +10, peer -4
  assert.equal(ts.localAdvantage, 10);
  assert.equal(ts.remoteAdvantage, -4);
  assert.equal(ts.skew, 7);
});

Deno.test("no skip before warm-up, and bad options are refused", () => {
  const ts = createTimeSync({ warmup: 3, window: 4 });
  ts.onReport(50, 0, 0);
  ts.onReport(54, 4, 0);
  assert.equal(ts.shouldSkip(), false, "two samples: still warming up");
  ts.onReport(58, 8, 0);
  assert.equal(ts.shouldSkip(), true);
  assert.equal(ts.shouldSkip(), false, "spacing");
  assert.throws(() => createTimeSync({ window: 0 }), /window/);
  assert.throws(() => createTimeSync({ skipSpacing: 1.5 }), /skipSpacing/);
  ts.onReport(60, NaN, 0);
  assert.equal(ts.localAdvantage, 50, "a garbage report is ignored");
});
