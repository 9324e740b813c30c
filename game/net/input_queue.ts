/**
 * One player's inputs, frame by frame: the confirmed ones (known for sure) and, past the newest
 * confirmed frame, predictions. Every prediction handed out is remembered so that when the real
 * input arrives the queue can tell whether the simulation used a wrong value, and from which frame
 * it must be re-run (`firstIncorrectFrame`).
 *
 * Storage is a fixed ring of typed arrays (no allocation per frame). The owner says which frames it
 * no longer needs with `discardBefore`; a frame too far ahead of that (ring full) is refused with a
 * RangeError rather than silently overwriting a frame still needed.
 *
 * @module
 */

import { isValidInput } from "./game.ts";

/** Guesses an input from the player's last confirmed input (default: repeat it). */
export type InputPredictor = (last: number) => number;

/** Options of {@link createInputQueue}. */
export interface InputQueueOptions {
  /** Frames the ring holds, from the oldest still needed to the newest; default 256. */
  capacity?: number;
  /** Prediction for unconfirmed frames; default repeats the last confirmed input. */
  predict?: InputPredictor;
}

/** One player's confirmed and predicted inputs. */
export interface InputQueue {
  /** Newest frame whose input is confirmed; confirmed frames are contiguous from 0. -1 for none. */
  readonly confirmedFrame: number;
  /** Oldest frame whose input turned out different from the prediction used; -1 for none. */
  readonly firstIncorrectFrame: number;
  /** Oldest frame still held (see discardBefore). */
  readonly oldestFrame: number;
  /**
   * Confirms the input of `frame`, which must be confirmedFrame + 1. If that frame was simulated
   * with a different prediction, firstIncorrectFrame moves to it (when older than the current one).
   */
  add(frame: number, input: number): void;
  /** The input to simulate `frame` with: confirmed if known, else a prediction (remembered). */
  input(frame: number): number;
  /** True when frame's input is confirmed and still held. */
  isConfirmed(frame: number): boolean;
  /** True when `add(frame, …)` would fit in the ring (the next frame, not too far ahead). */
  canAdd(frame: number): boolean;
  /** Forgets the wrong-prediction mark, after the caller re-simulated from it. */
  resetPrediction(): void;
  /** Frames before `frame` will not be asked for again; frees their ring slots. */
  discardBefore(frame: number): void;
}

const NO_PREDICTION = -1;

/** Creates an empty input queue (no confirmed frame yet). */
export function createInputQueue(opts: InputQueueOptions = {}): InputQueue {
  const capacity = opts.capacity ?? 256;
  if (!Number.isInteger(capacity) || capacity < 2) {
    throw new RangeError(`input queue capacity must be an integer >= 2, got ${capacity}`);
  }
  const predict = opts.predict ?? ((last: number) => last);
  const confirmed = new Uint8Array(capacity);
  // The prediction handed out for a frame, or NO_PREDICTION; tagged with its frame so a stale slot
  // from a previous lap of the ring is never mistaken for this frame's.
  const predicted = new Int16Array(capacity).fill(NO_PREDICTION);
  // Float64: frames go past an Int32Array's 2^31 (414 days at 60 Hz) up to the wire's uint32.
  const predictedFrame = new Float64Array(capacity).fill(-1);
  let confirmedFrame = -1;
  let firstIncorrect = -1;
  let oldest = 0;
  let lastConfirmedInput = 0;

  function slot(frame: number): number {
    return frame % capacity;
  }

  function checkFrame(frame: number, what: string): void {
    if (!Number.isInteger(frame) || frame < 0) {
      throw new RangeError(`${what}: frame must be a non-negative integer, got ${frame}`);
    }
    if (frame < oldest) {
      throw new RangeError(`${what}: frame ${frame} was discarded (oldest held is ${oldest})`);
    }
    if (frame - oldest >= capacity) {
      throw new RangeError(
        `${what}: frame ${frame} is too far ahead (oldest held ${oldest}, capacity ${capacity})`,
      );
    }
  }

  return {
    get confirmedFrame() {
      return confirmedFrame;
    },
    get firstIncorrectFrame() {
      return firstIncorrect;
    },
    get oldestFrame() {
      return oldest;
    },
    add(frame, input) {
      if (frame !== confirmedFrame + 1) {
        throw new RangeError(
          `input for frame ${frame} out of order: expected frame ${confirmedFrame + 1}`,
        );
      }
      if (!isValidInput(input)) {
        throw new RangeError(`input must be an integer 0..255, got ${input}`);
      }
      checkFrame(frame, "add");
      const s = slot(frame);
      if (predictedFrame[s] === frame) {
        if (predicted[s] !== input && (firstIncorrect === -1 || frame < firstIncorrect)) {
          firstIncorrect = frame;
        }
        predictedFrame[s] = -1;
      }
      confirmed[s] = input;
      confirmedFrame = frame;
      lastConfirmedInput = input;
    },
    input(frame) {
      checkFrame(frame, "input");
      const s = slot(frame);
      if (frame <= confirmedFrame) return confirmed[s];
      const guess = predict(lastConfirmedInput) & 0xff;
      predicted[s] = guess;
      predictedFrame[s] = frame;
      return guess;
    },
    isConfirmed(frame) {
      return frame <= confirmedFrame && frame >= oldest;
    },
    canAdd(frame) {
      return frame === confirmedFrame + 1 && frame - oldest < capacity;
    },
    resetPrediction() {
      firstIncorrect = -1;
    },
    discardBefore(frame) {
      if (frame > oldest) oldest = frame;
    },
  };
}
