/**
 * Air hockey: the deterministic two-player simulation that the rollback session runs.
 *
 * The whole state is one small `Int32Array` (Q8 fixed-point positions and velocities, scores,
 * phase, generator state), so `save` is one copy, `load` is one `set`, and the checksum is a
 * hash of the words. Only integer maths reaches the state; there is no clock and no unseeded
 * randomness, so two peers fed the same inputs compute identical states frame by frame.
 *
 * Player 0 defends the left goal (x = 0), player 1 the right one (x = RINK_W). Mallets have
 * momentum (acceleration and damping) and a dash; the puck bounces off walls, posts and mallets.
 * A match is first to `pointsToWin` goals, or the leader when `timeLimitTicks` of play have run
 * (a tie then goes to a golden goal). After it ends, both players holding REMATCH starts the next
 * match on the same frame on both peers.
 *
 * @module
 */

import { checksumWords, type RollbackGame } from "duet-netcode";
import { clamp, fromPx, idiv, isqrt } from "./fixed.ts";
import { BACK, DASH, DOWN, FORWARD, REMATCH, UP } from "./input_bits.ts";
import { rngOutput, rngStep } from "./prng.ts";

/** Ticks per second the simulation is designed for. */
export const TICK_HZ = 60;

/** Rink size in pixels (the renderer places the rink; the simulation's origin is its corner). */
export const RINK_W = 880;
/** Rink height in pixels. */
export const RINK_H = 440;
/** Height of each goal mouth in pixels, centred on the end wall. */
export const GOAL_H = 150;
/** Mallet radius in pixels. */
export const MALLET_R = 30;
/** Puck radius in pixels. */
export const PUCK_R = 18;

/** Ticks of countdown before the first faceoff of a match. */
export const START_COUNTDOWN_TICKS = 3 * TICK_HZ;
/** Ticks of countdown before a faceoff after a goal. */
export const FACEOFF_COUNTDOWN_TICKS = TICK_HZ;
/** Ticks the goal celebration lasts. */
export const SCORED_TICKS = 90;
/** Ticks after the end before REMATCH counts, so a held key cannot skip the end screen. */
export const END_GRACE_TICKS = TICK_HZ;

/** Rules of one match; both peers must use the same. */
export interface HockeyConfig {
  /** Goals that win the match; 0 for no limit (the time limit decides). */
  pointsToWin: number;
  /** Ticks of play (excluding pauses) before the leader wins; 0 for no limit. */
  timeLimitTicks: number;
  /** Seeds who serves first. */
  seed: number;
}

/** People play first to 7, or 3 minutes. */
export const HUMAN_RULES: Omit<HockeyConfig, "seed"> = {
  pointsToWin: 7,
  timeLimitTicks: 3 * 60 * TICK_HZ,
};

/** Bots play on the clock only, so a bot-vs-bot match lasts at least a minute. */
export const BOT_RULES: Omit<HockeyConfig, "seed"> = {
  pointsToWin: 0,
  timeLimitTicks: 75 * TICK_HZ,
};

/** Phases of a match inside the simulation. */
export type Phase = "countdown" | "playing" | "scored" | "ended";
const PHASES: readonly Phase[] = ["countdown", "playing", "scored", "ended"];
const COUNTDOWN = 0, PLAYING = 1, SCORED = 2, ENDED = 3;

// Layout of the state words.
const TICK = 0;
const PHASE = 1;
const PHASE_T = 2; // ticks left in a timed phase
const SCORE0 = 3;
const SCORE1 = 4;
const PLAYED = 5; // ticks of play in this match
const RNG = 6;
const SERVER = 7; // who faces off next
const LAST_SCORER = 8; // -1 before the first goal
const WINNER = 9; // -1 until the match ends
const MATCH = 10; // 1-based match number
const READY = 11; // rematch bits: 1 = player 0, 2 = player 1
const HITS = 12; // mallet-puck hits so far (drives effects in the renderer)
const BOUNCES = 13; // wall and post bounces so far
const OVERTIME = 14; // 1 once the time ran out with the scores level
const MALLET = 16; // player p at MALLET + p * MALLET_WORDS
const MALLET_WORDS = 8;
const MX = 0, MY = 1, MVX = 2, MVY = 3, MCOOL = 4, MPREV = 5, MDASH = 6;
const PUCK = 32;
const PX = 0, PY = 1, PVX = 2, PVY = 3;
/** Number of 32-bit words in a snapshot. */
export const STATE_WORDS = 36;

