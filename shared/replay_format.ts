/**
 * The replay file: a pairing's confirmed-input log plus what the game needs to start, as compact,
 * versioned, self-checking msgpack. A deterministic game replayed from it reproduces every frame
 * the players saw, with the same checksums (the file carries one every
 * {@link REPLAY_CHECKSUM_EVERY} frames to prove it, and to tell a foreign build at once).
 *
 * Layout (positional arrays, like the DataChannel wire):
 *
 *     file = [MAGIC, formatVersion, body: bin, crc32(body)]
 *     body = [game, version, seed, names[2], options[2], frames, inputs: bin, checksums: bin,
 *             matchStarts: uint[]]
 *
 * `inputs` is run-length encoded: for each run of identical frame inputs, a LEB128 run length
 * followed by player 0's and player 1's input byte. Held buttons make long runs, so a minute of
 * play is typically a few kilobytes. `checksums` are little-endian uint32 for frames 0, N, 2N …
 * up to `frames - 1`. The outer layer lets a reader tell "not a replay" from "a newer format"
 * from "damaged" before it parses the body.
 *
 * Decoders never throw: they return `{ ok: false, error }` with a sentence for the player.
 *
 * @module
 */

import { Packr } from "msgpackr";

/** First element of every replay file. */
export const REPLAY_MAGIC = "duet-replay";
/** The format this code writes; it reads this and older ones it knows. */
export const REPLAY_FORMAT_VERSION = 1;
/** A checksum is stored for every this many frames. */
export const REPLAY_CHECKSUM_EVERY = 60;
/** Largest replay file accepted (about 20 hours of worst-case input). */
export const MAX_REPLAY_BYTES = 16 * 1024 * 1024;
/** Most frames in a replay (24 hours at 60 Hz). */
export const MAX_REPLAY_FRAMES = 24 * 60 * 60 * 60;
/** Longest name, game id or version string in a replay. */
export const MAX_REPLAY_TEXT = 64;
/** Largest encoded options of one player. */
export const MAX_REPLAY_OPTIONS_BYTES = 4096;

/** A decoded replay. */
export interface Replay {
  game: string;
  version: string;
  seed: number;
  names: readonly [string, string];
  options: readonly [unknown, unknown];
  /** Number of frames recorded (frames 0 .. frames-1). */
  frames: number;
  /** Inputs by frame: `inputs[2f]` is player 0's input for frame f, `inputs[2f+1]` player 1's. */
  inputs: Uint8Array;
  /** Checksums after frames 0, N, 2N, … (N = REPLAY_CHECKSUM_EVERY). */
  checksums: Uint32Array;
  /** First frame of each match of the pairing (0 for the first; one more per rematch). */
  matchStarts: readonly number[];
}

/** A decode result: the value, or a sentence saying what is wrong. */
export type ReplayDecoded = { ok: true; replay: Replay } | { ok: false; error: string };

const packr = new Packr({
  useRecords: false,
  structuredClone: false,
  moreTypes: false,
  bundleStrings: false,
  mapsAsObjects: true,
  int64AsType: "number",
  useFloat32: 0,
});

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE) of bytes. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Run-length encodes frame inputs (see the module docs). */
export function encodeRuns(inputs: Uint8Array, frames: number): Uint8Array {
  const out: number[] = [];
  let f = 0;
  while (f < frames) {
    const a = inputs[2 * f], b = inputs[2 * f + 1];
    let run = 1;
    while (f + run < frames && inputs[2 * (f + run)] === a && inputs[2 * (f + run) + 1] === b) {
      run++;
    }
    for (let n = run;; n = Math.floor(n / 128)) {
      if (n < 128) {
        out.push(n);
        break;
      }
      out.push((n % 128) | 0x80);
    }
    out.push(a, b);
    f += run;
  }
  return new Uint8Array(out);
}

/** Decodes run-length encoded inputs into `frames` frames; null if they do not add up. */
export function decodeRuns(bytes: Uint8Array, frames: number): Uint8Array | null {
  const out = new Uint8Array(frames * 2);
  let f = 0, i = 0;
  while (i < bytes.length) {
    let run = 0, scale = 1, byte = 0;
    do {
      if (i >= bytes.length || scale > 2 ** 28) return null;
      byte = bytes[i++];
      run += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte & 0x80);
    if (run === 0 || i + 2 > bytes.length || f + run > frames) return null;
    const a = bytes[i++], b = bytes[i++];
    for (let k = 0; k < run; k++, f++) {
      out[2 * f] = a;
      out[2 * f + 1] = b;
    }
  }
  return f === frames ? out : null;
}

/** A player's options as a replay can hold them: unchanged if small and encodable, else null. */
export function replayableOptions(options: unknown): unknown {
  try {
    return packr.pack(options).length <= MAX_REPLAY_OPTIONS_BYTES ? options : null;
  } catch {
    return null;
  }
}

/** Encodes a replay. Throws a RangeError on an invalid one (a bug in the recorder). */
export function encodeReplay(replay: Replay): Uint8Array {
  const error = checkReplay(replay);
  if (error) throw new RangeError(`invalid replay: ${error}`);
  const checksumBytes = new Uint8Array(replay.checksums.length * 4);
  const view = new DataView(checksumBytes.buffer);
  replay.checksums.forEach((c, i) => view.setUint32(i * 4, c, true));
  const body = packr.pack([
    replay.game,
    replay.version,
    replay.seed,
    [...replay.names],
    [...replay.options],
    replay.frames,
    encodeRuns(replay.inputs, replay.frames),
    checksumBytes,
    [...replay.matchStarts],
  ]);
  return new Uint8Array(packr.pack([REPLAY_MAGIC, REPLAY_FORMAT_VERSION, body, crc32(body)]));
}

