// Summary statistics for benchmark samples. Pure: no I/O, so the report's numbers are testable.

/** p50/p95/p99/max and friends of one set of samples (same unit as the samples). */
export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Ascending copy; the input is left untouched (callers often keep raw samples for CDFs). */
export function sorted(samples: readonly number[]): number[] {
  return Float64Array.from(samples).sort() as unknown as number[];
}

/**
 * Nearest-rank percentile of ascending `sortedSamples`, `p` in 0..100. Nearest-rank (not
 * interpolation) so a reported p99 is a latency that really happened. NaN for no samples.
 */
export function percentile(sortedSamples: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const n = sortedSamples.length;
  if (n === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sortedSamples[rank - 1];
}

/** Summary of `samples`; every field is NaN (n 0) for an empty set, never a throw. */
export function summarize(samples: readonly number[]): Summary {
  const s = Float64Array.from(samples).sort();
  const n = s.length;
  let sum = 0;
  for (const x of s) sum += x;
  return {
    n,
    min: n ? s[0] : NaN,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: n ? s[n - 1] : NaN,
    mean: n ? sum / n : NaN,
  };
}

/**
 * Points of the empirical CDF, thinned to at most `maxPoints` so an SVG of 100k samples stays
 * small; always keeps the first and the last sample (the tail is the interesting part).
 */
export function cdfPoints(samples: readonly number[], maxPoints = 400): [number, number][] {
  const s = Float64Array.from(samples).sort();
  const n = s.length;
  if (n === 0) return [];
  const step = Math.max(1, Math.floor(n / maxPoints));
  const out: [number, number][] = [];
  for (let i = 0; i < n; i += step) out.push([s[i], (i + 1) / n]);
  if (out[out.length - 1][1] !== 1) out.push([s[n - 1], 1]);
  return out;
}

/** Rounds for display and JSON: keeps 3 significant decimals without turning 0.0004 into 0. */
export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return r === 0 && x !== 0 ? Number(x.toPrecision(2)) : r;
}

/** Summary with every field rounded, for the JSON report. */
export function roundSummary(s: Summary, digits = 3): Summary {
  return {
    n: s.n,
    min: round(s.min, digits),
    p50: round(s.p50, digits),
    p95: round(s.p95, digits),
    p99: round(s.p99, digits),
    max: round(s.max, digits),
    mean: round(s.mean, digits),
  };
}

/** First index of a list sorted by `t` whose `t >= x` (binary search). */
export function firstAtOrAfter(list: readonly { t: number }[], x: number): number {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].t < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
