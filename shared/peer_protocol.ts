/**
 * The peer-to-peer wire: every message on the two DataChannels, and its msgpack codec.
 *
 * Both channels carry positional msgpack arrays (no keys), so a 60 Hz input packet with 8 frames
 * fits in at most 24 bytes, even with uint32 frame numbers (23 B; see peer_protocol_test.ts):
 *
 * | channel | message | wire array |
 * |---|---|---|
 * | `input` | input packet | `[start, start - ack, inputs: bin, seq, echo, holdMs, frame - start]` |
 * | `control` | hello | `[1, version, name]` |
 * | `control` | ping | `[2, t]` |
 * | `control` | pong | `[3, t]` |
 * | `control` | quality | `[4, frame, advantage]` |
 * | `control` | checksum | `[5, frame, checksum]` |
 * | `control` | state | `[6, frame, state: bin]` |
 * | `control` | app | `[7, data]` |
 * | `control` | bye | `[8, reason]` |
 * | `control` | resume chunk | `[9, index, count, data: bin]` |
 *
 * Tag 0 is deliberately unused so that a zeroed buffer never decodes as a message.
 *
 * Decoders treat bytes as hostile: they check the size before parsing, parse with a locked-down
 * msgpackr instance (no records, no structured clone, 64-bit integers as plain numbers), validate
 * every field and return `{ ok: false, error }` instead of throwing. Encoders validate too and
 * throw on a bad message, because that is a bug in the sender, not bad luck on the network.
 *
 * @module
 */

import { lockedPackr } from "./msgpack.ts";

/**
 * Largest frame number on the wire: frames are uint32, 2^32 frames = 828 days (2.27 years) of play
 * at 60 Hz. The rollback session stops cleanly (an `error` event) before its frame reaches it.
 */
export const MAX_FRAME = 0xffff_ffff;
/** Most inputs one input packet may carry (the transport's window must not exceed it). */
export const MAX_INPUT_WINDOW = 128;
/** Input packet sequence numbers wrap at this value (they only measure loss). */
export const SEQ_MODULO = 0x1_0000;
/** Input packet `echo` values are sequence numbers modulo this (7 bits: one msgpack byte). */
export const ECHO_MODULO = 128;
/** Largest `holdMs` of an input packet (one msgpack byte); a longer hold sends no echo. */
export const MAX_HOLD_MS = 127;
/**
 * Largest valid input packet: array header, start, ack offset, bin header, a full window, seq,
 * echo, hold, frame offset (the offsets as int32 at worst).
 */
export const MAX_INPUT_PACKET_BYTES = 1 + 5 + 5 + 2 + MAX_INPUT_WINDOW + 3 + 1 + 1 + 5;
/** Largest `state` dump (bytes); SCTP messages beyond 64 KiB are not portable across browsers. */
export const MAX_STATE_BYTES = 60 * 1024;
/** Largest encoded `app` payload (bytes). */
export const MAX_APP_BYTES = 16 * 1024;
/** Deepest nesting of arrays/objects accepted in an `app` payload. */
export const MAX_APP_DEPTH = 16;
/** Longest `hello` name (UTF-16 code units). */
export const MAX_NAME_LENGTH = 64;
/** Longest `bye` reason (UTF-16 code units). */
export const MAX_REASON_LENGTH = 256;
/** Largest control message on the wire: a full state dump plus its header. */
export const MAX_CONTROL_BYTES = MAX_STATE_BYTES + 16;
/** Largest piece of a resume snapshot in one `resume` control message (fits one message). */
export const RESUME_CHUNK_BYTES = 32 * 1024;
/**
 * Most pieces of one snapshot: 4 MiB, above `MAX_RESUME_BYTES` (shared/resume_format.ts, which
 * imports this file; a test checks the bound).
 */
export const MAX_RESUME_CHUNKS = 128;
/** Peer protocol version carried by `hello`. */
export const PEER_PROTOCOL_VERSION = 1;

