/**
 * The offerer's side of spectating: collects the confirmed inputs the session reports
 * (`onConfirmed`, every frame once, in order) into `stream` batches for the lobby, which keeps
 * the backlog and fans it out to the spectators (lobby_protocol.ts). Plain state, no I/O: the
 * match runner takes the ready batches after each tick and hands them to its sink, so a slow
 * socket never reaches into the tick.
 *
 * @module
 */

import type { StreamHeader } from "../../../shared/lobby_protocol.ts";
import { STREAM_BATCH_MAX_FRAMES } from "../../../shared/limits.ts";
import { encodeStreamInputs } from "../../../shared/stream_inputs.ts";

/** Frames per batch: about 7.5 lobby messages a second, ~133 ms behind the confirmed edge. */
export const STREAM_BATCH_FRAMES = 8;

/** One `stream` message's fields. */
export interface StreamBatch {
  from: number;
  inputs: string;
  /** On the batch from frame 0 only. */
  header?: StreamHeader;
}

/** Collects confirmed inputs into batches. */
export interface StreamBatcher {
  /** Frames recorded so far (the next one expected). */
  readonly frames: number;
  /** Frames recorded out of order (ignored). */
  readonly rejected: number;
  /** Records frame `frame`'s two confirmed inputs; frames must come in order without gaps. */
  push(frame: number, input0: number, input1: number): void;
  /**
   * The batches ready to send: every full batch, and with `all` the partial one too (the match is
   * ending). Each frame is handed out once.
   */
  take(all?: boolean): StreamBatch[];
}

/** Creates a batcher for a pairing starting at frame 0. */
export function createStreamBatcher(
  header: StreamHeader,
  every = STREAM_BATCH_FRAMES,
): StreamBatcher {
  const size = Math.max(1, Math.min(STREAM_BATCH_MAX_FRAMES, Math.floor(every)));
  const pending = new Uint8Array(2 * STREAM_BATCH_MAX_FRAMES * 8);
  let count = 0;
  let sent = 0;
  let frames = 0;
  let rejected = 0;
  const batch = (n: number): StreamBatch => {
    const out: StreamBatch = {
      from: sent,
      inputs: encodeStreamInputs(pending.subarray(0, 2 * n)),
    };
    if (sent === 0) out.header = header;
    pending.copyWithin(0, 2 * n, 2 * count);
    count -= n;
    sent += n;
    return out;
  };
  return {
    get frames() {
      return frames;
    },
    get rejected() {
      return rejected;
    },
    push(frame, i0, i1) {
      // A buffer that fills (take not called for a long while) drops the oldest: the lobby then
      // refuses the gap and the spectators' stream ends, but the player's match goes on.
      if (frame !== frames || count * 2 >= pending.length) {
        rejected++;
        return;
      }
      pending[2 * count] = i0 & 0xff;
      pending[2 * count + 1] = i1 & 0xff;
      count++;
      frames++;
    },
    take(all = false) {
      const out: StreamBatch[] = [];
      while (count >= size) out.push(batch(size));
      if (all && count > 0) out.push(batch(count));
      return out;
    },
  };
}
