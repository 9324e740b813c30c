/**
 * The streaming seat's outgoing stream for spectators, as the match runner drives it: whether it
 * is wanted and from which frame (from the start, or once the lobby's `stream-from` says so), the
 * cursor over the pairing's confirmed-input log once that log exists, and the end. No timers and
 * no sockets: the runner hands it the log, the clock's time and the peer's acknowledged frame, and
 * the batches go to the sink it was made with.
 *
 * A sink that throws (the lobby socket is gone or refuses) ends the stream for good: the
 * spectators lose it, the match goes on.
 *
 * @module
 */

import type { StreamHeader } from "../../../shared/lobby_protocol.ts";
import type { StreamBatch } from "../spectate/stream_batcher.ts";
import {
  createStreamCursor,
  streamableFrames,
  type StreamCursor,
  type StreamLog,
} from "../spectate/stream_cursor.ts";

/** Options of {@link createSpectatorStream}. */
export interface SpectatorStreamOptions {
  /** Where the batches go; none: nothing is ever streamed. */
  sink?: (batch: StreamBatch) => void;
  /** Called once after the last batch (the pairing is over). */
  end?: () => void;
  /** Stream from frame 0 as soon as the log opens (default true); false: wait for `from`. */
  fromStart?: boolean;
  /**
   * The newest local frame the peer acknowledged (-1: none): frames past it are not settled and
   * are held back. Read inside the stream's guard, so a transport that throws ends the stream.
   */
  ackedFrame: () => number;
}

/** The outgoing stream's state; see the module comment. */
export interface SpectatorStream {
  /** True while a cursor is running (the log is open and the stream wanted, not over). */
  readonly streaming: boolean;
  /** True once the stream ended (sent whole, or the sink failed): nothing more is sent. */
  readonly over: boolean;
  /**
   * The pairing's log now exists. `header` (what the batch from frame 0 carries) is read when the
   * cursor starts, which may be later, on `from`.
   */
  open(log: StreamLog, header: () => StreamHeader): void;
  /** The log is gone (the game could not start): nothing can be sent from it. */
  drop(): void;
  /** The lobby wants the frames from `frame` on (`stream-from`); kept until the log opens. */
  from(frame: number): void;
  /** Hands the ready full batches to the sink; with `all`, the rest and the end. */
  send(nowMs: number, all: boolean): void;
}

/** Creates the stream, not streaming until a log opens (and, without `fromStart`, `from`). */
export function createSpectatorStream(opts: SpectatorStreamOptions): SpectatorStream {
  const sink = opts.sink;
  let cursor: StreamCursor | null = null;
  let log: StreamLog | null = null;
  let header: (() => StreamHeader) | null = null;
  // Where the stream is to start once the log opens; null: not wanted (yet).
  let startAt: number | null = sink && opts.fromStart !== false ? 0 : null;
  let over = false;

  function start(): void {
    if (cursor || startAt === null || !log || !header || over) return;
    cursor = createStreamCursor(header(), { from: startAt });
  }

  function stop(): void {
    cursor = null;
    over = true;
  }

  return {
    get streaming() {
      return cursor !== null;
    },
    get over() {
      return over;
    },
    open(l, h) {
      log = l;
      header = h;
      start();
    },
    drop() {
      log = null;
    },
    from(frame) {
      if (!sink || over || !Number.isInteger(frame) || frame < 0) return;
      if (cursor) cursor.rewind(frame);
      else startAt = frame;
      start();
    },
    send(nowMs, all) {
      if (!cursor || !log || !sink) return;
      try {
        const upTo = streamableFrames(log.frames, opts.ackedFrame());
        for (const b of cursor.take(log, nowMs, all, upTo)) sink(b);
        if (all) {
          stop();
          opts.end?.();
        }
      } catch (err) {
        stop();
        console.error("duet: spectator stream failed", err);
      }
    },
  };
}
