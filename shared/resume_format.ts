/**
 * The resume snapshot: what the surviving side of a match hands a player whose page reloaded, so
 * the returning side can rebuild the match to the survivor's newest final frame and go on from
 * there (issue 13). It is the confirmed-input log from frame 0, the checksum of the last final
 * frame (to prove the rebuild), and each side's confirmed inputs beyond that frame.
 *
 * Layout (positional arrays, like the replay file):
 *
 *     file = [MAGIC, formatVersion, body: bin, crc32(body)]
 *     body = [survivor, final, checksum, runs: bin, survivorInputs: bin, returnerInputs: bin]
 *
 * `final` is the survivor's newest final frame (-1: none yet), `runs` frames 0..final run-length
 * encoded as in the replay file, `survivorInputs[i]` / `returnerInputs[i]` the survivor's and the
 * returning player's confirmed inputs of frame `final + 1 + i`. Five minutes of play are a few
 * kilobytes (held buttons make long runs); at worst 3 bytes a frame.
 *
 * A snapshot arrives from the network: decoding never throws and checks every field and bound,
 * returning `{ ok: false, error }` with a sentence.
 *
 * @module
 */

import { lockedPackr } from "./msgpack.ts";
import { MAX_FRAME } from "./peer_protocol.ts";
import { crc32, decodeRuns, encodeRuns, MAX_REPLAY_FRAMES } from "./replay_format.ts";

/** First element of every resume snapshot. */
export const RESUME_MAGIC = "duet-resume";
/** The format this code writes and reads. */
export const RESUME_FORMAT_VERSION = 1;
/** Most frames of final inputs a snapshot carries (a match that long cannot be resumed). */
export const MAX_RESUME_FRAMES = MAX_REPLAY_FRAMES;
/** Most confirmed inputs beyond the final frame, per side (the input queue's capacity). */
export const MAX_RESUME_PENDING = 256;
/** Largest snapshot accepted: the worst-case run encoding of the longest log, plus the rest. */
export const MAX_RESUME_BYTES = 3 * MAX_RESUME_FRAMES + 2 * MAX_RESUME_PENDING + 64;

/** A decoded resume snapshot. */
export interface ResumeSnapshot {
  /** The surviving player (0 or 1); the returning one is the other. */
  survivor: 0 | 1;
  /** Newest frame final on the survivor's side; -1 when none is yet. */
  final: number;
  /** Checksum of the state right after `final` (0 when `final` is -1). */
  checksum: number;
  /** Frames 0..final: `log[2f]` is player 0's input of frame f, `log[2f + 1]` player 1's. */
  log: Uint8Array;
  /** The survivor's confirmed inputs of frames final+1, final+2, … */
  survivorInputs: Uint8Array;
  /** The returning player's inputs the survivor has confirmed, of frames final+1, … */
  returnerInputs: Uint8Array;
}

/** A decoded snapshot, or why it is not one. */
export type ResumeDecoded = { ok: true; snapshot: ResumeSnapshot } | { ok: false; error: string };

const bad = (error: string): { ok: false; error: string } => ({ ok: false, error });

/** Why `s` is not a valid snapshot, or null. */
function checkSnapshot(s: ResumeSnapshot): string | null {
  if (s.survivor !== 0 && s.survivor !== 1) return "the survivor must be player 0 or 1";
  if (!Number.isInteger(s.final) || s.final < -1 || s.final >= MAX_RESUME_FRAMES) {
    return `the final frame must be an integer -1..${MAX_RESUME_FRAMES - 1}`;
  }
  if (!Number.isInteger(s.checksum) || s.checksum < 0 || s.checksum > 0xffff_ffff) {
    return "the checksum must be a uint32";
  }
  if (s.final === -1 && s.checksum !== 0) return "a snapshot with no final frame has no checksum";
  if (!(s.log instanceof Uint8Array) || s.log.length !== 2 * (s.final + 1)) {
    return "the input log must hold two inputs for every frame up to the final one";
  }
  for (const [name, a] of [["survivor", s.survivorInputs], ["returner", s.returnerInputs]]) {
    if (!(a instanceof Uint8Array) || a.length > MAX_RESUME_PENDING) {
      return `the ${name}'s pending inputs must be at most ${MAX_RESUME_PENDING} bytes`;
    }
  }
  if (s.final + 1 + s.survivorInputs.length > MAX_FRAME) return "frame numbers are exhausted";
  return null;
}

/** Encodes a snapshot; throws a RangeError on an invalid one (a bug in the sender). */
export function encodeResumeSnapshot(s: ResumeSnapshot): Uint8Array {
  const problem = checkSnapshot(s);
  if (problem) throw new RangeError(`resume snapshot: ${problem}`);
  const body = lockedPackr.pack([
    s.survivor,
    s.final,
    s.checksum,
    encodeRuns(s.log, s.final + 1),
    s.survivorInputs,
    s.returnerInputs,
  ]);
  return lockedPackr.pack([RESUME_MAGIC, RESUME_FORMAT_VERSION, body, crc32(body)]);
}

const isBin = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/** Decodes and validates a snapshot from the peer; never throws. */
export function decodeResumeSnapshot(bytes: unknown): ResumeDecoded {
  if (!(bytes instanceof Uint8Array)) return bad("a resume snapshot must be bytes");
  if (bytes.length > MAX_RESUME_BYTES) return bad("the resume snapshot is too large");
  let outer: unknown;
  try {
    outer = lockedPackr.unpack(bytes);
  } catch {
    return bad("the resume snapshot is damaged (not msgpack)");
  }
  if (!Array.isArray(outer) || outer.length !== 4 || outer[0] !== RESUME_MAGIC) {
    return bad("this is not a duet resume snapshot");
  }
  if (outer[1] !== RESUME_FORMAT_VERSION) {
    return bad(`unknown resume snapshot version ${String(outer[1]).slice(0, 20)}`);
  }
  const [, , body, crc] = outer;
  if (!isBin(body) || crc !== crc32(body)) return bad("the resume snapshot is damaged (crc)");
  let fields: unknown;
  try {
    fields = lockedPackr.unpack(body);
  } catch {
    return bad("the resume snapshot is damaged (body)");
  }
  if (!Array.isArray(fields) || fields.length !== 6) {
    return bad("the resume snapshot has the wrong fields");
  }
  const [survivor, final, checksum, runs, survivorInputs, returnerInputs] = fields;
  if (!Number.isInteger(final) || final < -1 || final >= MAX_RESUME_FRAMES) {
    return bad(`the final frame must be an integer -1..${MAX_RESUME_FRAMES - 1}`);
  }
  if (!isBin(runs)) return bad("the input log must be bytes");
  const log = decodeRuns(runs, final + 1);
  if (log === null) return bad("the input log does not add up to the final frame");
  // Copies: a decoder may hand out views (Node Buffers) of the whole message.
  const copy = (v: unknown) => isBin(v) ? new Uint8Array(v) : v as Uint8Array;
  const snapshot = {
    survivor,
    final,
    checksum,
    log,
    survivorInputs: copy(survivorInputs),
    returnerInputs: copy(returnerInputs),
  };
  const problem = checkSnapshot(snapshot);
  return problem ? bad(problem) : { ok: true, snapshot };
}
