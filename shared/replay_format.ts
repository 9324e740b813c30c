/**
 * The replay file: a pairing's confirmed-input log plus what the game needs to start, as compact,
 * versioned, self-checking msgpack. A deterministic game replayed from it reproduces every frame
 * the players saw, with the same checksums (the file carries one every
 * {@link REPLAY_CHECKSUM_EVERY} frames to prove it, and to tell a foreign build at once).
 *
 * Layout (positional arrays, like the DataChannel wire):
 *
 *     file   = [MAGIC, formatVersion, body: bin, crc32(body)]
 *     body   = [header: bin, frames, inputs: bin, checksums: bin]
 *     header = [game, version, seed, names[2], options[2], matchStarts: uint[]]   (≤ 16 KiB)
 *
 * `inputs` is run-length encoded: for each run of identical frame inputs, a LEB128 run length
 * followed by player 0's and player 1's input byte. Held buttons make long runs, so a minute of
 * play is typically a few kilobytes. `checksums` are little-endian uint32 for frames 0, N, 2N …
 * up to `frames - 1`. The outer layer lets a reader tell "not a replay" from "a newer format"
 * from "damaged" before it parses the body. Only `header` holds structured data, and it is small:
 * the large parts are opaque binary, read by length, so a crafted file cannot make the decoder
 * build millions of objects.
 *
 * Decoders never throw: they return `{ ok: false, error }` with a sentence for the player.
 *
 * @module
 */

import { lockedPackr } from "./msgpack.ts";

/** First element of every replay file. */
export const REPLAY_MAGIC = "duet-replay";
/** The format this code writes; it reads this and older ones it knows. */
export const REPLAY_FORMAT_VERSION = 1;
/** A checksum is stored for every this many frames. */
export const REPLAY_CHECKSUM_EVERY = 60;
/** Largest replay file accepted (over six hours of worst-case input). */
export const MAX_REPLAY_BYTES = 16 * 1024 * 1024;
/** Most frames in a replay (6 hours at 60 Hz: a seek to the end stays well under a second). */
export const MAX_REPLAY_FRAMES = 6 * 60 * 60 * 60;
/** Longest name, game id or version string in a replay. */
export const MAX_REPLAY_TEXT = 64;
/** Largest encoded options of one player. */
export const MAX_REPLAY_OPTIONS_BYTES = 4096;
/** Largest encoded header (names, options, match starts). */
export const MAX_REPLAY_HEADER_BYTES = 16 * 1024;
/** Most matches (rematches + 1) in one replay. */
export const MAX_REPLAY_MATCHES = 1000;

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

// One locked-down instance for both directions (msgpack.ts says what it closes).
const packr = lockedPackr;

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

/**
 * A player's options as both peers and a replay will see them: encoded and decoded once, so that
 * the local side hands `createGame` exactly what the peer decodes (no `-0`, no class instances,
 * no `undefined` holes). Null when they cannot be encoded or exceed {@link MAX_REPLAY_OPTIONS_BYTES}.
 */
export function canonicalOptions(options: unknown): { ok: true; value: unknown } | { ok: false } {
  try {
    const bytes = packr.pack(options ?? null);
    if (bytes.length > MAX_REPLAY_OPTIONS_BYTES) return { ok: false };
    return { ok: true, value: packr.unpack(bytes) };
  } catch {
    return { ok: false };
  }
}