/** On the `input` channel (unordered, unreliable). inputs[i] is the sender's input for frame start+i. */
export interface InputPacket {
  /** Frame of `inputs[0]` (or, with no inputs, the sender's next frame). uint32. */
  start: number;
  /** Newest remote frame received contiguously, -1 for none. */
  ack: number;
  /** One byte per frame (bitmask of up to 8 buttons), at most `MAX_INPUT_WINDOW`. */
  inputs: Uint8Array;
  /**
   * Per-packet sequence number modulo `SEQ_MODULO`, for the receiver's loss estimate. An addition
   * to the original contract, hence optional: encoded as 0 when absent, always set when decoded.
   */
  seq?: number;
  /**
   * RTT on the input channel: `seq % ECHO_MODULO` of the newest packet the sender received from
   * us, or -1 for none. Optional when encoding (-1); always set when decoded.
   */
  echo?: number;
  /** Milliseconds the sender held the echoed packet before this one went out (0..MAX_HOLD_MS). */
  holdMs?: number;
  /**
   * The sender's current frame (its next frame to simulate when it last ticked), for time sync.
   * Optional when encoding (defaults to `start`); always set when decoded. uint32.
   */
  frame?: number;
}

/** On the `control` channel (reliable, ordered). */
export type ControlMessage =
  | { kind: "hello"; version: 1; name: string }
  | { kind: "ping"; t: number }
  | { kind: "pong"; t: number }
  | { kind: "quality"; frame: number; advantage: number } // time sync: sender's local frame advantage
  | { kind: "checksum"; frame: number; checksum: number } // checksum of a CONFIRMED frame
  | { kind: "state"; frame: number; state: Uint8Array } // state dump for desync comparison
  | { kind: "app"; data: unknown } // game-defined reliable message (match lifecycle, chat)
  | { kind: "bye"; reason: string } // the peer is leaving on purpose
  // Piece `index` of `count` of a resume snapshot (shared/resume_chunks.ts): it outgrows one
  // message after a few minutes of play.
  | { kind: "resume"; index: number; count: number; data: Uint8Array };

/** Every kind of control message, for exhaustive handling. */
export type ControlKind = ControlMessage["kind"];

/** The result of decoding untrusted bytes. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

const TAG = {
  hello: 1,
  ping: 2,
  pong: 3,
  quality: 4,
  checksum: 5,
  state: 6,
  app: 7,
  bye: 8,
  resume: 9,
} as const satisfies Record<ControlKind, number>;

// One locked-down instance for both directions (msgpack.ts says what it closes).
const packr = lockedPackr;

const isUint32 = (v: unknown): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_FRAME;

const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/** Validates an input packet's fields; returns an error string or null. */
function checkInputPacket(
  start: unknown,
  ack: unknown,
  inputs: unknown,
  seq: unknown,
  echo: unknown,
  holdMs: unknown,
  frame: unknown,
): string | null {
  if (!isUint32(start)) return "start must be a uint32 frame number";
  if (
    typeof ack !== "number" || !Number.isInteger(ack) || ack < -1 || ack > MAX_FRAME
  ) return "ack must be -1 or a uint32 frame number";
  if (!(inputs instanceof Uint8Array)) return "inputs must be binary";
  if (inputs.length > MAX_INPUT_WINDOW) {
    return `inputs carry ${inputs.length} frames, more than ${MAX_INPUT_WINDOW}`;
  }
  if (start + inputs.length - 1 > MAX_FRAME) return "inputs run past the last frame number";
  if (typeof seq !== "number" || !Number.isInteger(seq) || seq < 0 || seq >= SEQ_MODULO) {
    return "seq must be an integer in 0..65535";
  }
  if (!isInt(echo) || echo < -1 || echo >= ECHO_MODULO) return "echo must be -1 or 0..127";
  if (!isInt(holdMs) || holdMs < 0 || holdMs > MAX_HOLD_MS) return "holdMs must be 0..127";
  if (!isUint32(frame)) return "frame must be a uint32 frame number";
  return null;
}

// Offsets on the wire are int32 (so a hostile one cannot be a bigint or a float).
const isInt32 = (v: unknown): v is number => isInt(v) && v >= -0x8000_0000 && v <= 0x7fff_ffff;

/**
 * A plain, tightly sized Uint8Array the caller owns. msgpackr hands out Node Buffers and views of
 * shared pools (copied here); in a browser it already returns a fresh copy (`slice`) of exactly the
 * bytes, which is kept: a second copy per packet was garbage at 120 packets/s.
 */
