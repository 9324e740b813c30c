/**
 * Time sync: keeps two peers' frame counters within a frame of each other, so neither side
 * predicts (and rolls back) more than the other, and gets both back together fast after a hitch
 * (a frozen tab, a GC pause, a background spell).
 *
 * Measuring. Every input packet carries the sender's current frame; its arrival time on our clock
 * gives a sample of the peer's *frame epoch* `frame - arrival / frameMs`, which stays constant
 * while the peer ticks at 60 Hz and drops when it stalls, skips or freezes. Network delay only
 * ever lowers a sample, so the largest sample of the last `windowMs` is the least delayed one;
 * adding the one-way delay (half the input channel's least recent RTT) gives the peer's epoch now.
 * Our own epoch is filtered the same way (the largest of the window), because a game loop that
 * runs several ticks in one animation frame, or catches up after a stutter, makes it jitter by
 * the burst: the largest is the tick that caught up with the clock, which is also the packet the
 * peer's filter picks from us. Our own skips and catch-ups shift the samples we keep, so they
 * count at once. So
 *
 *     skew = max local epoch - (max peer epoch sample + rtt / 2 / frameMs)   (> 0: ahead)
 *
 * with sub-frame precision, no report from the peer, and no lag beyond the one-way delay for the
 * peer's catching up (a rise shows at once in the max). A drop on the peer's side (a skip) shows
 * only when the older samples leave the window, which is why skips are spaced further apart than
 * catch-ups. With an asymmetric path both sides see the same offset of half the asymmetry, with
 * opposite signs, so they agree and never fight.
 *
 * Acting. The side *behind* catches up by simulating two frames in one tick, at most one tick in
 * `catchUpSpacing` (1.5x speed), while the skew is at most `-threshold`: a 9-frame skew closes in
 * 18 ticks (0.3 s). The side *ahead* skips a tick only when the skew is at least `skipThreshold`
 * (a frame more), at most once every `skipSpacing` ticks: that is for a peer that cannot catch up
 * (a slow machine), and leaves a skew of one frame to the side behind, so the two never correct
 * the same frame twice (the peer sees our skip only when its older samples expire). Both are
 * spread out so play never visibly hitches; `threshold` 0.75 leaves a steady-state skew below a
 * frame whatever the two sides' tick phases.
 *
 * Hostile input. A forged frame can only make a sample far off: samples implying more than
 * `maxSkew` frames of skew are refused (counted in `rejected`), and whatever a peer sends, the
 * decisions stay rate-limited (a tick does at most one extra frame or one skip).
 *
 * @module
 */

/** Options of {@link createTimeSync}; the defaults suit 60 Hz. */
export interface TimeSyncOptions {
  /** Length of a frame (ms); default 1000 / 60. */
  frameMs?: number;
  /** Age (ms) after which a sample leaves the max filter; default 250. */
  windowMs?: number;
  /** Skew (frames) at which a side acts; default 0.75. */
  threshold?: number;
  /** Skew (frames) at which the side ahead skips; default threshold + 1. */
  skipThreshold?: number;
  /** Least number of ticks between two skips; default 20. */
  skipSpacing?: number;
  /** Least number of ticks between two catch-ups; default 2 (every other tick). */
  catchUpSpacing?: number;
  /** Samples implying a larger skew (frames) are refused as bogus; default 256. */
  maxSkew?: number;
  /** Fresh samples needed in the window before acting; default 3. */
  warmup?: number;
}

/** What time sync advises for one tick. */
export type TimeSyncAdvice = "none" | "skip" | "catch-up";

/** The time sync of one side. */
export interface TimeSync {
  /** The peer was at `frame` when it sent a packet that arrived at `atMs` (our clock). */
  onPeerFrame(frame: number, atMs: number): void;
  /**
   * Call once per tick the session could advance, before advancing, with our next frame to
   * simulate, the time, and the input channel's RTT (ms, 0 when unknown). Returns the advice.
   */
  update(localFrame: number, nowMs: number, rttMs: number): TimeSyncAdvice;
  /** Estimated frames we run ahead of the peer (negative: behind) at the last update; 0 unknown. */
  readonly skew: number;
  /** Samples refused as implausible. */
  readonly rejected: number;
}

const SAMPLES = 64;

