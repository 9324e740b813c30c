/**
 * A seeded 32-bit pseudo-random generator (mulberry32). The simulation keeps the generator's state
 * as one integer inside its snapshot, so rollback restores it with everything else; bots use the
 * same generator through a small stateful wrapper.
 *
 * @module
 */

const GOLDEN = 0x6d2b79f5;

/** Advances a generator state by one step. */
export function rngStep(state: number): number {
  return (state + GOLDEN) | 0;
}

/** The unsigned 32-bit output for a state produced by `rngStep`. */
export function rngOutput(state: number): number {
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (t ^ (t >>> 14)) >>> 0;
}

/** A stateful view of the generator, for code outside the simulation state (bots, tests). */
export interface Rng {
  /** Unsigned 32-bit integer. */
  next(): number;
  /** Integer in [0, n); n must be a positive integer. */
  int(n: number): number;
  /** True with probability `num/den`. */
  chance(num: number, den: number): boolean;
}

/** Creates a generator from an integer seed (any 32-bit value, including 0). */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed)) throw new RangeError(`rng seed must be an integer, got ${seed}`);
  let state = seed | 0;
  const next = (): number => {
    state = rngStep(state);
    return rngOutput(state);
  };
  return {
    next,
    int(n) {
      if (!Number.isInteger(n) || n <= 0) {
        throw new RangeError(`rng.int needs a positive integer, got ${n}`);
      }
      return next() % n;
    },
    chance(num, den) {
      return next() % den < num;
    },
  };
}