// Tuning, in Q8 units per tick.
const W = fromPx(RINK_W);
const H = fromPx(RINK_H);
const MOUTH_TOP = fromPx((RINK_H - GOAL_H) / 2);
const MOUTH_BOTTOM = fromPx((RINK_H + GOAL_H) / 2);
const MR = fromPx(MALLET_R);
const PR = fromPx(PUCK_R);
const ACCEL = 230;
const DIAGONAL = 181; // 256 / sqrt(2)
const DAMP_NUM = 3, DAMP_DEN = 32;
const MALLET_MAX = fromPx(15);
const DASH_IMPULSE = fromPx(7);
const DASH_COOLDOWN = 40;
const DASH_VISIBLE = 12;
const PUCK_MAX = fromPx(19);
const PUCK_FRICTION_DEN = 300;
const BOUNCE_WALL = 230; // restitution x256
const BOUNCE_MALLET = 215;
const NORMAL_ONE = 4096; // Q12 unit vectors for collision normals
const SUBSTEPS = 2;

/** What the renderer and the bots read from a state (pixels, not Q8). */
export interface HockeyView {
  tick: number;
  phase: Phase;
  /** Ticks left in the countdown, goal celebration or end grace period. */
  phaseTicks: number;
  score: [number, number];
  playedTicks: number;
  server: 0 | 1;
  lastScorer: -1 | 0 | 1;
  winner: -1 | 0 | 1;
  match: number;
  rematchReady: [boolean, boolean];
  hits: number;
  bounces: number;
  overtime: boolean;
  mallets: [MalletView, MalletView];
  puck: { x: number; y: number; vx: number; vy: number };
}

/** One mallet as the renderer sees it. */
export interface MalletView {
  x: number;
  y: number;
  vx: number;
  vy: number;
  /** Ticks until the dash is available again. */
  dashCooldown: number;
  /** True for the first few ticks of a dash (for a trail effect). */
  dashing: boolean;
}

/** The simulation plus read access for rendering. */
export interface Hockey extends RollbackGame<Int32Array> {
  readonly config: Readonly<HockeyConfig>;
  /** The live state; read-only by convention (copy it with `save` to keep it). */
  readonly state: Int32Array;
  /** The current state in pixels. */
  view(): HockeyView;
}

/** Puck position and velocity in pixels (per tick for the velocity). */
export interface PuckPlacement {
  x: number;
  y: number;
  vx: number;
  vy: number;
}

/**
 * A copy of a snapshot with the puck moved and the phase set to playing: for tests and tools that
 * need a precise situation (a shot on goal) without scripting one.
 */
export function withPuck(snapshot: Int32Array, puck: PuckPlacement): Int32Array {
  const s = snapshot.slice();
  s[PUCK + PX] = fromPx(puck.x);
  s[PUCK + PY] = fromPx(puck.y);
  s[PUCK + PVX] = fromPx(puck.vx);
  s[PUCK + PVY] = fromPx(puck.vy);
  s[PHASE] = PLAYING;
  s[PHASE_T] = 0;
  return s;
}

/** Checks a config and says what is wrong with it. */
export function validateConfig(c: HockeyConfig): HockeyConfig {
  const nonNeg = (v: number, name: string) => {
    if (!Number.isInteger(v) || v < 0 || v > 1_000_000) {
      throw new RangeError(`hockey config: ${name} must be an integer in 0..1000000, got ${v}`);
    }
  };
  nonNeg(c.pointsToWin, "pointsToWin");
  nonNeg(c.timeLimitTicks, "timeLimitTicks");
  if (!Number.isInteger(c.seed)) throw new RangeError(`hockey config: seed must be an integer`);
  if (c.pointsToWin === 0 && c.timeLimitTicks === 0) {
    throw new RangeError("hockey config: a match needs a point limit or a time limit");
  }
  return { pointsToWin: c.pointsToWin, timeLimitTicks: c.timeLimitTicks, seed: c.seed | 0 };
}

