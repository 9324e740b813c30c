/**
 * The relay's hot path on bytes: a client's trickled ICE candidate checked in the text frame's
 * bytes as `ws` hands them over, so that the lobby neither decodes the frame to a string nor
 * encodes the relayed one back to UTF-8; the peer gets the route's envelope bytes around the
 * slice of the client's bytes that holds `data`.
 *
 * It recognises a narrow subset of what readRelaySignal (relay_signal.ts) relays, and nothing it
 * would not: a frame of printable ASCII only (so bytes and UTF-16 units are one to one, and no
 * question of UTF-8 validity arises), written without whitespace between tokens, whose top level
 * has only the keys `type` (exactly `"signal"`), `data`, and optionally `session` and `rid`,
 * each once; whose `data` is `{"kind":"candidate","candidate":…}` (those two keys once each, in
 * either order) with a `candidate` that is `null` or an object of the IceCandidateSchema keys,
 * each at most once, `candidate` among them; every string without a backslash (so no escapes,
 * and no key that could spell another); `sdpMLineIndex` null or a non-negative integer with no
 * sign, fraction or exponent (so never `-0`); `rid` an integer of at most 15 digits (finite).
 * Every frame it accepts is one JSON.parse accepts, and readRelaySignal accepts it with the same
 * `data` text, kind, session and payload size; everything else (offers and answers, escapes,
 * whitespace, unknown keys, non-ASCII) returns undefined and takes the text path, which decides.
 * relay_differential_test.ts checks the two against each other.
 */
import { Buffer } from "node:buffer";
import { SESSION_MAX_LENGTH } from "../shared/limits.ts";

/** A `signal` frame's candidate, as the places of its bytes, ready to be relayed. */
export interface RelayCandidateBytes {
  /** Where `data` (one complete JSON object) starts in the frame, and ends (exclusive). */
  dataStart: number;
  dataEnd: number;
  /** UTF-8 bytes of the candidate string (0 for a null candidate): signalBytes's count. */
  payloadBytes: number;
  /** The pairing it names, if any (`signal.session`). */
  session: string | undefined;
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, MINUS = 0x2d;
const OPEN = 0x7b, CLOSE = 0x7d, ZERO = 0x30, NINE = 0x39;

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const TYPE_SIGNAL = ascii('"type":"signal"');
const DATA = ascii('"data":');
const SESSION = ascii('"session":');
const RID = ascii('"rid":');
const KIND_CANDIDATE = ascii('"kind":"candidate"');
const CANDIDATE = ascii('"candidate":');
const SDP_MID = ascii('"sdpMid":');
const SDP_M_LINE_INDEX = ascii('"sdpMLineIndex":');
const USERNAME_FRAGMENT = ascii('"usernameFragment":');
const NULL = ascii("null");

/** Whether `b` holds `lit` at `i`. */
function at(b: Uint8Array, i: number, lit: Uint8Array): boolean {
  if (i + lit.length > b.length) return false;
  for (let k = 0; k < lit.length; k++) if (b[i + k] !== lit[k]) return false;
  return true;
}

/** From an opening quote to just past its closing quote: printable ASCII, no backslash; or -1. */
function str(b: Uint8Array, i: number): number {
  if (b[i] !== QUOTE) return -1;
  for (i++; i < b.length; i++) {
    const c = b[i];
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH || c < 0x20 || c > 0x7e) return -1;
  }
  return -1;
}

/** A string or `null` at `i`: just past it, or -1. */
function strOrNull(b: Uint8Array, i: number): number {
  return at(b, i, NULL) ? i + NULL.length : str(b, i);
}

/** `0` or a digit 1-9 and up to `more` digits at `i`: just past it, or -1. */
function natural(b: Uint8Array, i: number, more: number): number {
  if (b[i] === ZERO) return i + 1;
  if (!(b[i] > ZERO && b[i] <= NINE)) return -1;
  const end = i + 1 + more;
  for (i++; i < b.length && b[i] >= ZERO && b[i] <= NINE; i++) if (i >= end) return -1;
  return i;
}

/** After a member's value at `i`: the next member's start, `-2` at the object's end, or -1. */
function next(b: Uint8Array, i: number): number {
  if (i < 0) return -1;
  if (b[i] === COMMA) return i + 1;
  return b[i] === CLOSE ? -2 : -1;
}

