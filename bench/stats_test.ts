import assert from "node:assert/strict";
import { cdfPoints, firstAtOrAfter, percentile, round, sorted, summarize } from "./stats.ts";

Deno.test("percentile uses nearest rank on sorted samples", () => {
  const s = sorted([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
  assert.equal(percentile(s, 50), 5);
  assert.equal(percentile(s, 90), 9);
  assert.equal(percentile(s, 99), 10);
  assert.equal(percentile(s, 0), 1);
  assert.equal(percentile(s, 100), 10);
});

Deno.test("percentile of no samples is NaN and a bad p is a clear error", () => {
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.throws(() => percentile([1], 101), /0\.\.100/);
  assert.throws(() => percentile([1], NaN), /0\.\.100/);
});

Deno.test("summarize reports the tail of a skewed set without mutating it", () => {
  const xs = Array.from({ length: 1000 }, (_, i) => (i === 999 ? 500 : 1 + (i % 10)));
  const copy = [...xs];
  const s = summarize(xs);
  assert.deepEqual(xs, copy);
  assert.equal(s.n, 1000);
  assert.equal(s.min, 1);
  assert.equal(s.p50, 5);
  assert.equal(s.p99, 10);
  assert.equal(s.max, 500);
  assert.ok(Math.abs(s.mean - (5500 - 10 + 500) / 1000) < 1e-9);
});

Deno.test("summarize of nothing is all NaN, not a throw", () => {
  const s = summarize([]);
  assert.equal(s.n, 0);
  assert.ok(Number.isNaN(s.p50) && Number.isNaN(s.max) && Number.isNaN(s.mean));
});

Deno.test("cdfPoints is monotone, bounded and ends at the maximum with probability 1", () => {
  const xs = Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 10_007);
  const pts = cdfPoints(xs, 100);
  assert.ok(pts.length <= 102);
  for (let i = 1; i < pts.length; i++) {
    assert.ok(pts[i][0] >= pts[i - 1][0]);
    assert.ok(pts[i][1] > pts[i - 1][1]);
  }
  assert.deepEqual(pts[pts.length - 1], [Math.max(...xs), 1]);
  assert.deepEqual(cdfPoints([]), []);
});

Deno.test("round keeps tiny non-zero values visible", () => {
  assert.equal(round(1.23456), 1.235);
  assert.equal(round(0.00042), 0.00042);
  assert.equal(round(0), 0);
  assert.ok(Number.isNaN(round(NaN)));
});

Deno.test("firstAtOrAfter finds the first item at or after a time, or the end", () => {
  const list = [{ t: 1 }, { t: 2 }, { t: 2 }, { t: 5 }];
  assert.equal(firstAtOrAfter(list, 0), 0);
  assert.equal(firstAtOrAfter(list, 2), 1);
  assert.equal(firstAtOrAfter(list, 3), 3);
  assert.equal(firstAtOrAfter(list, 6), 4);
  assert.equal(firstAtOrAfter([], 1), 0);
});
