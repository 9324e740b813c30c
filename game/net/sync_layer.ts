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
  return new RingSyncLayer(opts);
}

/**
 * The sync layer as one object with its rings in private fields (GGRS's SyncLayer struct): the
 * hot path (`advance`, `rollback`) is plain method calls on preallocated storage, with nothing
 * allocated per frame.
 */
class RingSyncLayer<S> implements SyncLayer<S> {
  readonly queues: readonly [InputQueue, InputQueue];
  readonly #game: RollbackGame<S>;
  readonly #maxRollback: number;
  readonly #sparse: boolean;
  // Bound once: a game without saveInto pays one `save()` per saved frame, as before.
  readonly #saveInto: ((into: S) => S) | undefined;
  readonly #size: number;
  readonly #states: (S | undefined)[];
  // Float64: frame numbers go up to the wire's uint32 limit, past what an Int32Array holds.
  readonly #stateFrames: Float64Array;
  readonly #checksums: Uint32Array;
  readonly #checksumFrames: Float64Array;
  // Reused for every advance: the game must not keep them (see RollbackGame.advance).
  readonly #inputs: [number, number] = [0, 0];
  readonly #status: [InputStatus, InputStatus] = ["predicted", "predicted"];
  readonly #info = { frame: 0, status: this.#status, resimulating: false };
  #frame = 0;
  #inRollback = false;
  #savedState: S | undefined;
  #savedFrame = -1;
  // Sparse saving: the one frame a re-simulation saves (the newest final one it passes).
  #sparseSaveAt = -1;

  constructor(opts: SyncLayerOptions<S>) {
    const { game, maxRollback } = opts;
    if (!Number.isInteger(maxRollback) || maxRollback < 0) {
      throw new RangeError(`maxRollback must be a non-negative integer, got ${maxRollback}`);
    }
    const predictor = game.predictInput?.bind(game);
    this.queues = [0, 1].map((player) =>
      createInputQueue({
        capacity: opts.inputCapacity,
        predict: predictor ? (last) => predictor(last, player as 0 | 1) : undefined,
      })
    ) as [InputQueue, InputQueue];
    this.#game = game;
    this.#maxRollback = maxRollback;
    this.#sparse = opts.sparseSaving === true;
    this.#saveInto = game.saveInto?.bind(game);
    const size = this.#size = maxRollback + 2;
    this.#states = new Array(size).fill(undefined);
    this.#stateFrames = new Float64Array(size).fill(-1);
    this.#checksums = new Uint32Array(size);
    this.#checksumFrames = new Float64Array(size).fill(-1);
  }

  get frame(): number {
    return this.#frame;
  }

  get resimulating(): boolean {
    return this.#inRollback;
  }

  confirmedInputFrame(): number {
    const a = this.queues[0].confirmedFrame;
    const b = this.queues[1].confirmedFrame;
    return a < b ? a : b;
  }

  firstIncorrectFrame(): number {
    const a = this.queues[0].firstIncorrectFrame;
    const b = this.queues[1].firstIncorrectFrame;
    if (a === -1) return b;
    if (b === -1) return a;
    return a < b ? a : b;
  }

  advance(resimulating = false): void {
    const frame = this.#frame;
    const s = frame % this.#size;
    if (!this.#sparse) {
      // The slot's old state is of frame - size: older than any rollback can reach.
      this.#states[s] = this.#saveOver(this.#states[s]);
      this.#stateFrames[s] = frame;
    } else if (this.#inRollback ? frame === this.#sparseSaveAt : this.#isFinalState(frame)) {
      this.#saveSparse();
    }
    const queues = this.queues, inputs = this.#inputs, status = this.#status, info = this.#info;
    inputs[0] = queues[0].input(frame);
    inputs[1] = queues[1].input(frame);
    status[0] = queues[0].isConfirmed(frame) ? "confirmed" : "predicted";
    status[1] = queues[1].isConfirmed(frame) ? "confirmed" : "predicted";
    info.frame = frame;
    info.resimulating = resimulating || this.#inRollback;
    this.#game.advance(inputs as FrameInputs, info as AdvanceInfo);
    this.#checksums[s] = this.#game.checksum() >>> 0;
    this.#checksumFrames[s] = frame;
    this.#frame = frame + 1;
  }

