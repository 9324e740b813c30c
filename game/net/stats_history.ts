/**
 * Rolling network numbers for the overlay: rollbacks and stalls per second, the deepest recent
 * rollback, and a ring of samples (RTT and rollback depth) for the small graph. Pure: the caller
 * passes the time, so it is tested without clocks.
 *
 * @module
 */

/** One point of the graph. */
export interface StatsSample {
  /** Milliseconds (the caller's clock). */
  t: number;
  rttMs: number;
  /** Deepest rollback since the previous sample, in frames. */
  rollbackDepth: number;
}

/** The rolling record. */
export interface StatsHistory {
  /** Notes a rollback of `depth` frames at time `t`. */
  rollback(t: number, depth: number): void;
  /** Notes a stalled tick at time `t`. */
  stall(t: number): void;
  /** Adds a graph point with the current RTT and the deepest rollback since the last point. */
  sample(t: number, rttMs: number): void;
  /** Rollbacks during the last `windowMs` before `t`, scaled to one second. */
  rollbacksPerSecond(t: number): number;
  /** Stalled ticks during the last window, per second. */
  stallsPerSecond(t: number): number;
  /** Deepest rollback in the last window (0 if none). */
  maxDepth(t: number): number;
  /** Graph points, oldest first. */
  samples(): StatsSample[];
}

/** Options of {@link createStatsHistory}. */
export interface StatsHistoryOptions {
  /** Graph points kept (default 120: 12 s at one point per 100 ms). */
  capacity?: number;
  /** Window of the per-second rates (default 1000 ms). */
  windowMs?: number;
}

/** Creates an empty history. */
export function createStatsHistory(opts: StatsHistoryOptions = {}): StatsHistory {
  const capacity = opts.capacity ?? 120;
  const windowMs = opts.windowMs ?? 1000;
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
  const ring: StatsSample[] = [];
  let head = 0;
  let depthSinceSample = 0;
  // Recent events as [time, depth]; pruned to the window on every write and read.
  const rollbacks: [number, number][] = [];
  const stalls: number[] = [];

  const prune = (t: number) => {
    while (rollbacks.length > 0 && rollbacks[0][0] <= t - windowMs) rollbacks.shift();
    while (stalls.length > 0 && stalls[0] <= t - windowMs) stalls.shift();
  };
  const perSecond = (n: number) => (n * 1000) / windowMs;

  return {
    rollback(t, depth) {
      rollbacks.push([t, depth]);
      depthSinceSample = Math.max(depthSinceSample, depth);
      prune(t);
    },
    stall(t) {
      stalls.push(t);
      prune(t);
    },
    sample(t, rttMs) {
      const s = { t, rttMs, rollbackDepth: depthSinceSample };
      depthSinceSample = 0;
      if (ring.length < capacity) ring.push(s);
      else {
        ring[head] = s;
        head = (head + 1) % capacity;
      }
    },
    rollbacksPerSecond(t) {
      prune(t);
      return perSecond(rollbacks.length);
    },
    stallsPerSecond(t) {
      prune(t);
      return perSecond(stalls.length);
    },
    maxDepth(t) {
      prune(t);
      return rollbacks.reduce((m, [, d]) => Math.max(m, d), 0);
    },
    samples() {
      return [...ring.slice(head), ...ring.slice(0, head)];
    },
  };
}