/** Creates the time sync of one side. */
export function createTimeSync(opts: TimeSyncOptions = {}): TimeSync {
  const frameMs = opts.frameMs ?? 1000 / 60;
  const windowMs = opts.windowMs ?? 250;
  const threshold = opts.threshold ?? 0.75;
  const skipThreshold = opts.skipThreshold ?? threshold + 1;
  const skipSpacing = opts.skipSpacing ?? 20;
  const catchUpSpacing = opts.catchUpSpacing ?? 2;
  const maxSkew = opts.maxSkew ?? 256;
  const warmup = opts.warmup ?? 3;
  for (
    const [name, v] of [
      ["skipSpacing", skipSpacing],
      ["catchUpSpacing", catchUpSpacing],
      ["warmup", warmup],
    ] as const
  ) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`time sync ${name} must be a positive integer, got ${v}`);
    }
  }
  for (
    const [name, v] of [
      ["frameMs", frameMs],
      ["windowMs", windowMs],
      ["threshold", threshold],
      ["skipThreshold", skipThreshold],
      ["maxSkew", maxSkew],
    ] as const
  ) {
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      throw new RangeError(`time sync ${name} must be a positive number, got ${v}`);
    }
  }
  // A ring of (epoch, arrival) samples; plain doubles, so no peer value can overflow them.
  const epochs = new Float64Array(SAMPLES);
  const times = new Float64Array(SAMPLES).fill(-Infinity);
  let next = 0;
  const localEpochs = new Float64Array(SAMPLES);
  const localTimes = new Float64Array(SAMPLES).fill(-Infinity);
  let localNext = 0;
  // The two fractional numbers written every tick live in a typed array: a `let` captured by
  // these closures holds a double as a heap box, and every write allocated a new one.
  const state = new Float64Array([0, NaN]);
  const SKEW = 0, LAST_LOCAL_EPOCH = 1;
  let rejected = 0;
  let ticksSinceSkip = skipSpacing;
  let ticksSinceCatchUp = catchUpSpacing;

  /** Our own correction: the kept samples move with it, so the filter sees it at once. */
  function shiftLocal(frames: number): void {
    for (let i = 0; i < SAMPLES; i++) localEpochs[i] += frames;
  }

  // How many samples the window held at the last `best` (a tuple per call was garbage per tick).
  let bestCount = 0;

  /** The largest epoch sample of the window; its sample count goes to `bestCount`. */
  function best(e: Float64Array, t: Float64Array, nowMs: number): number {
    let max = -Infinity, n = 0;
    for (let i = 0; i < SAMPLES; i++) {
      if (nowMs - t[i] > windowMs || t[i] > nowMs) continue;
      n++;
      if (e[i] > max) max = e[i];
    }
    bestCount = n;
    return max;
  }

  return {
    onPeerFrame(frame, atMs) {
      if (!Number.isFinite(frame) || !Number.isFinite(atMs)) return;
      const epoch = frame - atMs / frameMs;
      // Against our own epoch as of the last tick: a sample claiming a skew no honest peer can
      // reach (it would have stalled long before) is forged or corrupt.
      const lastLocalEpoch = state[LAST_LOCAL_EPOCH];
      if (!Number.isNaN(lastLocalEpoch) && Math.abs(lastLocalEpoch - epoch) > maxSkew) {
        rejected++;
        return;
      }
      epochs[next] = epoch;
      times[next] = atMs;
      next = (next + 1) % SAMPLES;
    },
    update(localFrame, nowMs, rttMs) {
      ticksSinceSkip++;
      ticksSinceCatchUp++;
      const lastLocalEpoch = localFrame - nowMs / frameMs;
      state[LAST_LOCAL_EPOCH] = lastLocalEpoch;
      localEpochs[localNext] = lastLocalEpoch;
      localTimes[localNext] = nowMs;
      localNext = (localNext + 1) % SAMPLES;
      const localEpoch = best(localEpochs, localTimes, nowMs);
      const peerEpoch = best(epochs, times, nowMs);
      const n = bestCount;
      if (n < warmup || !(rttMs > 0)) return "none";
      const oneWay = Math.min(rttMs, 60_000) / 2 / frameMs;
      const s = localEpoch - (peerEpoch + oneWay);
      const skew = Math.max(-maxSkew, Math.min(maxSkew, s));
      state[SKEW] = skew;
      if (skew >= skipThreshold && ticksSinceSkip >= skipSpacing) {
        ticksSinceSkip = 0;
        shiftLocal(-1);
        return "skip";
      }
      if (skew <= -threshold && ticksSinceCatchUp >= catchUpSpacing) {
        ticksSinceCatchUp = 0;
        shiftLocal(+1);
        return "catch-up";
      }
      return "none";
    },
    get skew() {
      return state[SKEW];
    },
    get rejected() {
      return rejected;
    },
  };
}