/** Decodes and validates replay bytes; never throws. */
export function decodeReplay(bytes: unknown): ReplayDecoded {
  if (!(bytes instanceof Uint8Array)) return bad("This is not a replay file (no bytes).");
  if (bytes.length === 0) return bad("The replay file is empty.");
  if (bytes.length > MAX_REPLAY_BYTES) {
    return bad(
      `The replay file is too large (${bytes.length} bytes; at most ${MAX_REPLAY_BYTES}).`,
    );
  }
  let outer: unknown;
  try {
    outer = packr.unpack(bytes);
  } catch {
    return bad(looksLikeReplay(bytes) ? "The replay file is truncated or damaged." : NOT_REPLAY);
  }
  if (!Array.isArray(outer) || outer[0] !== REPLAY_MAGIC) return bad(NOT_REPLAY);
  const [, version, body, crc] = outer;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
    return bad("The replay file is damaged (bad format version).");
  }
  if (version > REPLAY_FORMAT_VERSION) {
    return bad(
      `This replay was made by a newer duet (format ${version}); this page reads format ${REPLAY_FORMAT_VERSION}.`,
    );
  }
  if (outer.length !== 4 || !(body instanceof Uint8Array) || typeof crc !== "number") {
    return bad("The replay file is damaged (bad layout).");
  }
  if (crc32(body) !== crc) return bad("The replay file is damaged (its checksum does not match).");
  let fields: unknown;
  try {
    fields = packr.unpack(body);
  } catch {
    return bad("The replay file is damaged (unreadable body).");
  }
  if (!Array.isArray(fields) || fields.length !== 9) {
    return bad("The replay file is damaged (bad body).");
  }
  const [game, ver, seed, names, options, frames, runs, checksumBytes, matchStarts] = fields;
  if (!(runs instanceof Uint8Array) || !(checksumBytes instanceof Uint8Array)) {
    return bad("The replay file is damaged (inputs or checksums are not binary).");
  }
  if (!isFrameCount(frames)) return bad("The replay file is damaged (bad frame count).");
  const inputs = decodeRuns(runs, frames);
  if (!inputs) return bad("The replay file is damaged (inputs do not add up to its length).");
  if (checksumBytes.length % 4 !== 0) return bad("The replay file is damaged (bad checksums).");
  const view = new DataView(checksumBytes.buffer, checksumBytes.byteOffset, checksumBytes.length);
  const checksums = new Uint32Array(checksumBytes.length / 4);
  for (let i = 0; i < checksums.length; i++) checksums[i] = view.getUint32(i * 4, true);
  const replay = {
    game,
    version: ver,
    seed,
    names,
    options,
    frames,
    inputs,
    checksums,
    matchStarts,
  } as Replay;
  const error = checkReplay(replay);
  return error ? bad(`The replay file is damaged (${error}).`) : { ok: true, replay };
}

const NOT_REPLAY = "This is not a duet replay file.";

function bad(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

function looksLikeReplay(bytes: Uint8Array): boolean {
  // A fixarray/array header followed by the magic string, as encodeReplay writes it.
  const head = new TextDecoder().decode(bytes.subarray(0, 16));
  return head.includes(REPLAY_MAGIC);
}

function isFrameCount(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_REPLAY_FRAMES;
}

function isText(v: unknown): v is string {
  return typeof v === "string" && v.length <= MAX_REPLAY_TEXT;
}

/** Validates a replay's fields; returns what is wrong, or null. */
function checkReplay(r: Replay): string | null {
  if (!isText(r.game) || !isText(r.version)) return "game and version must be short strings";
  if (!Number.isInteger(r.seed) || r.seed < -(2 ** 31) || r.seed >= 2 ** 31) {
    return "seed must be an int32";
  }
  if (!Array.isArray(r.names) || r.names.length !== 2 || !r.names.every(isText)) {
    return "two player names expected";
  }
  if (!Array.isArray(r.options) || r.options.length !== 2) return "two players' options expected";
  for (const o of r.options) {
    try {
      if (packr.pack(o).length > MAX_REPLAY_OPTIONS_BYTES) {
        return "a player's options are too large";
      }
    } catch {
      return "a player's options cannot be encoded";
    }
  }
  if (!isFrameCount(r.frames)) return "bad frame count";
  if (!(r.inputs instanceof Uint8Array) || r.inputs.length < r.frames * 2) {
    return "fewer inputs than frames";
  }
  const wantChecksums = r.frames === 0 ? 0 : Math.floor((r.frames - 1) / REPLAY_CHECKSUM_EVERY) + 1;
  if (!(r.checksums instanceof Uint32Array) || r.checksums.length !== wantChecksums) {
    return `expected ${wantChecksums} checksums`;
  }
  if (
    !Array.isArray(r.matchStarts) || r.matchStarts.length < 1 || r.matchStarts[0] !== 0 ||
    r.matchStarts.length > 100_000 ||
    !r.matchStarts.every((s, i, all) =>
      Number.isInteger(s) && s >= 0 && s <= r.frames && (i === 0 || s > all[i - 1])
    )
  ) return "bad match start frames";
  return null;
}
