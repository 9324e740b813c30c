/**
 * The simulation under rollback: the game, both players' input queues, a ring of saved states and
 * a ring of the checksums each simulated frame produced. It advances the game with confirmed or
 * predicted inputs, and on a wrong prediction loads the last correct state and re-simulates to the
 * present.
 *
 * Frame numbering: `frame` is the next frame to simulate, so the live game state is the state
 * after frames 0..frame-1. The state saved "at frame f" is the one before f's inputs are applied;
 * the checksum "of frame f" is the checksum right after f's inputs are applied.
 *
 * Only states that may still be loaded are kept: a ring of `maxRollback + 2` snapshots, as a
 * rollback never goes further back than the oldest frame simulated on a prediction.
 *
 * @module
 */

import type { AdvanceInfo, FrameInputs, InputStatus, RollbackGame } from "./game.ts";
import { createInputQueue, type InputQueue } from "./input_queue.ts";

/** Options of {@link createSyncLayer}. */
export interface SyncLayerOptions<S> {
  game: RollbackGame<S>;
  /** The deepest rollback that will be asked for (frames); sets how many states are kept. */
  maxRollback: number;
  /** Ring size of each input queue; default 256. */
  inputCapacity?: number;
}

/** The game plus what rollback needs around it. */
export interface SyncLayer<S = unknown> {
  /** The next frame to simulate. */
  readonly frame: number;
  /** Player 0's and player 1's inputs. */
  readonly queues: readonly [InputQueue, InputQueue];
  /** Newest frame whose inputs are confirmed for both players (may be ahead of `frame`). */
  confirmedInputFrame(): number;
  /** Oldest frame simulated with a prediction that proved wrong, -1 for none. */
  firstIncorrectFrame(): number;
  /**
   * Saves the state at `frame`, advances the game with frame's inputs, records its checksum.
   * `resimulating` marks a frame re-run by the caller (the sync test), as `rollback()` does.
   */
  advance(resimulating?: boolean): void;
  /** True while `rollback()` re-simulates (games read it through `AdvanceInfo`). */
  readonly resimulating: boolean;
  /** Restores the state saved at `frame` (which must be kept) and makes it the next to simulate. */
  load(frame: number): void;
  /**
   * If a prediction was wrong, loads the state before it and re-simulates to the present.
   * Returns the rollback depth in frames (0 when nothing was wrong).
   */
  rollback(): number;
  /** Checksum recorded when `frame` was last simulated; throws if no longer kept. */
  checksumAt(frame: number): number;
  /** The state at `frame` (before its inputs): the live one for `frame === this.frame`. */
  snapshotAt(frame: number): S;
  /** Frees input slots before `frame` in both queues. */
  discardBefore(frame: number): void;
}

/** Creates a sync layer around a game in its initial state (frame 0). */
export function createSyncLayer<S>(opts: SyncLayerOptions<S>): SyncLayer<S> {
  const { game, maxRollback } = opts;
  if (!Number.isInteger(maxRollback) || maxRollback < 0) {
    throw new RangeError(`maxRollback must be a non-negative integer, got ${maxRollback}`);
  }
  const predictor = game.predictInput?.bind(game);
  const queues = [0, 1].map((player) =>
    createInputQueue({
      capacity: opts.inputCapacity,
      predict: predictor ? (last) => predictor(last, player as 0 | 1) : undefined,
    })
  ) as [InputQueue, InputQueue];

  const size = maxRollback + 2;
  const states: (S | undefined)[] = new Array(size).fill(undefined);
  // Float64: frame numbers go up to the wire's uint32 limit, past what an Int32Array holds.
  const stateFrames = new Float64Array(size).fill(-1);
  const checksums = new Uint32Array(size);
  const checksumFrames = new Float64Array(size).fill(-1);
  // Reused for every advance: the game must not keep them (see RollbackGame.advance).
  const inputs: [number, number] = [0, 0];
  const status: [InputStatus, InputStatus] = ["predicted", "predicted"];
  const info = { frame: 0, status, resimulating: false };
  let frame = 0;
  let inRollback = false;

  function advance(resimulating = false): void {
    const s = frame % size;
    states[s] = game.save();
    stateFrames[s] = frame;
    inputs[0] = queues[0].input(frame);
    inputs[1] = queues[1].input(frame);
    status[0] = queues[0].isConfirmed(frame) ? "confirmed" : "predicted";
    status[1] = queues[1].isConfirmed(frame) ? "confirmed" : "predicted";
    info.frame = frame;
    info.resimulating = resimulating || inRollback;
    game.advance(inputs as FrameInputs, info as AdvanceInfo);
    checksums[s] = game.checksum() >>> 0;
    checksumFrames[s] = frame;
    frame++;
  }

  function load(target: number): void {
    const s = target % size;
    if (target < 0 || stateFrames[s] !== target) {
      throw new RangeError(`no saved state for frame ${target} (current frame ${frame})`);
    }
    game.load(states[s] as S);
    frame = target;
  }

  function firstIncorrectFrame(): number {
    const a = queues[0].firstIncorrectFrame;
    const b = queues[1].firstIncorrectFrame;
    if (a === -1) return b;
    if (b === -1) return a;
    return a < b ? a : b;
  }

  return {
    get frame() {
      return frame;
    },
    queues,
    confirmedInputFrame() {
      const a = queues[0].confirmedFrame;
      const b = queues[1].confirmedFrame;
      return a < b ? a : b;
    },
    firstIncorrectFrame,
    advance: (resimulating?: boolean) => advance(resimulating),
    get resimulating() {
      return inRollback;
    },
    load,
    rollback() {
      const target = firstIncorrectFrame();
      queues[0].resetPrediction();
      queues[1].resetPrediction();
      if (target === -1 || target >= frame) return 0;
      const present = frame;
      load(target);
      inRollback = true;
      try {
        while (frame < present) advance();
      } finally {
        inRollback = false;
        info.resimulating = false;
      }
      return present - target;
    },
    checksumAt(f) {
      const s = f % size;
      if (f < 0 || checksumFrames[s] !== f || f >= frame) {
        throw new RangeError(`no checksum kept for frame ${f} (current frame ${frame})`);
      }
      return checksums[s];
    },
    snapshotAt(f) {
      if (f === frame) return game.save();
      const s = f % size;
      if (f < 0 || f > frame || stateFrames[s] !== f) {
        throw new RangeError(`no saved state for frame ${f} (current frame ${frame})`);
      }
      return states[s] as S;
    },
    discardBefore(f) {
      queues[0].discardBefore(f);
      queues[1].discardBefore(f);
    },
  };
}