const own = (bytes: Uint8Array): Uint8Array =>
  bytes.constructor === Uint8Array && bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength
    ? bytes
    : new Uint8Array(bytes);

/** Parses msgpack bytes; never throws. */
function parse(bytes: unknown, maxBytes: number): Decoded<unknown> {
  if (!(bytes instanceof Uint8Array)) return fail("not binary data");
  if (bytes.length === 0) return fail("empty message");
  if (bytes.length > maxBytes) return fail(`message of ${bytes.length} bytes exceeds ${maxBytes}`);
  try {
    return { ok: true, value: packr.unpack(bytes) };
  } catch (e) {
    // Truncation, trailing bytes, unknown extensions, invalid UTF-8...: all just "malformed".
    return fail(`malformed msgpack: ${e instanceof Error ? e.message.slice(0, 80) : String(e)}`);
  }
}

/**
 * Encodes an input packet (`[start, start - ack, inputs, seq, echo, holdMs, frame - start]`: the
 * ack and the frame as offsets from `start`, which keeps them one byte each in play). Throws a
 * RangeError on an invalid packet. The result is a fresh, exactly sized Uint8Array.
 */
export function encodeInputPacket(p: InputPacket): Uint8Array {
  const seq = p.seq ?? 0;
  const echo = p.echo ?? -1;
  const holdMs = p.holdMs ?? 0;
  const frame = p.frame ?? p.start;
  let error = checkInputPacket(p.start, p.ack, p.inputs, seq, echo, holdMs, frame);
  if (!error && !isInt32(p.start - p.ack)) error = "ack is more than 2^31 frames from start";
  if (!error && !isInt32(frame - p.start)) error = "frame is more than 2^31 frames from start";
  if (error) throw new RangeError(`invalid input packet: ${error}`);
  // Written by hand into one reused buffer, byte for byte what msgpackr writes for the positional
  // array (peer_protocol_test.ts compares the two): msgpackr's pack allocated a Buffer, its pool
  // view and a copy per packet, at 120 packets/s per page.
  const out = encodeScratch;
  out[0] = 0x97; // fixarray of 7
  let at = writeInt(out, 1, p.start);
  at = writeInt(out, at, p.start - p.ack);
  const inputs = p.inputs;
  out[at++] = 0xc4; // bin 8: MAX_INPUT_WINDOW < 256
  out[at++] = inputs.length;
  out.set(inputs, at);
  at += inputs.length;
  at = writeInt(out, at, seq);
  at = writeInt(out, at, echo);
  at = writeInt(out, at, holdMs);
  at = writeInt(out, at, frame - p.start);
  return out.slice(0, at);
}

const encodeScratch = new Uint8Array(MAX_INPUT_PACKET_BYTES);

/** Writes an int32/uint32 as msgpackr does (smallest form, fixints up to 127); returns the end. */
function writeInt(out: Uint8Array, at: number, v: number): number {
  if (v >>> 0 === v) {
    if (v < 0x80) out[at++] = v;
    else if (v < 0x100) {
      out[at++] = 0xcc;
      out[at++] = v;
    } else if (v < 0x10000) {
      out[at++] = 0xcd;
      out[at++] = v >> 8;
      out[at++] = v & 0xff;
    } else {
      out[at++] = 0xce;
      out[at++] = v >>> 24;
      out[at++] = (v >>> 16) & 0xff;
      out[at++] = (v >>> 8) & 0xff;
      out[at++] = v & 0xff;
    }
  } else if (v >= -0x20) out[at++] = 0x100 + v;
  else if (v >= -0x80) {
    out[at++] = 0xd0;
    out[at++] = v + 0x100;
  } else if (v >= -0x8000) {
    out[at++] = 0xd1;
    out[at++] = (v >> 8) & 0xff;
    out[at++] = v & 0xff;
  } else {
    out[at++] = 0xd2;
    out[at++] = (v >>> 24) & 0xff;
    out[at++] = (v >>> 16) & 0xff;
    out[at++] = (v >>> 8) & 0xff;
    out[at++] = v & 0xff;
  }
  return at;
}

// The fast decoder's cursor: set by readInt, NaN when the next item is not an integer form it reads.
let readAt = 0;

