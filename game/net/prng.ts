/**
 * A tiny seeded pseudo-random generator (mulberry32) for the network simulator and tests: the same
 * seed gives the same loss/delay pattern on every run and every engine, so a failure under
 * `?sim=...,seed:N` can be replayed exactly.
 *
 * @module
 */

/** Returns floats in [0, 1). */
export type Prng = () => number;

/** mulberry32: 32 bits of state, good enough statistics for simulating a network, not for crypto. */
export function mulberry32(seed: number): Prng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Derives an independent seed from a seed and a stream number (e.g. one per direction of a
 * simulated link), so that two streams from one user-facing seed don't mirror each other.
 */
export function deriveSeed(seed: number, stream: number): number {
  // splitmix32-style finaliser over the pair.
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