/** The candidate object at `i` (`{` there): just past it and its string's length, or -1. */
function candidateObject(b: Uint8Array, i: number, out: { length: number }): number {
  if (b[i] !== OPEN) return -1;
  let seen = 0;
  for (i++;;) {
    let end: number;
    if (at(b, i, CANDIDATE) && !(seen & 1)) {
      seen |= 1;
      const start = i + CANDIDATE.length;
      end = str(b, start);
      out.length = end - start - 2;
    } else if (at(b, i, SDP_MID) && !(seen & 2)) {
      seen |= 2;
      end = strOrNull(b, i + SDP_MID.length);
    } else if (at(b, i, SDP_M_LINE_INDEX) && !(seen & 4)) {
      seen |= 4;
      const v = i + SDP_M_LINE_INDEX.length;
      end = at(b, v, NULL) ? v + NULL.length : natural(b, v, 8);
    } else if (at(b, i, USERNAME_FRAGMENT) && !(seen & 8)) {
      seen |= 8;
      end = strOrNull(b, i + USERNAME_FRAGMENT.length);
    } else return -1;
    const n = next(b, end);
    if (n === -2) return seen & 1 ? end + 1 : -1;
    if (n < 0) return -1;
    i = n;
  }
}

/** `data` at `i` (`{` there): just past it and its candidate's length, or -1. */
function dataObject(b: Uint8Array, i: number, out: { length: number }): number {
  if (b[i] !== OPEN) return -1;
  let seen = 0;
  for (i++;;) {
    let end: number;
    if (at(b, i, KIND_CANDIDATE) && !(seen & 1)) {
      seen |= 1;
      end = i + KIND_CANDIDATE.length;
    } else if (at(b, i, CANDIDATE) && !(seen & 2)) {
      seen |= 2;
      const v = i + CANDIDATE.length;
      if (at(b, v, NULL)) {
        out.length = 0;
        end = v + NULL.length;
      } else end = candidateObject(b, v, out);
    } else return -1;
    const n = next(b, end);
    if (n === -2) return seen === 3 ? end + 1 : -1;
    if (n < 0) return -1;
    i = n;
  }
}

/**
 * The frame's bytes `b` (one text frame as received) as a candidate to relay, or undefined when
 * it must take the text path (see the module docs). Size limits are the caller's: `b` is one
 * frame `ws` has already held to maxPayload.
 */
export function readRelayCandidateBytes(b: Uint8Array): RelayCandidateBytes | undefined {
  if (b[0] !== OPEN) return undefined;
  const out = { length: 0 };
  let seen = 0, dataStart = -1, dataEnd = -1, session: string | undefined;
  for (let i = 1;;) {
    let end: number;
    if (at(b, i, TYPE_SIGNAL) && !(seen & 1)) {
      seen |= 1;
      end = i + TYPE_SIGNAL.length;
    } else if (at(b, i, DATA) && !(seen & 2)) {
      seen |= 2;
      dataStart = i + DATA.length;
      end = dataEnd = dataObject(b, dataStart, out);
    } else if (at(b, i, SESSION) && !(seen & 4)) {
      seen |= 4;
      const v = i + SESSION.length;
      end = str(b, v);
      if (end < 0 || end - v - 2 > SESSION_MAX_LENGTH) return undefined;
      // str() allowed printable ASCII only, so each byte is its character. Not TextDecoder: its
      // call cost the relay ~1 µs per message (relay_cpu_profile.ts, "deno runtime (other)"),
      // and every browser's candidate names its session.
      session = String.fromCharCode.apply(null, b.subarray(v + 1, end - 1) as unknown as number[]);
    } else if (at(b, i, RID) && !(seen & 8)) {
      seen |= 8;
      const v = i + RID.length;
      end = natural(b, b[v] === MINUS ? v + 1 : v, 14);
    } else return undefined;
    const n = next(b, end);
    if (n === -2) {
      if ((seen & 3) !== 3 || end + 1 !== b.length) return undefined;
      return { dataStart, dataEnd, payloadBytes: out.length, session };
    }
    if (n < 0) return undefined;
    i = n;
  }
}

const encoder = new TextEncoder();

/**
 * The relayed frame's bytes: `head`, the client's `data` bytes, `tail` (the route's envelope as
 * UTF-8), exactly the UTF-8 of the text path's `head + dataText + tail`.
 */
export function relayedBytes(
  head: Uint8Array,
  frame: Uint8Array,
  c: RelayCandidateBytes,
  tail: Uint8Array,
): Uint8Array {
  const n = c.dataEnd - c.dataStart;
  // From Buffer's pool: a new ArrayBuffer per message cost more than the rest of the relay on
  // bytes, and ws sends a Buffer as it is.
  const out = Buffer.allocUnsafe(head.length + n + tail.length);
  out.set(head, 0);
  out.set(frame.subarray(c.dataStart, c.dataEnd), head.length);
  out.set(tail, head.length + n);
  return out;
}

/** A route's envelope text as the bytes relayedBytes puts around `data`. */
export const envelopeBytes = (text: string): Uint8Array => encoder.encode(text);