/** Creates a match in its starting countdown. */
export function createHockey(config: HockeyConfig): Hockey {
  const cfg = validateConfig(config);
  const s = new Int32Array(STATE_WORDS);
  startMatch(s, cfg.seed, 1);
  return {
    config: cfg,
    state: s,
    advance: (inputs) => advance(s, cfg, inputs),
    save: () => s.slice(),
    // The session's ring of snapshots is refilled in place: no copy per simulated frame.
    saveInto(target) {
      if (!(target instanceof Int32Array) || target.length !== STATE_WORDS) return s.slice();
      target.set(s);
      return target;
    },
    load(snapshot) {
      if (!(snapshot instanceof Int32Array) || snapshot.length !== STATE_WORDS) {
        throw new TypeError(`hockey.load needs an Int32Array of ${STATE_WORDS} words`);
      }
      s.set(snapshot);
    },
    checksum: () => checksumState(s),
    serialize: (snapshot) =>
      new Uint8Array(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength).slice(),
    view: () => readView(s),
  };
}

/** The state's 32-bit unsigned checksum (MurmurHash3 of the words, shared with the session). */
export function checksumState(s: Int32Array): number {
  return checksumWords(s);
}

/**
 * True when a state (live or saved) has ended: what `readView(s).phase === "ended"` says, without
 * building the view (the match checks it after every simulated frame, re-simulated ones too).
 */
export function isEnded(s: Int32Array): boolean {
  return s[PHASE] === ENDED;
}

/** Reads a state (live or saved) as pixels and named fields. */
export function readView(s: Int32Array): HockeyView {
  const mallet = (p: 0 | 1): MalletView => {
    const b = MALLET + p * MALLET_WORDS;
    return {
      x: s[b + MX] / 256,
      y: s[b + MY] / 256,
      vx: s[b + MVX] / 256,
      vy: s[b + MVY] / 256,
      dashCooldown: s[b + MCOOL],
      dashing: s[b + MDASH] > 0,
    };
  };
  return {
    tick: s[TICK],
    phase: PHASES[s[PHASE]] ?? "countdown",
    phaseTicks: s[PHASE_T],
    score: [s[SCORE0], s[SCORE1]],
    playedTicks: s[PLAYED],
    server: s[SERVER] === 1 ? 1 : 0,
    lastScorer: s[LAST_SCORER] === 0 ? 0 : s[LAST_SCORER] === 1 ? 1 : -1,
    winner: s[WINNER] === 0 ? 0 : s[WINNER] === 1 ? 1 : -1,
    match: s[MATCH],
    rematchReady: [(s[READY] & 1) !== 0, (s[READY] & 2) !== 0],
    hits: s[HITS],
    bounces: s[BOUNCES],
    overtime: s[OVERTIME] !== 0,
    mallets: [mallet(0), mallet(1)],
    puck: {
      x: s[PUCK + PX] / 256,
      y: s[PUCK + PY] / 256,
      vx: s[PUCK + PVX] / 256,
      vy: s[PUCK + PVY] / 256,
    },
  };
}

function startMatch(s: Int32Array, seed: number, match: number): void {
  const tick = s[TICK];
  const hits = s[HITS], bounces = s[BOUNCES];
  s.fill(0);
  s[TICK] = tick;
  s[HITS] = hits;
  s[BOUNCES] = bounces;
  s[MATCH] = match;
  // Each match draws from its own stream so a rematch is not a replay of the first serve.
  s[RNG] = rngStep((seed ^ Math.imul(match, 0x9e3779b9)) | 0);
  s[SERVER] = rngOutput(s[RNG]) & 1;
  s[LAST_SCORER] = -1;
  s[WINNER] = -1;
  for (const p of [0, 1] as const) {
    const b = MALLET + p * MALLET_WORDS;
    s[b + MX] = p === 0 ? fromPx(90) : W - fromPx(90);
    s[b + MY] = H >> 1;
  }
  placePuck(s);
  s[PHASE] = COUNTDOWN;
  s[PHASE_T] = START_COUNTDOWN_TICKS;
}

