/**
 * Sync test: proves a game deterministic enough for rollback without a network. Every tick it
 * advances one frame, then loads the state `checkDistance` frames back and re-simulates to the
 * present, comparing each re-simulated frame's checksum with the one it had the first time. A game
 * that reads anything outside its saved state, or whose save/load loses something, produces a
 * different checksum on the re-run; the session names the first such frame.
 *
 * ```ts
 * const result = runSyncTest({ game, frames: 600, input: (frame, player) => botInput(frame, player) });
 * if (!result.ok) console.error(`non-deterministic at frame ${result.mismatch.frame}`);
 * ```
 *
 * @module
 */

import type { RollbackGame } from "../game.ts";
import { createSyncLayer } from "../sync_layer.ts";

/** Options of {@link createSyncTestSession}. */
export interface SyncTestOptions<S = unknown> {
  game: RollbackGame<S>;
  /** How many frames each tick rolls back and re-simulates (>= 1); default 7. */
  checkDistance?: number;
}

/** The first frame whose checksum differed between its first run and a re-simulation. */
export interface SyncTestMismatch {
  frame: number;
  /** Checksum of the frame's first run. */
  expected: number;
  /** Checksum of the frame when re-simulated. */
  actual: number;
}

/** A game run locally with a rollback on every tick. */
export interface SyncTestSession {
  /** Advances one frame with both players' inputs, rolls back and re-checks; the first mismatch. */
  tick(input0: number, input1: number): SyncTestMismatch | null;
  /** The next frame to simulate. */
  readonly frame: number;
  /** The first mismatch seen so far, or null. */
  readonly mismatch: SyncTestMismatch | null;
  /** Frames re-simulated so far. */
  readonly resimulatedFrames: number;
}

/** Creates a sync-test session around a game in its initial state. */
export function createSyncTestSession<S>(opts: SyncTestOptions<S>): SyncTestSession {
  const distance = opts.checkDistance ?? 7;
  if (!Number.isInteger(distance) || distance < 1) {
    throw new RangeError(`checkDistance must be a positive integer, got ${distance}`);
  }
  // The input queues must hold every frame a rollback re-simulates, however deep the check.
  const sync = createSyncLayer({
    game: opts.game,
    maxRollback: distance,
    inputCapacity: Math.max(256, distance + 2),
  });
  const size = distance + 1;
  const firstRun = new Uint32Array(size);
  let mismatch: SyncTestMismatch | null = null;
  let resimulated = 0;

  return {
    tick(input0, input1) {
      const f = sync.frame;
      sync.queues[0].add(f, input0);
      sync.queues[1].add(f, input1);
      sync.advance();
      firstRun[f % size] = sync.checksumAt(f);
      const target = Math.max(0, sync.frame - distance);
      sync.discardBefore(target);
      const present = sync.frame;
      sync.load(target);
      while (sync.frame < present) {
        const g = sync.frame;
        sync.advance(true);
        resimulated++;
        const actual = sync.checksumAt(g);
        if (mismatch === null && actual !== firstRun[g % size]) {
          mismatch = { frame: g, expected: firstRun[g % size], actual };
        }
      }
      return mismatch;
    },
    get frame() {
      return sync.frame;
    },
    get mismatch() {
      return mismatch;
    },
    get resimulatedFrames() {
      return resimulated;
    },
  };
}

/** Options of {@link runSyncTest}. */
export interface RunSyncTestOptions<S = unknown> extends SyncTestOptions<S> {
  /** Frames to run. */
  frames: number;
  /** Both players' scripted inputs (integers 0..255). */
  input: (frame: number, player: 0 | 1) => number;
}

/** Outcome of {@link runSyncTest}. */
export type SyncTestResult =
  | { ok: true; frames: number }
  | { ok: false; frames: number; mismatch: SyncTestMismatch };

/** Runs a sync test for `frames` frames, stopping at the first mismatch. */
export function runSyncTest<S>(opts: RunSyncTestOptions<S>): SyncTestResult {
  const session = createSyncTestSession(opts);
  for (let f = 0; f < opts.frames; f++) {
    const mismatch = session.tick(opts.input(f, 0), opts.input(f, 1));
    if (mismatch) return { ok: false, frames: f + 1, mismatch };
  }
  return { ok: true, frames: opts.frames };
}
