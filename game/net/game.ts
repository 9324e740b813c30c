/**
 * The game contract for rollback netcode: what a game implements so a session can run, rewind and
 * re-run its simulation, plus small helpers every game needs (input validation, a checksum).
 *
 * A game is deterministic when, from the same state and the same inputs, `advance` produces the
 * same state on every machine: integer or fixed-point maths (no floats that can round differently
 * between engines), randomness only from a seeded generator kept IN the state, no wall clock, no
 * `Math.random`, no reads of anything `save()` does not capture (module-level counters, caches,
 * the DOM), and iteration in a defined order.
 *
 * @example
 * ```ts
 * import { checksumWords, type RollbackGame } from "./game.ts";
 *
 * // Two dots on a line; bit 0 moves right, bit 1 moves left.
 * function createDotsGame(): RollbackGame<Int32Array> & { state: Int32Array } {
 *   const state = new Int32Array(3); // [frame, x0, x1]: plain integers, all of it saved
 *   return {
 *     state,
 *     advance(inputs) {
 *       state[0]++;
 *       state[1] += (inputs[0] & 1) - ((inputs[0] >> 1) & 1);
 *       state[2] += (inputs[1] & 1) - ((inputs[1] >> 1) & 1);
 *     },
 *     save: () => state.slice(),
 *     // Optional: refills a snapshot the session is done with instead of allocating a new one.
 *     saveInto: (target) => (target.set(state), target),
 *     load: (snapshot) => state.set(snapshot),
 *     checksum: () => checksumWords(state),
 *   };
 * }
 * ```
 *
 * @module
 */

/** Both players' inputs for one frame: `[player 0, player 1]`, each an integer 0..255. */
export type FrameInputs = readonly [number, number];

/** Whether a player's input for a frame is known for sure or a guess that may be rolled back. */
export type InputStatus = "confirmed" | "predicted";

/**
 * What the session knows about the frame being advanced, so a game can hold back sounds and
 * particles on frames that may still change: re-simulated frames have been shown already, and
 * a predicted input may turn out wrong. The object is reused: read it during the call only.
 */
export interface AdvanceInfo {
  /** The frame being simulated. */
  readonly frame: number;
  /** Per player: confirmed (final) or predicted. */
  readonly status: readonly [InputStatus, InputStatus];
  /** True while a rollback re-runs frames already simulated once (the past, not the present). */
  readonly resimulating: boolean;
}

/** What a game implements to run under rollback netcode. Must be deterministic. */
export interface RollbackGame<Snapshot = unknown> {
  /**
   * Advances one tick. inputs[0] is player 0's input, inputs[1] player 1's. The array is reused by
   * the session: read it during the call, do not keep it. `info` (optional to read) tells which
   * inputs are confirmed and whether the frame is a re-simulation.
   */
  advance(inputs: FrameInputs, info?: AdvanceInfo): void;
  /** A snapshot of the whole simulation state that load() can restore; must not alias live state. */
  save(): Snapshot;
  /** Restores a snapshot made by save(); the snapshot may be loaded again later, so do not mutate it. */
  load(snapshot: Snapshot): void;
  /**
   * Optional: `save()` into a snapshot this game made before (by `save` or `saveInto`) that is no
   * longer needed, overwriting it in place, and returns the snapshot now holding the state:
   * normally `target` itself, or a fresh one when `target` cannot hold it (say a game whose state
   * changed size). What is saved must be exactly what `save()` would return, and must not alias
   * live state.
   *
   * Without it a session calls `save()` for every simulated frame, re-simulated ones included, and
   * each copy is garbage a few frames later: at 8 frames of rollback that was most of the
   * netcode's allocation per tick, and so of its garbage-collection pauses. With it the sync layer
   * keeps a ring of `maxRollback + 2` snapshots and refills them, so saving allocates nothing once
   * the ring is full. There is no `loadFrom` to match: `load` already copies out of a snapshot and
   * leaves it intact, which is all reuse needs. (The module example implements it.)
   */
  saveInto?(target: Snapshot): Snapshot;
  /** 32-bit checksum of the current state (see {@link checksumWords}). */
  checksum(): number;
  /**
   * Optional: the bytes of a snapshot. When present, a P2P session keeps the bytes of the states it
   * checksums (one per checksum interval) and, on a desync, sends them to the peer so both sides
   * get both states for comparison.
   */
  serialize?(snapshot: Snapshot): Uint8Array;
  /**
   * Optional: guesses a player's input for a frame not received yet, from their last confirmed
   * input. The default repeats it, which is right for held buttons. Need not be deterministic: a
   * wrong guess only costs a rollback.
   */
  predictInput?(last: number, player: 0 | 1): number;
}

/** The largest input value: inputs are bitmasks of up to 8 digital buttons. */
export const MAX_INPUT = 255;

/** True for an integer input 0..255. */
export function isValidInput(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 &&
    value <= MAX_INPUT;
}

/**
 * A fast 32-bit hash (MurmurHash3 x86_32) of a list of 32-bit words, e.g. an Int32Array holding a
 * game's state. Returns an unsigned 32-bit integer. Non-integer numbers are truncated to int32, so
 * hash fixed-point values, not floats.
 */
export function checksumWords(words: ArrayLike<number>, seed = 0): number {
  let h = seed | 0;
  const n = words.length;
  for (let i = 0; i < n; i++) {
    let k = Math.imul(words[i] | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= n * 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
