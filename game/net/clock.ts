/**
 * Time as the networking module sees it. The transport, the simulator and the sessions take a
 * `Clock` instead of calling `performance.now`/`setTimeout` directly, so unit tests can drive
 * minutes of simulated play deterministically and in milliseconds of real time.
 *
 * @module
 */

/** A source of milliseconds and one-shot timers. */
export interface Clock {
  /** Milliseconds on a monotonic timeline (the origin is arbitrary). */
  now(): number;
  /** Runs `cb` once after `ms` milliseconds; returns an id for `clearTimeout`. */
  setTimeout(cb: () => void, ms: number): number;
  /** Cancels a pending timer; unknown or already fired ids are ignored. */
  clearTimeout(id: number): void;
}

/** The real clock: `performance.now` and the global timers. */
export const realClock: Clock = {
  now: () => performance.now(),
  // Callers compute delays from timestamps and may land a hair below zero; Deno warns on those.
  setTimeout: (cb, ms) => globalThis.setTimeout(cb, Math.max(0, ms)) as unknown as number,
  clearTimeout: (id) => globalThis.clearTimeout(id),
};

/** A clock that only moves when told to; `advance` is what tests use to play time forward. */
export interface ManualClock extends Clock {
  /**
   * Moves time forward by `ms`, firing every timer that falls due, in due-time order (ties in the
   * order they were scheduled), including timers that fired callbacks schedule within the window.
   * While a callback runs, `now()` is that timer's due time.
   */
  advance(ms: number): void;
}

interface Timer {
  id: number;
  due: number;
  cb: () => void;
}

/** Creates a manual clock starting at `start` (default 0) ms. */
export function createManualClock(start = 0): ManualClock {
  if (!Number.isFinite(start)) throw new RangeError(`clock start must be finite, got ${start}`);
  let now = start;
  let nextId = 1;
  // Kept sorted by (due, id); timers are few (a handful per channel), so insertion is cheap.
  const timers: Timer[] = [];

  const insert = (t: Timer): void => {
    let i = timers.length;
    while (i > 0 && timers[i - 1].due > t.due) i--;
    timers.splice(i, 0, t);
  };

  return {
    now: () => now,
    setTimeout(cb, ms) {
      // Like browsers: negative, NaN or missing delays mean "as soon as possible".
      const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
      const t = { id: nextId++, due: now + delay, cb };
      insert(t);
      return t.id;
    },
    clearTimeout(id) {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new RangeError(`advance needs a finite, non-negative ms, got ${ms}`);
      }
      const target = now + ms;
      while (timers.length > 0 && timers[0].due <= target) {
        const t = timers.shift()!;
        now = t.due;
        t.cb();
      }
      now = target;
    },
  };
}