/** Reads an integer at `at` in any of msgpack's int forms msgpackr reads alike; NaN otherwise. */
function readInt(b: Uint8Array, at: number): number {
  const n = b.length;
  if (at >= n) return NaN;
  const t = b[at];
  if (t < 0x80) {
    readAt = at + 1;
    return t;
  }
  if (t >= 0xe0) {
    readAt = at + 1;
    return t - 0x100;
  }
  switch (t) {
    case 0xcc:
      if (at + 2 > n) return NaN;
      readAt = at + 2;
      return b[at + 1];
    case 0xcd:
      if (at + 3 > n) return NaN;
      readAt = at + 3;
      return (b[at + 1] << 8) | b[at + 2];
    case 0xce:
      if (at + 5 > n) return NaN;
      readAt = at + 5;
      return ((b[at + 1] << 24) | (b[at + 2] << 16) | (b[at + 3] << 8) | b[at + 4]) >>> 0;
    case 0xd0:
      if (at + 2 > n) return NaN;
      readAt = at + 2;
      return (b[at + 1] << 24) >> 24;
    case 0xd1:
      if (at + 3 > n) return NaN;
      readAt = at + 3;
      return ((b[at + 1] << 8 | b[at + 2]) << 16) >> 16;
    case 0xd2:
      if (at + 5 > n) return NaN;
      readAt = at + 5;
      return (b[at + 1] << 24) | (b[at + 2] << 16) | (b[at + 3] << 8) | b[at + 4];
  }
  return NaN;
}

/**
 * Decodes the packet's usual shape (fixarray of 7, integers, bin 8) without msgpackr's array,
 * Buffer and copies; null for anything else, which then takes msgpackr's path and its errors.
 */
function decodeInputFast(b: Uint8Array): Decoded<InputPacket> | null {
  if (b[0] !== 0x97) return null;
  const start = readInt(b, 1);
  if (Number.isNaN(start)) return null;
  const back = readInt(b, readAt);
  if (Number.isNaN(back)) return null;
  let at = readAt;
  if (b[at] !== 0xc4 || at + 2 > b.length) return null;
  const len = b[at + 1];
  at += 2;
  if (at + len > b.length) return null;
  const inputsAt = at;
  const seq = readInt(b, at + len);
  if (Number.isNaN(seq)) return null;
  const echo = readInt(b, readAt);
  if (Number.isNaN(echo)) return null;
  const holdMs = readInt(b, readAt);
  if (Number.isNaN(holdMs)) return null;
  const ahead = readInt(b, readAt);
  if (Number.isNaN(ahead) || readAt !== b.length) return null;
  // The same checks in the same order as msgpackr's path, so both give one error.
  if (!isUint32(start)) return fail("start must be a uint32 frame number");
  if (!isInt32(back)) return fail("ack must be -1 or a uint32 frame number");
  if (!isInt32(ahead)) return fail("frame must be a uint32 frame number");
  const ack = start - back, frame = start + ahead;
  // A view, not a copy: a copy was a new ArrayBuffer per packet, the biggest part of decoding's
  // garbage and CPU at 60-120 packets/s (see decodeInputPacket). Plain Uint8Array even when `b`
  // is a Buffer.
  const inputs = new Uint8Array(b.buffer, b.byteOffset + inputsAt, len);
  const error = checkInputPacket(start, ack, inputs, seq, echo, holdMs, frame);
  if (error) return fail(error);
  return { ok: true, value: { start, ack, inputs, seq, echo, holdMs, frame } };
}

/**
 * Decodes an input packet from untrusted bytes; never throws. The decoded `inputs` is a plain
 * Uint8Array that may be a view of `bytes` (the usual shape is decoded without a copy): copy it
 * to keep it past a change to `bytes`. Every receiver in duet gets a fresh buffer per message
 * and reads the inputs before the next one.
 */