/** Encodes a replay. Throws a RangeError on an invalid one (a bug in the recorder). */
export function encodeReplay(replay: Replay): Uint8Array {
  const error = checkReplay(replay);
  if (error) throw new RangeError(`invalid replay: ${error}`);
  const checksumBytes = new Uint8Array(replay.checksums.length * 4);
  const view = new DataView(checksumBytes.buffer);
  replay.checksums.forEach((c, i) => view.setUint32(i * 4, c, true));
  const header = new Uint8Array(packr.pack([
    replay.game,
    replay.version,
    replay.seed,
    [...replay.names],
    [...replay.options],
    [...replay.matchStarts],
  ]));
  if (header.length > MAX_REPLAY_HEADER_BYTES) {
    throw new RangeError("invalid replay: header too large");
  }
  const body = new Uint8Array(packr.pack([
    header,
    replay.frames,
    encodeRuns(replay.inputs, replay.frames),
    checksumBytes,
  ]));
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
  // The outer layer must be [magic, small version, bin, …]: checked on the bytes, so that no
  // crafted structure is ever parsed.
  if (bytes[0] !== 0x94 || !startsWith(bytes, 1, MAGIC_BYTES)) {
    return bad(looksLikeReplay(bytes) ? "The replay file is truncated or damaged." : NOT_REPLAY);
  }
  const at = 1 + MAGIC_BYTES.length;
  const version = bytes[at];
  if (version === undefined) return bad("The replay file is truncated or damaged.");
  if (version >= 0x80 || version < 1) {
    return bad("The replay file is damaged (bad format version).");
  }
  if (version > REPLAY_FORMAT_VERSION) {
    return bad(
      `This replay was made by a newer duet (format ${version}); this page reads format ${REPLAY_FORMAT_VERSION}.`,
    );
  }
  if (!isBinHeader(bytes[at + 1])) return bad("The replay file is damaged (bad layout).");
  let outer: unknown;
  try {
    outer = packr.unpack(bytes);
  } catch {
    return bad("The replay file is truncated or damaged.");
  }
  const [, , body, crc] = outer as unknown[];
  if (
    !Array.isArray(outer) || outer.length !== 4 || !(body instanceof Uint8Array) ||
    typeof crc !== "number"
  ) {
    return bad("The replay file is damaged (bad layout).");
  }
  if (crc32(body) !== crc) return bad("The replay file is damaged (its checksum does not match).");
  const parts = readBody(body);
  if (!parts) return bad("The replay file is damaged (bad body).");
  const { header, frames, runs, checksumBytes } = parts;
  if (header.length > MAX_REPLAY_HEADER_BYTES) {
    return bad("The replay file is damaged (header too large).");
  }
  let head: unknown;
  try {
    head = packr.unpack(header);
  } catch {
    return bad("The replay file is damaged (unreadable header).");
  }
  if (!Array.isArray(head) || head.length !== 6) {
    return bad("The replay file is damaged (bad header).");
  }
  const [game, ver, seed, names, options, matchStarts] = head;
  if (!isFrameCount(frames)) return bad("The replay file is damaged (bad frame count).");
  // Checked before the inputs are expanded, so a lying frame count allocates nothing.
  if (checksumBytes.length !== 4 * checksumCount(frames)) {
    return bad("The replay file is damaged (bad checksums).");
  }
  const inputs = decodeRuns(runs, frames);
  if (!inputs) return bad("The replay file is damaged (inputs do not add up to its length).");
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
const MAGIC_BYTES = new Uint8Array([
  0xa0 | REPLAY_MAGIC.length,
  ...new TextEncoder().encode(REPLAY_MAGIC),
]);

function startsWith(bytes: Uint8Array, at: number, prefix: Uint8Array): boolean {
  if (bytes.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

function isBinHeader(b: number | undefined): boolean {
  return b === 0xc4 || b === 0xc5 || b === 0xc6;
}

/**
 * Reads `[bin, uint, bin, bin]` from msgpack bytes by hand (lengths only, nothing else
 * accepted), so a body of any other shape is refused without building anything.
 */
function readBody(
  b: Uint8Array,
): { header: Uint8Array; frames: number; runs: Uint8Array; checksumBytes: Uint8Array } | null {
  if (b[0] !== 0x94) return null;
  let i = 1;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const bin = (): Uint8Array | null => {
    const t = b[i];
    let len: number;
    if (t === 0xc4 && i + 2 <= b.length) (len = b[i + 1]), (i += 2);
    else if (t === 0xc5 && i + 3 <= b.length) (len = view.getUint16(i + 1)), (i += 3);
    else if (t === 0xc6 && i + 5 <= b.length) (len = view.getUint32(i + 1)), (i += 5);
    else return null;
    if (i + len > b.length) return null;
    const out = b.slice(i, i + len);
    i += len;
    return out;
  };
  const uint = (): number | null => {
    const t = b[i];
    if (t === undefined) return null;
    if (t < 0x80) return (i += 1), t;
    if (t === 0xcc && i + 2 <= b.length) return (i += 2), b[i - 1];
    if (t === 0xcd && i + 3 <= b.length) return (i += 3), view.getUint16(i - 2);
    if (t === 0xce && i + 5 <= b.length) return (i += 5), view.getUint32(i - 4);
    return null;
  };
  const header = bin();
  const frames = header ? uint() : null;
  const runs = frames !== null ? bin() : null;
  const checksumBytes = runs ? bin() : null;
  if (!header || frames === null || !runs || !checksumBytes || i !== b.length) return null;
  return { header, frames, runs, checksumBytes };
}

function bad(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

function looksLikeReplay(bytes: Uint8Array): boolean {
  // A fixarray/array header followed by the magic string, as encodeReplay writes it.
  const head = new TextDecoder().decode(bytes.subarray(0, 16));
  return head.includes(REPLAY_MAGIC);
}

function checksumCount(frames: number): number {
  return frames === 0 ? 0 : Math.floor((frames - 1) / REPLAY_CHECKSUM_EVERY) + 1;
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
  const wantChecksums = checksumCount(r.frames);
  if (!(r.checksums instanceof Uint32Array) || r.checksums.length !== wantChecksums) {
    return `expected ${wantChecksums} checksums`;
  }
  if (
    !Array.isArray(r.matchStarts) || r.matchStarts.length < 1 || r.matchStarts[0] !== 0 ||
    r.matchStarts.length > MAX_REPLAY_MATCHES ||
    !r.matchStarts.every((s, i, all) =>
      Number.isInteger(s) && s >= 0 && s <= r.frames && (i === 0 || s > all[i - 1])
    )
  ) return "bad match start frames";
  return null;
}
