/**
 * Keeps a pairing's confirmed-input log as it grows, and turns it into a {@link Replay} at any
 * moment (the current match so far, or the whole pairing once over). Two bytes a frame, in a
 * buffer that doubles: an hour of play is 432 KB before compression, a few KB after.
 *
 * @module
 */

import {
  MAX_REPLAY_FRAMES,
  type Replay,
  REPLAY_CHECKSUM_EVERY,
} from "../../../shared/replay_format.ts";

/** What a replay needs besides the inputs. */
export interface ReplayHeader {
  game: string;
  version: string;
  seed: number;
  names: readonly [string, string];
  options: readonly [unknown, unknown];
}

/** The log of one pairing. */
export interface ReplayRecorder {
  /** Frames recorded so far (the next frame expected is this one). */
  readonly frames: number;
  /**
   * Records the confirmed inputs of `frame` and the checksum of the state after it. Frames must
   * come in order without gaps; anything else is ignored (and counted).
   */
  record(frame: number, input0: number, input1: number, checksum: number): void;
  /** Notes that a match of the pairing (a rematch) starts at `frame`. */
  matchStarted(frame: number): void;
  /** Frames offered out of order and ignored. */
  readonly rejected: number;
  /**
   * The recorded inputs of frames `from` to `to` (exclusive; clamped to what is recorded), two
   * bytes a frame as in {@link Replay.inputs}: a view, valid until the next `record`.
   */
  inputs(from: number, to: number): Uint8Array;
  /** The replay of everything recorded so far. */
  replay(): Replay;
}

/** Creates an empty recorder for a pairing. */
export function createReplayRecorder(header: ReplayHeader): ReplayRecorder {
  let inputs = new Uint8Array(2 * 3600);
  const checksums: number[] = [];
  const matchStarts = [0];
  let frames = 0;
  let rejected = 0;
  return {
    get frames() {
      return frames;
    },
    get rejected() {
      return rejected;
    },
    record(frame, i0, i1, checksum) {
      if (frame !== frames) {
        rejected++;
        return;
      }
      if (frames >= MAX_REPLAY_FRAMES) return; // the replay keeps the first MAX_REPLAY_FRAMES
      if (2 * frames + 2 > inputs.length) {
        const grown = new Uint8Array(inputs.length * 2);
        grown.set(inputs);
        inputs = grown;
      }
      inputs[2 * frames] = i0 & 0xff;
      inputs[2 * frames + 1] = i1 & 0xff;
      if (frame % REPLAY_CHECKSUM_EVERY === 0) checksums.push(checksum >>> 0);
      frames++;
    },
    inputs(from, to) {
      const a = Math.max(0, Math.min(from, frames));
      return inputs.subarray(2 * a, 2 * Math.max(a, Math.min(to, frames)));
    },
    matchStarted(frame) {
      if (frame > matchStarts[matchStarts.length - 1]) matchStarts.push(frame);
    },
    replay: () => ({
      ...header,
      names: [header.names[0], header.names[1]],
      options: [header.options[0], header.options[1]],
      frames,
      inputs: inputs.slice(0, frames * 2),
      checksums: Uint32Array.from(checksums),
      matchStarts: matchStarts.filter((s) => s <= frames),
    }),
  };
}