export function decodeInputPacket(bytes: Uint8Array): Decoded<InputPacket> {
  if (
    bytes instanceof Uint8Array && bytes.length > 0 && bytes.length <= MAX_INPUT_PACKET_BYTES
  ) {
    const fast = decodeInputFast(bytes);
    if (fast) return fast;
  }
  const parsed = parse(bytes, MAX_INPUT_PACKET_BYTES);
  if (!parsed.ok) return parsed;
  const a = parsed.value;
  if (!Array.isArray(a)) return fail("input packet must be an array");
  if (a.length !== 7) return fail(`input packet must have 7 fields, got ${a.length}`);
  if (!isUint32(a[0])) return fail("start must be a uint32 frame number");
  if (!isInt32(a[1])) return fail("ack must be -1 or a uint32 frame number");
  if (!isInt32(a[6])) return fail("frame must be a uint32 frame number");
  const start = a[0], ack = start - a[1], frame = start + a[6];
  const error = checkInputPacket(start, ack, a[2], a[3], a[4], a[5], frame);
  if (error) return fail(error);
  return {
    ok: true,
    value: { start, ack, inputs: own(a[2]), seq: a[3], echo: a[4], holdMs: a[5], frame },
  };
}

const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

const isBoundedString = (v: unknown, max: number): v is string =>
  typeof v === "string" && v.length <= max;

