/**
 * The meaning of the 8-bit input of one player for one frame (see the contract in CONTRACT.md:
 * an unsigned integer 0..255). Directions are relative to the player ("forward" is toward the
 * opponent's goal), so each player can be drawn on the left of their own screen.
 *
 * @module
 */

/** Move up the screen. */
export const UP = 1 << 0;
/** Move down the screen. */
export const DOWN = 1 << 1;
/** Move toward the player's own goal. */
export const BACK = 1 << 2;
/** Move toward the opponent's goal. */
export const FORWARD = 1 << 3;
/** A short burst of speed (on the press, with a cooldown). */
export const DASH = 1 << 4;
/** Held after a match ends: both players holding it starts the rematch on the same frame. */
export const REMATCH = 1 << 5;

/** Every bit the simulation reads; other bits are ignored. */
export const ALL_BITS = UP | DOWN | BACK | FORWARD | DASH | REMATCH;

/** Combines button states into an input byte. */
export function packInput(
  b: {
    up?: boolean;
    down?: boolean;
    back?: boolean;
    forward?: boolean;
    dash?: boolean;
    rematch?: boolean;
  },
): number {
  return (b.up ? UP : 0) | (b.down ? DOWN : 0) | (b.back ? BACK : 0) |
    (b.forward ? FORWARD : 0) | (b.dash ? DASH : 0) | (b.rematch ? REMATCH : 0);
}
