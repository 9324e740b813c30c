/**
 * Time sync: keeps two peers' frame counters within about a frame of each other, so neither side
 * predicts (and rolls back) much more than the other or runs into the prediction window.
 *
 * Each side regularly sends a `quality` report carrying its current frame and its own view of the
 * frame advantage. On receipt, `localFrame - reportFrame` is a sample of (skew + one-way delay);
 * the smallest sample of a short window is kept (delays only ever add, so the minimum is the least
 * delayed one). The peer reports the same measured from its side, (-skew + its one-way delay), so
 * half their difference is the skew with the delays cancelled, without needing a clock or an RTT:
 *
 *     skew = (localAdvantage - remoteAdvantage) / 2      (> 0: we run ahead)
 *
 * The side running ahead slows down gently: it skips one tick when the estimated skew reaches 1.5
 * frames (frame counts are integers, so the two then stay within a frame), and never two within
 * `skipSpacing` ticks, which leaves time for the peer's report to catch up with the previous skip
 * so it does not overshoot; a skipped tick once a second at most is not a visible hitch. The side running behind never speeds up (that
 * would mean two frames in one tick, a visible jump).
 *
 * @module
 */

/** Options of {@link createTimeSync}; the defaults suit 60 Hz ticks and reports every 4 ticks. */
export interface TimeSyncOptions {
  /** Samples kept for the minimum filter; default 8. */
  window?: number;
  /** Least number of ticks between two skips; default 60 (one second at 60 Hz). */
  skipSpacing?: number;
  /** Estimated skew (frames) at which the side ahead skips; default 1.5. */
  threshold?: number;
  /** Samples needed before the first skip (the peer's reports must reflect ours); default 8. */
  warmup?: number;
}

/** Frame-advantage bookkeeping and the skip decision of one side. */
export interface TimeSync {
  /** A peer's quality report arrived while our frame was `localFrame`. */
  onReport(localFrame: number, reportFrame: number, remoteAdvantage: number): void;
  /** How many frames we look ahead of the peer, seen from here (includes the one-way delay). */
  readonly localAdvantage: number;
  /** The same seen from the peer, as last reported. */
  readonly remoteAdvantage: number;
  /** Estimated frames we run ahead of the peer (negative: behind); 0 until measured. */
  readonly skew: number;
  /** Call once per tick the session could advance; true when this tick should be skipped. */
  shouldSkip(): boolean;
}

/** Creates the time sync of one side. */
export function createTimeSync(opts: TimeSyncOptions = {}): TimeSync {
  const window = opts.window ?? 8;
  const skipSpacing = opts.skipSpacing ?? 60;
  const threshold = opts.threshold ?? 1.5;
  const warmup = opts.warmup ?? 8;
  for (const [name, v] of [["window", window], ["skipSpacing", skipSpacing]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`time sync ${name} must be a positive integer, got ${v}`);
    }
  }
  const samples = new Int32Array(window);
  let sampleCount = 0;
  let localAdvantage = 0;
  let remoteAdvantage = 0;
  let ticksSinceSkip = skipSpacing;

  function skew(): number {
    return sampleCount === 0 ? 0 : (localAdvantage - remoteAdvantage) / 2;
  }

  return {
    onReport(localFrame, reportFrame, remote) {
      if (!Number.isFinite(reportFrame) || !Number.isFinite(remote)) return;
      samples[sampleCount % window] = localFrame - reportFrame;
      sampleCount++;
      let min = samples[0];
      const n = sampleCount < window ? sampleCount : window;
      for (let i = 1; i < n; i++) if (samples[i] < min) min = samples[i];
      localAdvantage = min;
      remoteAdvantage = remote;
    },
    get localAdvantage() {
      return localAdvantage;
    },
    get remoteAdvantage() {
      return remoteAdvantage;
    },
    get skew() {
      return skew();
    },
    shouldSkip() {
      ticksSinceSkip++;
      if (sampleCount < warmup || ticksSinceSkip < skipSpacing) return false;
      if (skew() < threshold) return false;
      ticksSinceSkip = 0;
      return true;
    },
  };
}