function placePuck(s: Int32Array): void {
  s[PUCK + PX] = s[SERVER] === 0 ? W >> 2 : W - (W >> 2);
  // A small seeded offset keeps faceoffs from being identical.
  s[RNG] = rngStep(s[RNG]);
  s[PUCK + PY] = (H >> 1) + fromPx((rngOutput(s[RNG]) % 81) - 40);
  s[PUCK + PVX] = 0;
  s[PUCK + PVY] = 0;
}

function advance(s: Int32Array, cfg: HockeyConfig, inputs: readonly [number, number]): void {
  const in0 = inputs[0] & 0xff, in1 = inputs[1] & 0xff;
  s[TICK]++;
  moveMallet(s, 0, in0);
  moveMallet(s, 1, in1);
  switch (s[PHASE]) {
    case COUNTDOWN:
      // The puck waits on its spot; mallets bump into it instead of moving it.
      blockMallets(s);
      if (--s[PHASE_T] <= 0) s[PHASE] = PLAYING;
      break;
    case PLAYING:
      s[PLAYED]++;
      stepPuck(s, cfg);
      if (s[PHASE] === PLAYING) checkClock(s, cfg);
      break;
    case SCORED:
      if (--s[PHASE_T] <= 0) {
        s[SERVER] = s[LAST_SCORER] === 0 ? 1 : 0; // the team that conceded serves
        placePuck(s);
        s[PHASE] = COUNTDOWN;
        s[PHASE_T] = FACEOFF_COUNTDOWN_TICKS;
      }
      break;
    case ENDED:
      if (s[PHASE_T] > 0) {
        s[PHASE_T]--;
      } else {
        if (in0 & REMATCH) s[READY] |= 1;
        if (in1 & REMATCH) s[READY] |= 2;
        if (s[READY] === 3) startMatch(s, cfg.seed, s[MATCH] + 1);
      }
      break;
  }
}

function moveMallet(s: Int32Array, p: 0 | 1, input: number): void {
  const b = MALLET + p * MALLET_WORDS;
  const forwardSign = p === 0 ? 1 : -1;
  const dx = ((input & FORWARD ? 1 : 0) - (input & BACK ? 1 : 0)) * forwardSign;
  const dy = (input & DOWN ? 1 : 0) - (input & UP ? 1 : 0);
  const accel = dx !== 0 && dy !== 0 ? (ACCEL * DIAGONAL) >> 8 : ACCEL;
  let vx = s[b + MVX] + dx * accel;
  let vy = s[b + MVY] + dy * accel;
  vx -= idiv(vx * DAMP_NUM, DAMP_DEN);
  vy -= idiv(vy * DAMP_NUM, DAMP_DEN);
  if (dx === 0 && Math.abs(vx) < 16) vx = 0;
  if (dy === 0 && Math.abs(vy) < 16) vy = 0;

  if (s[b + MCOOL] > 0) s[b + MCOOL]--;
  if (s[b + MDASH] > 0) s[b + MDASH]--;
  const pressed = (input & DASH) !== 0 && (s[b + MPREV] & DASH) === 0;
  if (pressed && s[b + MCOOL] === 0) {
    // Without a direction the dash goes straight at the opponent's goal.
    const ddx = dx === 0 && dy === 0 ? forwardSign : dx;
    const scale = ddx !== 0 && dy !== 0 ? DIAGONAL : 256;
    vx += (ddx * DASH_IMPULSE * scale) >> 8;
    vy += (dy * DASH_IMPULSE * scale) >> 8;
    s[b + MCOOL] = DASH_COOLDOWN;
    s[b + MDASH] = DASH_VISIBLE;
  }
  s[b + MPREV] = input;

  s[b + MVX] = vx;
  s[b + MVY] = vy;
  capSpeed(s, b + MVX, b + MVY, MALLET_MAX);
  vx = s[b + MVX];
  vy = s[b + MVY];
  let x = s[b + MX] + vx;
  let y = s[b + MY] + vy;
  const minX = p === 0 ? MR : (W >> 1) + MR;
  const maxX = p === 0 ? (W >> 1) - MR : W - MR;
  if (x < minX || x > maxX) {
    x = clamp(x, minX, maxX);
    vx = 0;
  }
  if (y < MR || y > H - MR) {
    y = clamp(y, MR, H - MR);
    vy = 0;
  }
  s[b + MX] = x;
  s[b + MY] = y;
  s[b + MVX] = vx;
  s[b + MVY] = vy;
}

