/**
 * The streaming seat's side of spectating, across resumes: where the stream to the lobby stands
 * in the pairing's confirmed-input log (the replay recorder's, from frame 0), cut into `stream`
 * batches. Plain state, no I/O: the match runner takes the ready batches after its ticks.
 *
 * Unlike a buffer of frames not yet sent, a cursor over the whole log can go back: when the lobby
 * says `stream-from {from}` (this page took the streaming seat back after a reload, or its lobby
 * connection dropped and batches were lost), {@link StreamCursor.rewind} moves it to `from` and
 * the next batches resend from there. A `from` beyond the log (the lobby got frames from the old
 * page that this one has not confirmed yet) waits until the log gets there.
 *
 * Catching up is paced below the lobby's limit (STREAM_FRAMES_PER_SECOND sustained,
 * STREAM_FRAME_BURST at once), or the lobby would drop batches and the stream would break again:
 * {@link CURSOR_FRAMES_PER_SECOND} with a burst of {@link CURSOR_FRAME_BURST}; live play (60 a
 * second) always fits.
 *
 * @module
 */

import type { StreamHeader } from "../../../shared/lobby_protocol.ts";
import { STREAM_BATCH_MAX_FRAMES, STREAM_FRAME_BURST } from "../../../shared/limits.ts";
import { encodeStreamInputs } from "../../../shared/stream_inputs.ts";
import { STREAM_BATCH_FRAMES, type StreamBatch } from "./stream_batcher.ts";

/** Frames a second the cursor sends at most (the lobby takes 90): 60 of play, 20 to catch up. */
export const CURSOR_FRAMES_PER_SECOND = 80;
/** Frames the cursor may send at once after a quiet spell (the lobby takes 600). */
export const CURSOR_FRAME_BURST = 480;

/** The confirmed-input log the cursor reads (a {@link ReplayRecorder} is one). */
export interface StreamLog {
  /** Frames in the log. */
  readonly frames: number;
  /** Inputs of frames `from` to `to` (exclusive), two bytes a frame. */
  inputs(from: number, to: number): Uint8Array;
}

/** Where the stream stands. */
export interface StreamCursor {
  /** The next frame to send. */
  readonly next: number;
  /** The lobby wants the frames from `from` on (`stream-from`). */
  rewind(from: number): void;
  /**
   * The batches to send now from `log` at `nowMs`, of its first `upTo` frames at most (default
   * all; see {@link streamableFrames}): full batches (bigger ones while catching up, within the
   * pace), and with `all` what is left (the pairing is over), within what the lobby still takes
   * at once: a page far behind loses the end of its stream rather than have it refused.
   */
  take(log: StreamLog, nowMs: number, all?: boolean, upTo?: number): StreamBatch[];
}

/**
 * Frames the streaming seat may stream: those it confirmed whose local inputs the peer has
 * acknowledged (`ackedLocalFrame`, the newest of them). A frame confirmed here but not yet
 * received there is not settled: if this page reloads, the match goes on from the peer's
 * snapshot, which lacks that input, and the new page plays the frame again with its own. The
 * lobby never rewrites frames, so streaming it would leave spectators on another match.
 */
export function streamableFrames(confirmed: number, ackedLocalFrame: number): number {
  return Math.max(0, Math.min(confirmed, ackedLocalFrame + 1));
}

/** Options of {@link createStreamCursor}. */
export interface StreamCursorOptions {
  /** Frames a live batch (default STREAM_BATCH_FRAMES). */
  every?: number;
  /** The first frame to send (default 0). */
  from?: number;
}

/** Creates a cursor for a pairing whose stream starts with `header`. */
export function createStreamCursor(
  header: StreamHeader,
  opts: StreamCursorOptions = {},
): StreamCursor {
  const size = Math.max(
    1,
    Math.min(STREAM_BATCH_MAX_FRAMES, Math.floor(opts.every ?? STREAM_BATCH_FRAMES)),
  );
  let next = Math.max(0, Math.floor(opts.from ?? 0));
  let budget = CURSOR_FRAME_BURST;
  let at = -Infinity;
  return {
    get next() {
      return next;
    },
    rewind(from) {
      if (Number.isInteger(from) && from >= 0) next = from;
    },
    take(log, nowMs, all = false, upTo = Infinity) {
      if (at !== -Infinity) {
        budget = Math.min(
          CURSOR_FRAME_BURST,
          budget + ((nowMs - at) * CURSOR_FRAMES_PER_SECOND) / 1000,
        );
      }
      at = nowMs;
      // The lobby's bucket is at least the slack above ours (its pace and burst are higher), so
      // the last take may use that too, and no more.
      if (all) budget += STREAM_FRAME_BURST - CURSOR_FRAME_BURST;
      const frames = Math.min(log.frames, all ? Infinity : upTo);
      const out: StreamBatch[] = [];
      for (;;) {
        const ready = frames - next;
        if (ready <= 0 || (ready < size && !all)) break;
        // Live: batches of `size`; a second or more behind: the biggest batches, paced.
        let n = Math.min(ready, ready >= STREAM_BATCH_MAX_FRAMES ? STREAM_BATCH_MAX_FRAMES : size);
        n = Math.min(n, Math.floor(budget));
        if (n <= 0 || (!all && n < Math.min(size, ready))) break;
        const batch: StreamBatch = {
          from: next,
          inputs: encodeStreamInputs(log.inputs(next, next + n)),
        };
        if (next === 0) batch.header = header;
        out.push(batch);
        next += n;
        budget -= n;
      }
      return out;
    },
  };
}
