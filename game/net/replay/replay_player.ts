/**
 * Plays a replay back through the same wrapped game the players ran (match_game.ts), so every
 * frame, rematch and checksum is the one they saw. Pure and driven by `update(dtMs)`: pause,
 * 0.25x to 4x speed, and seek (from the nearest snapshot, taken every few seconds, then fast
 * forward). Each stored checksum is compared as its frame is reached: the first difference means
 * the replay came from another build of the game, and is reported instead of showing a different
 * match.
 *
 * @module
 */

import { type Replay, REPLAY_CHECKSUM_EVERY } from "../../../shared/replay_format.ts";
import type { RollbackGame } from "../game.ts";
import {
  type CreateGame,
  createMatchGame,
  type MatchGame,
  type MatchGameSnapshot,
  type MatchSetup,
} from "../match/match_game.ts";
import { TICK_MS } from "../match/match_runner.ts";

/** Slowest and fastest playback. */
export const MIN_REPLAY_SPEED = 0.25;
export const MAX_REPLAY_SPEED = 4;
/** Frames between the player's snapshots for seeking. */
export const DEFAULT_SNAPSHOT_EVERY = 300;
/** Most frames one `update` simulates (a long hidden tab must not freeze the page). */
const MAX_FRAMES_PER_UPDATE = 64;

/** Options of {@link createReplayPlayer}. */
export interface ReplayPlayerOptions<G extends RollbackGame> {
  replay: Replay;
  createGame: CreateGame<G>;
  isOver?: (game: G) => boolean;
  /** Whose point of view the renderer takes (default 0). */
  localPlayer?: 0 | 1;
  snapshotEvery?: number;
}

/** A checksum that differs from the recording. */
export interface ReplayMismatch {
  frame: number;
  expected: number;
  actual: number;
}

/** A replay being played. */
export interface ReplayPlayer<G extends RollbackGame> {
  readonly replay: Replay;
  /** Frames simulated so far (frame `frame` is the next one). */
  readonly frame: number;
  readonly frames: number;
  readonly game: G;
  readonly setup: MatchSetup;
  /** The game's snapshot before the newest frame (for interpolation), or null. */
  readonly previous: unknown;
  readonly alpha: number;
  readonly playing: boolean;
  readonly speed: number;
  /** True once every frame has been played. */
  readonly ended: boolean;
  /** The first checksum that differed from the recording (playback then stops), or null. */
  readonly mismatch: ReplayMismatch | null;
  play(): void;
  pause(): void;
  /** Sets the speed, clamped to 0.25..4 (NaN is ignored). */
  setSpeed(speed: number): void;
  /** Jumps so that `frame` frames have been simulated (clamped to the replay). */
  seek(frame: number): void;
  /** Plays `dtMs` of time at the current speed; returns frames simulated. */
  update(dtMs: number): number;
  /** Checksum of the state after a played frame (as `session.checksum`), else undefined. */
  checksum(frame: number): number | undefined;
}

/** Creates a player at frame 0, paused. */
export function createReplayPlayer<G extends RollbackGame>(
  opts: ReplayPlayerOptions<G>,
): ReplayPlayer<G> {
  const { replay } = opts;
  const snapshotEvery = Math.max(1, Math.floor(opts.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY));
  const setup: MatchSetup = {
    seed: replay.seed,
    localPlayer: opts.localPlayer ?? 0,
    names: replay.names,
    match: 0,
    options: replay.options,
  };
  const game: MatchGame<G> = createMatchGame({
    createGame: opts.createGame,
    setup,
    isOver: opts.isOver,
  });
  const snapshots = new Map<number, MatchGameSnapshot>([[0, game.save()]]);
  const checksums = new Uint32Array(replay.frames);
  let played = 0; // checksums[0..played) are known
  let frame = 0;
  let playing = false;
  let speed = 1;
  let acc = 0;
  let previous: unknown = null;
  let mismatch: ReplayMismatch | null = null;
  const inputs: [number, number] = [0, 0];

  function step(): void {
    inputs[0] = replay.inputs[2 * frame];
    inputs[1] = replay.inputs[2 * frame + 1];
    game.advance(inputs);
    const sum = game.checksum();
    if (frame >= played) {
      checksums[frame] = sum;
      played = frame + 1;
      if (frame % REPLAY_CHECKSUM_EVERY === 0 && mismatch === null) {
        const expected = replay.checksums[frame / REPLAY_CHECKSUM_EVERY];
        if (expected !== sum) {
          // Another build: what follows is not the recorded match, so stop showing it.
          mismatch = { frame, expected, actual: sum };
          playing = false;
        }
      }
    }
    frame++;
    if (frame % snapshotEvery === 0 && !snapshots.has(frame)) snapshots.set(frame, game.save());
  }

  return {
    replay,
    get frame() {
      return frame;
    },
    frames: replay.frames,
    get game() {
      return game.game;
    },
    get setup() {
      return game.setup;
    },
    get previous() {
      return previous;
    },
    get alpha() {
      return playing ? Math.min(1, acc / TICK_MS) : 1;
    },
    get playing() {
      return playing;
    },
    get speed() {
      return speed;
    },
    get ended() {
      return frame >= replay.frames;
    },
    get mismatch() {
      return mismatch;
    },
    play() {
      if (frame < replay.frames && mismatch === null) playing = true;
    },
    pause() {
      playing = false;
      acc = 0;
    },
    setSpeed(s) {
      if (Number.isNaN(s)) return;
      speed = Math.min(MAX_REPLAY_SPEED, Math.max(MIN_REPLAY_SPEED, s));
    },
    seek(target) {
      const to = Math.max(0, Math.min(replay.frames, Math.floor(Number(target) || 0)));
      const base = Math.floor(to / snapshotEvery) * snapshotEvery;
      // Snapshots exist only for frames already reached; fast-forward from the newest one.
      let from = base;
      while (!snapshots.has(from)) from -= snapshotEvery;
      if (!(frame >= from && frame <= to)) {
        game.load(snapshots.get(from)!);
        frame = from;
      }
      while (frame < to) step();
      previous = null;
      acc = 0;
      if (frame >= replay.frames) playing = false;
    },
    update(dtMs) {
      if (!playing || !(dtMs >= 0)) return 0;
      acc += dtMs * speed;
      let ran = 0;
      while (acc >= TICK_MS && frame < replay.frames && ran < MAX_FRAMES_PER_UPDATE) {
        previous = game.game.save();
        step();
        acc -= TICK_MS;
        ran++;
      }
      if (acc >= TICK_MS) acc %= TICK_MS;
      if (frame >= replay.frames) playing = false;
      return ran;
    },
    checksum: (f) => (Number.isInteger(f) && f >= 0 && f < played ? checksums[f] : undefined),
  };
}