  load(target: number): void {
    if (this.#sparse) {
      if (target !== this.#savedFrame || this.#savedState === undefined) {
        throw new RangeError(
          `no saved state for frame ${target} (sparse: only ${this.#savedFrame})`,
        );
      }
      this.#game.load(this.#savedState);
      this.#frame = target;
      return;
    }
    const s = target % this.#size;
    if (target < 0 || this.#stateFrames[s] !== target) {
      throw new RangeError(`no saved state for frame ${target} (current frame ${this.#frame})`);
    }
    this.#game.load(this.#states[s] as S);
    this.#frame = target;
  }

  rollback(): number {
    let target = this.firstIncorrectFrame();
    this.queues[0].resetPrediction();
    this.queues[1].resetPrediction();
    if (target === -1 || target >= this.#frame) return 0;
    if (this.#sparse) target = this.#savedFrame; // at or before the first wrong frame (see advance)
    const present = this.#frame;
    this.#resimulate(target, present);
    return present - target;
  }

  checksumAt(f: number): number {
    const s = f % this.#size;
    if (f < 0 || this.#checksumFrames[s] !== f || f >= this.#frame) {
      throw new RangeError(`no checksum kept for frame ${f} (current frame ${this.#frame})`);
    }
    return this.#checksums[s];
  }

  snapshotAt(f: number): S {
    if (f === this.#frame) return this.#game.save();
    if (this.#sparse) {
      if (f !== this.#savedFrame) throw new RangeError(`no saved state for frame ${f} (sparse)`);
      return this.#savedState as S;
    }
    const s = f % this.#size;
    if (f < 0 || f > this.#frame || this.#stateFrames[s] !== f) {
      throw new RangeError(`no saved state for frame ${f} (current frame ${this.#frame})`);
    }
    return this.#states[s] as S;
  }

  discardBefore(f: number): void {
    // Sparse: a rollback re-simulates from the saved frame, so its inputs must stay.
    const saved = this.#savedFrame;
    const upTo = this.#sparse && saved >= 0 && saved < f ? saved : f;
    this.queues[0].discardBefore(upTo);
    this.queues[1].discardBefore(upTo);
  }

  hasSnapshot(f: number): boolean {
    if (f === this.#frame) return true;
    if (this.#sparse) return f === this.#savedFrame && this.#savedState !== undefined;
    return f >= 0 && f < this.#frame && this.#stateFrames[f % this.#size] === f;
  }

  refreshSparse(): number {
    const from = this.#savedFrame, present = this.#frame;
    if (!this.#sparse || from < 0 || present <= from) return 0;
    if (this.confirmedInputFrame() + 1 - from <= this.#maxRollback) return 0;
    this.#resimulate(from, present);
    return present - from;
  }

  /** Every input before `f` is final and was simulated right: the state at `f` is final. */
  #isFinalState(f: number): boolean {
    const incorrect = this.firstIncorrectFrame();
    return f > this.#savedFrame && f <= this.confirmedInputFrame() + 1 &&
      (incorrect === -1 || incorrect >= f);
  }

  /** The state now, into `old` (a snapshot nothing will load again) when the game can. */
  #saveOver(old: S | undefined): S {
    return old !== undefined && this.#saveInto ? this.#saveInto(old) : this.#game.save();
  }

  #saveSparse(): void {
    this.#savedState = this.#saveOver(this.#savedState);
    this.#savedFrame = this.#frame;
  }

  /** Re-simulates from `target` (loaded) to `present`; sparse: saves the newest final state. */
  #resimulate(target: number, present: number): void {
    this.load(target);
    const saveAt = this.#sparseSaveAt = this.#sparse
      ? Math.min(this.confirmedInputFrame() + 1, present)
      : -1;
    this.#inRollback = true;
    try {
      while (this.#frame < present) this.advance();
    } finally {
      this.#inRollback = false;
      this.#info.resimulating = false;
    }
    if (this.#sparse && this.#frame === saveAt && saveAt > this.#savedFrame) this.#saveSparse();
  }
}
