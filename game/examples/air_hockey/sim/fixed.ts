/**
 * Fixed-point helpers for the deterministic simulation. Positions and velocities are integers in
 * 1/256 pixel units (Q8), so every peer computes bit-identical states: no floating-point results
 * ever reach the simulation state.
 *
 * @module
 */

/** Fractional bits of a Q8 number. */
export const FRAC_BITS = 8;
/** 1.0 in Q8. */
export const ONE = 1 << FRAC_BITS;

/** Converts whole pixels to Q8. */
export function fromPx(px: number): number {
  return Math.trunc(px * ONE);
}

/** Converts Q8 to (fractional) pixels, for rendering only. */
export function toPx(q: number): number {
  return q / ONE;
}

/**
 * Integer division rounding toward zero. Exact for the magnitudes the simulation uses
 * (|a| < 2^52), and identical on every IEEE-754 engine.
 */
export function idiv(a: number, b: number): number {
  if (b === 0) throw new RangeError("idiv: division by zero");
  return Math.trunc(a / b);
}

/**
 * Floor of the square root of a non-negative integer. `Math.sqrt` only seeds the guess; the
 * correction loops make the result exact whatever the engine's rounding.
 */
export function isqrt(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`isqrt needs a non-negative safe integer, got ${n}`);
  }
  let r = Math.floor(Math.sqrt(n));
  while (r * r > n) r--;
  while ((r + 1) * (r + 1) <= n) r++;
  return r;
}

/** Clamps an integer into [lo, hi]. */
export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