/**
 * Caps the velocity in `s[ix], s[iy]` at `max`, in place: it runs several times per tick and per
 * re-simulated frame, and a returned pair was garbage the browser collected mid-frame.
 */
function capSpeed(s: Int32Array, ix: number, iy: number, max: number): void {
  const vx = s[ix], vy = s[iy];
  const v2 = vx * vx + vy * vy;
  if (v2 <= max * max) return;
  const v = isqrt(v2);
  s[ix] = idiv(vx * max, v);
  s[iy] = idiv(vy * max, v);
}

/** Substep `i`'s share of velocity `v`; the shares add up to `v` exactly. */
const substepPart = (v: number, i: number) =>
  i === SUBSTEPS - 1 ? v - idiv(v, SUBSTEPS) * (SUBSTEPS - 1) : idiv(v, SUBSTEPS);

function stepPuck(s: Int32Array, cfg: HockeyConfig): void {
  let vx = s[PUCK + PVX], vy = s[PUCK + PVY];
  vx -= idiv(vx, PUCK_FRICTION_DEN);
  vy -= idiv(vy, PUCK_FRICTION_DEN);
  s[PUCK + PVX] = vx;
  s[PUCK + PVY] = vy;
  for (let i = 0; i < SUBSTEPS; i++) {
    s[PUCK + PX] += substepPart(s[PUCK + PVX], i);
    s[PUCK + PY] += substepPart(s[PUCK + PVY], i);
    bounceWalls(s);
    bouncePosts(s);
    collideMallets(s);
    capSpeed(s, PUCK + PVX, PUCK + PVY, PUCK_MAX);
    if (s[PUCK + PX] < 0) return goal(s, cfg, 1);
    if (s[PUCK + PX] > W) return goal(s, cfg, 0);
  }
}

function bounceWalls(s: Int32Array): void {
  const y = s[PUCK + PY];
  if (y < PR) {
    s[PUCK + PY] = 2 * PR - y;
    s[PUCK + PVY] = idiv(-s[PUCK + PVY] * BOUNCE_WALL, 256);
    s[BOUNCES]++;
  } else if (y > H - PR) {
    s[PUCK + PY] = 2 * (H - PR) - y;
    s[PUCK + PVY] = idiv(-s[PUCK + PVY] * BOUNCE_WALL, 256);
    s[BOUNCES]++;
  }
  const py = s[PUCK + PY];
  if (py >= MOUTH_TOP && py <= MOUTH_BOTTOM) return; // the goal mouth is open
  const x = s[PUCK + PX];
  if (x < PR) {
    s[PUCK + PX] = 2 * PR - x;
    s[PUCK + PVX] = idiv(-s[PUCK + PVX] * BOUNCE_WALL, 256);
    s[BOUNCES]++;
  } else if (x > W - PR) {
    s[PUCK + PX] = 2 * (W - PR) - x;
    s[PUCK + PVX] = idiv(-s[PUCK + PVX] * BOUNCE_WALL, 256);
    s[BOUNCES]++;
  }
}

function bouncePosts(s: Int32Array): void {
  // Index loops, no array literals: this runs per substep, also in every re-simulated frame.
  for (let i = 0; i < 4; i++) {
    const px = i < 2 ? 0 : W, py = i % 2 === 0 ? MOUTH_TOP : MOUTH_BOTTOM;
    if (collideCircle(s, px, py, 0, 0, 0, BOUNCE_WALL)) s[BOUNCES]++;
  }
}

function collideMallets(s: Int32Array): void {
  for (let p = 0; p < 2; p++) {
    const b = MALLET + p * MALLET_WORDS;
    if (collideCircle(s, s[b + MX], s[b + MY], s[b + MVX], s[b + MVY], MR, BOUNCE_MALLET)) {
      s[HITS]++;
    }
  }
}