/** True for the JSON-like values (plus binary) that `app` payloads may hold. */
function isPlainData(v: unknown, depth: number): boolean {
  if (v === null || v === undefined) return true;
  switch (typeof v) {
    case "boolean":
    case "string":
      return true;
    case "number":
      return Number.isFinite(v);
    case "object": {
      if (depth >= MAX_APP_DEPTH) return false;
      if (v instanceof Uint8Array) return true;
      if (Array.isArray(v)) {
        for (const item of v) if (!isPlainData(item, depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false; // Date, Set, RegExp, Error...
      for (const key in v) {
        if (!isPlainData((v as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false; // bigint, function, symbol
  }
}

/** Validates a control message, given as its wire array; returns the message or an error. */
function fromWire(a: unknown[], appBytes: number): Decoded<ControlMessage> {
  const tag = a[0];
  const arity = (n: number) => a.length === n ? null : `expected ${n} fields, got ${a.length}`;
  let err: string | null;
  switch (tag) {
    case TAG.hello:
      if ((err = arity(3))) return fail(`hello: ${err}`);
      if (a[1] !== PEER_PROTOCOL_VERSION) {
        return fail(`hello: unsupported peer protocol version ${String(a[1]).slice(0, 20)}`);
      }
      if (!isBoundedString(a[2], MAX_NAME_LENGTH)) {
        return fail(`hello: name must be a string of at most ${MAX_NAME_LENGTH} chars`);
      }
      return { ok: true, value: { kind: "hello", version: 1, name: a[2] } };
    case TAG.ping:
    case TAG.pong: {
      const kind = tag === TAG.ping ? "ping" : "pong";
      if ((err = arity(2))) return fail(`${kind}: ${err}`);
      if (!isFiniteNumber(a[1])) return fail(`${kind}: t must be a finite number`);
      return { ok: true, value: { kind, t: a[1] } };
    }
    case TAG.quality:
      if ((err = arity(3))) return fail(`quality: ${err}`);
      if (!isUint32(a[1])) return fail("quality: frame must be a uint32");
      if (!isFiniteNumber(a[2]) || Math.abs(a[2]) > 0x7fff_ffff) {
        return fail("quality: advantage must be a finite number within int32 range");
      }
      return { ok: true, value: { kind: "quality", frame: a[1], advantage: a[2] } };
    case TAG.checksum:
      if ((err = arity(3))) return fail(`checksum: ${err}`);
      if (!isUint32(a[1])) return fail("checksum: frame must be a uint32");
      // Games may hash into an int32 (x | 0) or a uint32 (x >>> 0): both are 32-bit checksums.
      if (
        typeof a[2] !== "number" || !Number.isInteger(a[2]) || a[2] < -0x8000_0000 ||
        a[2] > 0xffff_ffff
      ) return fail("checksum: checksum must be a 32-bit integer");
      return { ok: true, value: { kind: "checksum", frame: a[1], checksum: a[2] } };
    case TAG.state:
      if ((err = arity(3))) return fail(`state: ${err}`);
      if (!isUint32(a[1])) return fail("state: frame must be a uint32");
      if (!(a[2] instanceof Uint8Array)) return fail("state: state must be binary");
      if (a[2].length > MAX_STATE_BYTES) return fail(`state: more than ${MAX_STATE_BYTES} bytes`);
      return { ok: true, value: { kind: "state", frame: a[1], state: own(a[2]) } };
    case TAG.app:
      if ((err = arity(2))) return fail(`app: ${err}`);
      if (appBytes > MAX_APP_BYTES) return fail(`app: payload exceeds ${MAX_APP_BYTES} bytes`);
      if (!isPlainData(a[1], 0)) {
        return fail(
          `app: data must be JSON-like values or binary, nested at most ${MAX_APP_DEPTH} deep`,
        );
      }
      return { ok: true, value: { kind: "app", data: a[1] } };
    case TAG.bye:
      if ((err = arity(2))) return fail(`bye: ${err}`);
      if (!isBoundedString(a[1], MAX_REASON_LENGTH)) {
        return fail(`bye: reason must be a string of at most ${MAX_REASON_LENGTH} chars`);
      }
      return { ok: true, value: { kind: "bye", reason: a[1] } };
    case TAG.resume: {
      if ((err = arity(4))) return fail(`resume: ${err}`);
      const [, index, count, data] = a;
      if (!isInt(count) || count < 1 || count > MAX_RESUME_CHUNKS) {
        return fail(`resume: count must be 1..${MAX_RESUME_CHUNKS}`);
      }
      if (!isInt(index) || index < 0 || index >= count) return fail("resume: index out of range");
      if (!(data instanceof Uint8Array)) return fail("resume: data must be binary");
      if (data.length > RESUME_CHUNK_BYTES) {
        return fail(`resume: a chunk of more than ${RESUME_CHUNK_BYTES} bytes`);
      }
      return { ok: true, value: { kind: "resume", index, count, data: own(data) } };
    }
    default:
      return fail(`unknown control tag ${String(tag).slice(0, 20)}`);
  }
}

/** The wire array of a control message (unvalidated). */
function toWire(m: ControlMessage): unknown[] {
  switch (m.kind) {
    case "hello":
      return [TAG.hello, m.version, m.name];
    case "ping":
      return [TAG.ping, m.t];
    case "pong":
      return [TAG.pong, m.t];
    case "quality":
      return [TAG.quality, m.frame, m.advantage];
    case "checksum":
      return [TAG.checksum, m.frame, m.checksum];
    case "state":
      return [TAG.state, m.frame, m.state];
    case "app":
      return [TAG.app, m.data];
    case "bye":
      return [TAG.bye, m.reason];
    case "resume":
      return [TAG.resume, m.index, m.count, m.data];
    default:
      throw new TypeError(
        `unknown control message kind ${
          String((m as { kind?: unknown } | null)?.kind).slice(0, 20)
        }`,
      );
  }
}

// Bytes before the app payload in `[7, data]`: the fixarray header and the tag.
const APP_HEADER_BYTES = 2;

/**
 * Encodes a control message. Throws a TypeError/RangeError when the message would not pass
 * `decodeControl` on the other side (wrong field types, over a size cap), so the bug shows up at
 * the sender rather than as a silently dropped message.
 */
export function encodeControl(m: ControlMessage): Uint8Array {
  const wire = toWire(m);
  let bytes: Uint8Array;
  try {
    bytes = own(packr.pack(wire));
  } catch (e) {
    throw new TypeError(`cannot encode ${m.kind}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (bytes.length > MAX_CONTROL_BYTES) {
    throw new RangeError(`${m.kind} message of ${bytes.length} bytes exceeds ${MAX_CONTROL_BYTES}`);
  }
  const checked = fromWire(wire, bytes.length - APP_HEADER_BYTES);
  if (!checked.ok) throw new RangeError(`invalid ${m.kind} message: ${checked.error}`);
  return bytes;
}

/** Decodes a control message from untrusted bytes; never throws. */
export function decodeControl(bytes: Uint8Array): Decoded<ControlMessage> {
  const parsed = parse(bytes, MAX_CONTROL_BYTES);
  if (!parsed.ok) return parsed;
  const a = parsed.value;
  if (!Array.isArray(a) || a.length === 0) return fail("control message must be a tagged array");
  try {
    return fromWire(a, bytes.length - APP_HEADER_BYTES);
  } catch (e) {
    // Validation walks attacker-shaped objects; belt and braces against anything exotic.
    return fail(`invalid control message: ${e instanceof Error ? e.message : String(e)}`);
  }
}
