/**
 * Pong as a rollback game: the canvas example's whole simulation. No DOM and no duet networking,
 * so the sync test runs it from plain Node or Deno.
 *
 * Deterministic by construction: every value is an integer in one Int32Array (positions in
 * 1/256 pixel), the serve direction comes from a generator whose state is in that array, and
 * `save()` copies the array, so a rollback restores everything.
 *
 * @module
 */

import { checksumWords, type RollbackGame } from "duet-netcode";

/** The field and its pieces, in pixels. */
export const PONG = {
  width: 480,
  height: 270,
  paddleW: 8,
  paddleH: 48,
  ball: 8,
  /** Points that win the match. */
  target: 5,
} as const;

/** Input bits: bit 0 moves the paddle up, bit 1 down. */
export const UP = 1, DOWN = 2;

const FX = 256; // fixed point: 1 pixel = 256 units
const [FRAME, P0, P1, BX, BY, VX, VY, S0, S1, RNG, SERVE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const PADDLE_SPEED = 4 * FX;
const BALL_SPEED = 3 * FX;
const SERVE_DELAY = 45; // frames the ball rests before a serve

/** A pong match: a {@link RollbackGame} plus read-only views for drawing. */
export interface Pong extends RollbackGame<Int32Array> {
  /** Frames advanced so far. */
  frame(): number;
  /** A paddle's top edge, in pixels (player 0 left, player 1 right). */
  paddleY(player: 0 | 1): number;
  /** The ball's top-left corner, in pixels. */
  ball(): { x: number; y: number };
  /** Points of each player. */
  score(): readonly [number, number];
  /** The winning player once one has {@link PONG.target} points, else -1. */
  winner(): -1 | 0 | 1;
}

/** A new match; both players must pass the same seed (the runner's `setup.seed`). */
export function createPong(seed: number): Pong {
  const s = new Int32Array(11);
  const mid = ((PONG.height - PONG.paddleH) / 2) * FX;
  s[P0] = s[P1] = mid;
  s[RNG] = seed | 0 || 1;
  centre(s);

  const game: Pong = {
    advance(inputs) {
      s[FRAME]++;
      if (game.winner() >= 0) return;
      movePaddle(s, P0, inputs[0]);
      movePaddle(s, P1, inputs[1]);
      if (s[SERVE] > 0) {
        if (--s[SERVE] === 0) serve(s);
        return;
      }
      moveBall(s);
    },
    save: () => s.slice(),
    load: (snapshot) => s.set(snapshot),
    checksum: () => checksumWords(s),
    serialize: (snapshot) => new Uint8Array(snapshot.buffer.slice(0)),
    frame: () => s[FRAME],
    paddleY: (player) => s[player === 0 ? P0 : P1] / FX,
    ball: () => ({ x: s[BX] / FX, y: s[BY] / FX }),
    score: () => [s[S0], s[S1]],
    winner: () => (s[S0] >= PONG.target ? 0 : s[S1] >= PONG.target ? 1 : -1),
  };
  return game;
}

function movePaddle(s: Int32Array, paddle: number, input: number): void {
  const dy = ((input & DOWN) ? PADDLE_SPEED : 0) - ((input & UP) ? PADDLE_SPEED : 0);
  s[paddle] = Math.max(0, Math.min((PONG.height - PONG.paddleH) * FX, s[paddle] + dy));
}

function moveBall(s: Int32Array): void {
  s[BX] += s[VX];
  s[BY] += s[VY];
  const maxY = (PONG.height - PONG.ball) * FX;
  if (s[BY] < 0 || s[BY] > maxY) {
    s[BY] = s[BY] < 0 ? -s[BY] : 2 * maxY - s[BY];
    s[VY] = -s[VY];
  }
  const left = PONG.paddleW * FX;
  const right = (PONG.width - PONG.paddleW - PONG.ball) * FX;
  if (s[VX] < 0 && s[BX] <= left) bounce(s, P0, S1, left);
  else if (s[VX] > 0 && s[BX] >= right) bounce(s, P1, S0, right);
}

/** The ball reached a paddle's line: it bounces off the paddle, or the other player scores. */
function bounce(s: Int32Array, paddle: number, scorer: number, x: number): void {
  const offset = s[BY] + (PONG.ball * FX) / 2 - s[paddle]; // ball centre relative to paddle top
  if (offset < 0 || offset > PONG.paddleH * FX) {
    s[scorer]++;
    centre(s);
    return;
  }
  s[BX] = x;
  s[VX] = -s[VX] + (s[VX] > 0 ? -16 : 16); // a little faster each hit
  // Where the paddle is hit steers the ball: the centre sends it flat, the edges steep.
  s[VY] = Math.trunc(((offset - (PONG.paddleH * FX) / 2) * 2 * BALL_SPEED) / (PONG.paddleH * FX));
}

function centre(s: Int32Array): void {
  s[BX] = ((PONG.width - PONG.ball) / 2) * FX;
  s[BY] = ((PONG.height - PONG.ball) / 2) * FX;
  s[VX] = s[VY] = 0;
  s[SERVE] = SERVE_DELAY;
}

function serve(s: Int32Array): void {
  const r = next(s);
  s[VX] = r & 1 ? BALL_SPEED : -BALL_SPEED;
  s[VY] = ((r >>> 1) % (2 * FX + 1)) - FX; // -1..1 px per frame
}

/** xorshift32 on the state's own word, so rollbacks rewind the randomness too. */
function next(s: Int32Array): number {
  let x = s[RNG];
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  s[RNG] = x;
  return x >>> 0;
}