function blockMallets(s: Int32Array): void {
  for (let p = 0; p < 2; p++) {
    const b = MALLET + p * MALLET_WORDS;
    const dx = s[b + MX] - s[PUCK + PX], dy = s[b + MY] - s[PUCK + PY];
    const minD = MR + PR;
    const d2 = dx * dx + dy * dy;
    if (d2 >= minD * minD) continue;
    const d = isqrt(d2);
    const nx = d === 0 ? (p === 0 ? -NORMAL_ONE : NORMAL_ONE) : idiv(dx * NORMAL_ONE, d);
    const ny = d === 0 ? 0 : idiv(dy * NORMAL_ONE, d);
    const minX = p === 0 ? MR : (W >> 1) + MR;
    const maxX = p === 0 ? (W >> 1) - MR : W - MR;
    s[b + MX] = clamp(s[PUCK + PX] + idiv(nx * minD, NORMAL_ONE), minX, maxX);
    s[b + MY] = clamp(s[PUCK + PY] + idiv(ny * minD, NORMAL_ONE), MR, H - MR);
    s[b + MVX] = 0;
    s[b + MVY] = 0;
  }
}

/**
 * Pushes the puck out of a circle (a mallet, or a post with radius 0) that does not move in
 * response, and reflects the puck's velocity relative to it. Returns true on an impact.
 */
function collideCircle(
  s: Int32Array,
  cx: number,
  cy: number,
  cvx: number,
  cvy: number,
  radius: number,
  restitution: number,
): boolean {
  const dx = s[PUCK + PX] - cx, dy = s[PUCK + PY] - cy;
  const minD = radius + PR;
  const d2 = dx * dx + dy * dy;
  if (d2 >= minD * minD) return false;
  const d = isqrt(d2);
  // Dead centre: push toward the rink's middle, a fixed and symmetric choice.
  const nx = d === 0 ? (cx < W >> 1 ? NORMAL_ONE : -NORMAL_ONE) : idiv(dx * NORMAL_ONE, d);
  const ny = d === 0 ? 0 : idiv(dy * NORMAL_ONE, d);
  s[PUCK + PX] = cx + idiv(nx * minD, NORMAL_ONE);
  s[PUCK + PY] = cy + idiv(ny * minD, NORMAL_ONE);
  const rvx = s[PUCK + PVX] - cvx, rvy = s[PUCK + PVY] - cvy;
  const vn = idiv(rvx * nx + rvy * ny, NORMAL_ONE);
  if (vn >= 0) return false; // already separating
  const j = idiv(vn * (256 + restitution), 256);
  s[PUCK + PVX] -= idiv(j * nx, NORMAL_ONE);
  s[PUCK + PVY] -= idiv(j * ny, NORMAL_ONE);
  return true;
}

function goal(s: Int32Array, cfg: HockeyConfig, scorer: 0 | 1): void {
  s[scorer === 0 ? SCORE0 : SCORE1]++;
  s[LAST_SCORER] = scorer;
  const score = s[scorer === 0 ? SCORE0 : SCORE1];
  if ((cfg.pointsToWin > 0 && score >= cfg.pointsToWin) || s[OVERTIME] === 1) {
    endMatch(s, scorer);
  } else {
    s[PHASE] = SCORED;
    s[PHASE_T] = SCORED_TICKS;
  }
  s[PUCK + PVX] = 0;
  s[PUCK + PVY] = 0;
}

function checkClock(s: Int32Array, cfg: HockeyConfig): void {
  if (cfg.timeLimitTicks === 0 || s[PLAYED] < cfg.timeLimitTicks || s[OVERTIME] === 1) return;
  if (s[SCORE0] !== s[SCORE1]) endMatch(s, s[SCORE0] > s[SCORE1] ? 0 : 1);
  else s[OVERTIME] = 1;
}

function endMatch(s: Int32Array, winner: 0 | 1): void {
  s[WINNER] = winner;
  s[PHASE] = ENDED;
  s[PHASE_T] = END_GRACE_TICKS;
  s[READY] = 0;
}
