/**
 * A small deterministic game for the rollback tests and benchmarks: two paddles pushed by their
 * inputs and a ball bouncing between them, all in 24.8 fixed-point integers with a seeded
 * xorshift generator kept in the state. A variant breaks determinism on purpose (it reads a counter
 * that save/load does not capture, the commonest real bug) so the sync test and desync detection
 * can be shown to catch it.
 *
 * Also: `scriptedInput`, seeded pseudo-random button presses held for a few frames, like a player.
 *
 * @module
 */

import { checksumWords, type FrameInputs, type RollbackGame } from "./game.ts";

/** Options of {@link createTestGame}. */
export interface TestGameOptions {
  /** Seed of the in-state random generator; default 1. */
  seed?: number;
  /**
   * From this frame on, each advance mixes in how many times advance() was ever called on this
   * instance: a re-simulated frame then differs from its first run. Default: never.
   */
  nondeterministicFrom?: number;
}

/** The test game: a RollbackGame over an Int32Array, with its state exposed for assertions. */
export interface TestGame extends RollbackGame<Int32Array> {
  readonly state: Int32Array;
  serialize(snapshot: Int32Array): Uint8Array;
}

const FRAME = 0;
const RNG = 1;
const P0 = 2; // x, y, vx, vy, score, cooldown
const P_SIZE = 6;
const BALL = P0 + 2 * P_SIZE; // x, y, vx, vy
const SIZE = BALL + 4;
const W = 320 << 8;
const H = 180 << 8;
const REACH = 12 << 8;

function xorshift(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x | 0;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Creates the test game in its initial state. */
export function createTestGame(opts: TestGameOptions = {}): TestGame {
  const state = new Int32Array(SIZE);
  state[RNG] = (opts.seed ?? 1) | 0 || 1;
  for (let p = 0; p < 2; p++) {
    state[P0 + p * P_SIZE] = p === 0 ? 40 << 8 : W - (40 << 8);
    state[P0 + p * P_SIZE + 1] = H >> 1;
  }
  serveBall(state);
  const from = opts.nondeterministicFrom ?? Infinity;
  let calls = 0;

  return {
    state,
    advance(inputs: FrameInputs) {
      calls++;
      const s = state;
      for (let p = 0; p < 2; p++) movePlayer(s, P0 + p * P_SIZE, inputs[p]);
      moveBall(s);
      if (s[FRAME] >= from) s[RNG] = xorshift(s[RNG] ^ calls);
      s[FRAME]++;
    },
    save: () => state.slice(),
    load: (snapshot) => state.set(snapshot),
    checksum: () => checksumWords(state),
    serialize: (snapshot) => new Uint8Array(snapshot.buffer.slice(0)),
  };
}

function serveBall(s: Int32Array): void {
  s[RNG] = xorshift(s[RNG]);
  s[BALL] = W >> 1;
  s[BALL + 1] = H >> 1;
  s[BALL + 2] = (s[RNG] & 1 ? 1 : -1) * (256 + (s[RNG] >>> 1 & 255));
  s[BALL + 3] = ((s[RNG] >>> 9) & 511) - 256;
}

function movePlayer(s: Int32Array, p: number, input: number): void {
  const ax = ((input >> 1) & 1) - (input & 1);
  const ay = ((input >> 3) & 1) - ((input >> 2) & 1);
  s[p + 2] += ax * 48;
  s[p + 3] += ay * 48;
  if (input & 16 && s[p + 5] === 0) {
    s[p + 2] *= 2;
    s[p + 3] *= 2;
    s[p + 5] = 30;
  }
  if (s[p + 5] > 0) s[p + 5]--;
  s[p + 2] -= s[p + 2] >> 3;
  s[p + 3] -= s[p + 3] >> 3;
  s[p] = clamp(s[p] + s[p + 2], 0, W);
  s[p + 1] = clamp(s[p + 1] + s[p + 3], 0, H);
}

function moveBall(s: Int32Array): void {
  s[BALL] += s[BALL + 2];
  s[BALL + 1] += s[BALL + 3];
  if (s[BALL + 1] < 0 || s[BALL + 1] > H) {
    s[BALL + 3] = -s[BALL + 3];
    s[BALL + 1] = clamp(s[BALL + 1], 0, H);
  }
  for (let p = P0; p < BALL; p += P_SIZE) {
    const dx = s[BALL] - s[p];
    const dy = s[BALL + 1] - s[p + 1];
    if (dx > -REACH && dx < REACH && dy > -REACH && dy < REACH) {
      s[RNG] = xorshift(s[RNG]);
      s[BALL + 2] = clamp((dx >> 2) + s[p + 2] + ((s[RNG] & 127) - 64), -1024, 1024);
      s[BALL + 3] = clamp((dy >> 2) + s[p + 3], -1024, 1024);
    }
  }
  if (s[BALL] < 0 || s[BALL] > W) {
    s[s[BALL] < 0 ? P0 + P_SIZE + 4 : P0 + 4]++;
    serveBall(s);
  }
}

/**
 * A seeded player: the input of `player` at `frame`, a pure function of its arguments. Buttons are
 * held for 4 to 16 frames and sometimes tapped for a single frame, so predictions are often right
 * and sometimes wrong, as with a person.
 */
export function scriptedInput(seed: number, player: 0 | 1, frame: number): number {
  const held = hash3(seed, player, frame >> 4);
  const shift = held & 12; // 0, 4, 8 or 12: where the 16-frame run is cut into two holds
  const run = (frame & 15) < shift ? held >>> 8 : held >>> 16;
  const tap = hash3(seed ^ 0x5bd1e995, player, frame);
  return ((tap & 31) === 0 ? tap >>> 8 : run) & 31;
}

function hash3(a: number, b: number, c: number): number {
  return checksumWords([a, b, c]);
}
