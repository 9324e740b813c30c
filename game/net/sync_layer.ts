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
 * rollback never goes further back than the oldest frame simulated on a prediction. A game with
 * `saveInto` has its snapshots refilled in place as the ring comes round (the sparse one too), so
 * saving allocates nothing; a snapshot handed out by `snapshotAt` is therefore valid only until
 * that slot is saved again (the caller serializes it at once). Without `saveInto` every save is a
 * fresh `save()`, as before.
 *
 * Sparse saving (`sparseSaving`, as in GGRS) is for games whose state is expensive to save: only
 * the newest frame whose inputs were all confirmed when it was simulated is saved, a rollback
 * always goes back to it, and `refreshSparse` re-simulates from it once it falls `maxRollback`
 * frames behind the confirmed inputs, so it moves forward even when no prediction is wrong.
 * Fewer saves, deeper re-simulations.
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
  /** Save only the newest confirmed frame (see the module doc); default false. */
  sparseSaving?: boolean;
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
  /** Frees input slots before `frame` in both queues (sparse: never the saved frame's). */
  discardBefore(frame: number): void;
  /** True when `snapshotAt(frame)` can answer. */
  hasSnapshot(frame: number): boolean;
  /**
   * Sparse saving only: when the saved frame is more than `maxRollback` frames behind the
   * confirmed inputs, re-simulates from it (saving the newest confirmed frame on the way).
   * Returns the frames re-simulated (0 when nothing was needed, and always without sparse saving).
   */
  refreshSparse(): number;
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
  const sparse = opts.sparseSaving === true;
  let savedState: S | undefined;
  let savedFrame = -1;

  // Sparse saving: the one frame a re-simulation saves (the newest final one it passes).
  let sparseSaveAt = -1;

  /** Every input before `f` is final and was simulated right: the state at `f` is final. */
  function isFinalState(f: number): boolean {
    const incorrect = firstIncorrectFrame();
    return f > savedFrame && f <= confirmedInputFrame() + 1 &&
      (incorrect === -1 || incorrect >= f);
  }

  // Bound once: a game without saveInto pays one `save()` per saved frame, as before.
  const saveInto = game.saveInto?.bind(game);

  /** The state now, into `old` (a snapshot nothing will load again) when the game can. */
  function saveOver(old: S | undefined): S {
    return old !== undefined && saveInto ? saveInto(old) : game.save();
  }

  function saveSparse(): void {
    savedState = saveOver(savedState);
    savedFrame = frame;
  }

  /** Re-simulates from `target` (loaded) to `present`; sparse: saves the newest final state. */
  function resimulate(target: number, present: number): void {
    load(target);
    sparseSaveAt = sparse ? Math.min(confirmedInputFrame() + 1, present) : -1;
    inRollback = true;
    try {
      while (frame < present) advance();
    } finally {
      inRollback = false;
      info.resimulating = false;
    }
    if (sparse && frame === sparseSaveAt && sparseSaveAt > savedFrame) saveSparse();
  }

  function confirmedInputFrame(): number {
    const a = queues[0].confirmedFrame;
    const b = queues[1].confirmedFrame;
    return a < b ? a : b;
  }

  function advance(resimulating = false): void {
    const s = frame % size;
    if (!sparse) {
      // The slot's old state is of frame - size: older than any rollback can reach.
      states[s] = saveOver(states[s]);
      stateFrames[s] = frame;
    } else if (inRollback ? frame === sparseSaveAt : isFinalState(frame)) {
      saveSparse();
    }
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
    if (sparse) {
      if (target !== savedFrame || savedState === undefined) {
        throw new RangeError(`no saved state for frame ${target} (sparse: only ${savedFrame})`);
      }
      game.load(savedState);
      frame = target;
      return;
    }
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
    confirmedInputFrame,
    firstIncorrectFrame,
    advance: (resimulating?: boolean) => advance(resimulating),
    get resimulating() {
      return inRollback;
    },
    load,
    rollback() {
      let target = firstIncorrectFrame();
      queues[0].resetPrediction();
      queues[1].resetPrediction();
      if (target === -1 || target >= frame) return 0;
      if (sparse) target = savedFrame; // at or before the first wrong frame (see advance)
      const present = frame;
      resimulate(target, present);
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
      if (sparse) {
        if (f !== savedFrame) throw new RangeError(`no saved state for frame ${f} (sparse)`);
        return savedState as S;
      }
      const s = f % size;
      if (f < 0 || f > frame || stateFrames[s] !== f) {
        throw new RangeError(`no saved state for frame ${f} (current frame ${frame})`);
      }
      return states[s] as S;
    },
    discardBefore(f) {
      // Sparse: a rollback re-simulates from the saved frame, so its inputs must stay.
      const upTo = sparse && savedFrame >= 0 && savedFrame < f ? savedFrame : f;
      queues[0].discardBefore(upTo);
      queues[1].discardBefore(upTo);
    },
    hasSnapshot(f) {
      if (f === frame) return true;
      if (sparse) return f === savedFrame && savedState !== undefined;
      return f >= 0 && f < frame && stateFrames[f % size] === f;
    },
    refreshSparse() {
      if (!sparse || savedFrame < 0 || frame <= savedFrame) return 0;
      if (confirmedInputFrame() + 1 - savedFrame <= maxRollback) return 0;
      const present = frame, from = savedFrame;
      resimulate(from, present);
      return present - from;
    },
  };
}
