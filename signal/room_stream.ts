/**
 * A room's stream of confirmed inputs for its spectators, as plain state (the in-memory lobby's;
 * redis_scripts.ts `stream` applies the same rules in Lua). What a batch from the streaming seat
 * does to it is decided here, by {@link takeBatch}; the registry checks who sent it and delivers
 * the verdict.
 *
 * Rules, so that a stream survives its streamer's resume without gaps or duplicates:
 * - frames come in order from 0; the batch from frame 0 carries the header;
 * - a batch that repeats frames already taken is cut to its new frames (a resumed streamer
 *   resends from where it was told, and batches it sent before it heard may cross that); one
 *   that only repeats is dropped without a word. Nothing taken is ever rewritten, and a repeated
 *   header must be the same header;
 * - a batch past the next frame (a gap: batches lost with a dropped lobby connection) is not
 *   taken; the streamer is asked to resend from the next frame (`stream-from`);
 * - the backlog is bounded (`maxBytes`): past it the stream ends as too long.
 *
 * @module
 */
import type { StreamHeader } from "../shared/lobby_protocol.ts";
import { STREAM_CHARS_PER_FRAME } from "../shared/limits.ts";

/** A room's stream of the current pairing. */
export interface RoomStream {
  header: StreamHeader;
  /** Frames taken: the next batch goes on from here. */
  frames: number;
  /** The batches' `inputs`, in order; joined for a new spectator. */
  chunks: string[];
  bytes: number;
  /**
   * Ended (match over, or too long) while the pairing goes on: later batches are dropped, until a
   * batch from frame 0 with a header starts the next match's stream.
   */
  closed: boolean;
}

/** One `stream` message's fields. */
export interface StreamBatchIn {
  from: number;
  inputs: string;
  header?: StreamHeader;
}

/** What a batch does. */
export type BatchVerdict =
  /** Taken: fan `inputs` (maybe cut) out from `from`; `header` when it starts the stream. */
  | { kind: "take"; stream: RoomStream; from: number; inputs: string; header?: StreamHeader }
  /** Dropped without a word: a repeat, or a late batch of an ended stream. */
  | { kind: "drop" }
  /** A gap: ask the streamer to resend from `from`. */
  | { kind: "resend"; from: number }
  /** Refused: `bad-stream` with this message. */
  | { kind: "refuse"; message: string }
  /** The backlog would pass its bound: the stream ends (`too-long`). */
  | { kind: "too-long" };

/**
 * Applies a batch from the streaming seat to `stream` (null before the first batch). A taken
 * batch's stream is the one to keep (a new one when the batch started it); the old one is
 * changed in place otherwise.
 */
export function takeBatch(
  stream: RoomStream | null,
  batch: StreamBatchIn,
  maxBytes: number,
): BatchVerdict {
  const starts = batch.from === 0 && batch.header !== undefined;
  if (stream === null || stream.closed) {
    if (stream?.closed === true && !starts) return { kind: "drop" };
    if (!starts) return { kind: "refuse", message: "a stream starts at frame 0 with its header" };
    stream = { header: batch.header!, frames: 0, chunks: [], bytes: 0, closed: false };
  } else if (batch.header !== undefined && !sameHeader(batch.header, stream.header)) {
    return { kind: "refuse", message: "a stream has one header; send stream-end first" };
  }
  if (batch.from > stream.frames) return { kind: "resend", from: stream.frames };
  const skip = (stream.frames - batch.from) * STREAM_CHARS_PER_FRAME;
  if (skip >= batch.inputs.length) return { kind: "drop" };
  const inputs = skip === 0 ? batch.inputs : batch.inputs.slice(skip);
  if (stream.bytes + inputs.length > maxBytes) return { kind: "too-long" };
  const from = stream.frames;
  stream.chunks.push(inputs);
  stream.bytes += inputs.length;
  stream.frames += inputs.length / STREAM_CHARS_PER_FRAME;
  const taken: BatchVerdict = { kind: "take", stream, from, inputs };
  // A spectator who came before the header learns it with the first batch.
  if (from === 0) taken.header = stream.header;
  return taken;
}

/** Everything so far as one string (kept joined, so the next spectator joins nothing). */
export function backlog(stream: RoomStream): string {
  if (stream.chunks.length !== 1) stream.chunks = [stream.chunks.join("")];
  return stream.chunks[0] ?? "";
}

/**
 * Where the streaming seat goes on after it was taken back: the next frame, 0 before the first
 * batch; null once the stream ended (nothing more is wanted).
 */
export function resumeFrom(stream: RoomStream | null): number | null {
  if (stream === null) return 0;
  return stream.closed ? null : stream.frames;
}

/** Ends the stream for this pairing (its backlog is let go). */
export function closeStream(stream: RoomStream | null): void {
  if (stream === null) return;
  stream.closed = true;
  stream.chunks = [];
}

function sameHeader(a: StreamHeader, b: StreamHeader): boolean {
  // Validated, small (STREAM_HEADER_MAX_BYTES) and rare (only a batch from frame 0 has one).
  return JSON.stringify(a) === JSON.stringify(b);
}
