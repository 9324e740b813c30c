/**
 * The relay's hot path: a client's `signal` frame checked where it lies, and its `data` forwarded
 * to the peer as the client's own JSON text inside the server's envelope, instead of being copied
 * into a fresh object tree (parseClientMessage) and serialized again (encodeServerMessage).
 * Relayed signals are nearly every frame the lobby handles; the copy and the re-serialization
 * were a third of what the lobby allocated per relayed message above the bare `ws` relay.
 *
 * Only frames the slow path would relay unchanged take this path: a `signal` whose `data` has
 * exactly the schema's keys (SignalDataSchema, no unknown ones at any depth, which the slow path
 * would drop), each written once and without escapes, with valid values, a valid optional
 * `session` and `rid`, and a top level whose keys
 * are written without escapes and name `data` once. Anything else (including every frame the
 * slow path would refuse) returns undefined and goes through parseClientMessage, which decides
 * and words the error. So the forwarded text is a complete JSON object (found by a scan of text
 * that JSON.parse has accepted, so the scan cannot be fooled into ending early) whose value, as
 * any JSON parser reads it, is exactly the object that was checked: a hostile `data` can neither
 * close the envelope nor carry a field the schema does not have.
 */
import { type SignalData } from "../shared/lobby_protocol.ts";
import { SESSION_MAX_LENGTH } from "../shared/limits.ts";
import type { PlayerId } from "./room_registry.ts";

/** A `signal` frame ready to be relayed as text. */
export interface RelaySignal {
  /** The checked `data` (for metrics and room state; it has no keys beyond the schema's). */
  data: SignalData;
  /** The frame's `data` member exactly as the client wrote it: one complete JSON object. */
  dataText: string;
  /** The pairing it names, if any (`signal.session`). */
  session: string | undefined;
}

type Obj = Record<string, unknown>;

const isRecord = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);

/** Whether every key of `o` is one of the given ones (for-in: no array of keys is built). */
function onlyKeys(o: Obj, a: string, b: string, c?: string, d?: string): boolean {
  for (const k in o) if (k !== a && k !== b && k !== c && k !== d) return false;
  return true;
}

/** `v.optional(v.nullable(v.string()))` on key `k` of `o`. */
const optNullString = (o: Obj, k: string) => !(k in o) || o[k] === null || typeof o[k] === "string";

/** Whether `c` is an IceCandidateSchema object with no other keys. */
function candidateOk(c: Obj): boolean {
  if (typeof c.candidate !== "string") return false;
  if (!optNullString(c, "sdpMid") || !optNullString(c, "usernameFragment")) return false;
  if ("sdpMLineIndex" in c) {
    const index = c.sdpMLineIndex;
    if (index !== null && !(typeof index === "number" && Number.isInteger(index) && index >= 0)) {
      return false;
    }
    // -0 passes the schema, but the slow path sends it as 0: leave the rewrite to it.
    if (Object.is(index, -0)) return false;
  }
  return onlyKeys(c, "candidate", "sdpMid", "sdpMLineIndex", "usernameFragment");
}

/** Whether `d` is a SignalDataSchema value with no keys beyond the schema's. */
function dataOk(d: Obj): boolean {
  const kind = d.kind;
  if (kind === "candidate") {
    if (!("candidate" in d) || !onlyKeys(d, "kind", "candidate")) return false;
    const c = d.candidate;
    return c === null || (isRecord(c) && candidateOk(c));
  }
  if (kind === "offer" || kind === "answer") {
    return typeof d.sdp === "string" && d.sdp.length >= 1 && onlyKeys(d, "kind", "sdp");
  }
  return false;
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a, COMMA = 0x2c;
const OPEN_OBJ = 0x7b, CLOSE_OBJ = 0x7d, OPEN_ARR = 0x5b, CLOSE_ARR = 0x5d;

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipWs(t: string, i: number): number {
  while (i < t.length && isWs(t.charCodeAt(i))) i++;
  return i;
}

/** From an opening quote to just past its closing quote; -1 if unterminated. */
function skipString(t: string, i: number): number {
  for (i++; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) i++;
  }
  return -1;
}

/** Like skipString for a key, but -1 also when it holds an escape. */
function skipKey(t: string, i: number): number {
  for (i++; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) return -1;
  }
  return -1;
}

/** From the first character of a JSON value to just past it; -1 if it does not end. */
function skipValue(t: string, i: number): number {
  const first = t.charCodeAt(i);
  if (first === QUOTE) return skipString(t, i);
  if (first === OPEN_OBJ || first === OPEN_ARR) {
    let depth = 0;
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (c === QUOTE) {
        i = skipString(t, i);
        if (i < 0) return -1;
        continue;
      }
      if (c === OPEN_OBJ || c === OPEN_ARR) depth++;
      else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
        if (--depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  while (i < t.length) {
    const c = t.charCodeAt(i);
    if (c === COMMA || c === CLOSE_OBJ || c === CLOSE_ARR || isWs(c)) return i;
    i++;
  }
  return -1;
}

/**
 * The text of the top-level member `data` of `text`, which must be a JSON object JSON.parse has
 * accepted; undefined when it cannot be told for sure: a top-level key written with an escape
 * (it could spell `data`), `data` twice (JSON.parse keeps the last), or no `data`.
 */
export function dataMemberText(text: string): string | undefined {
  let i = skipWs(text, 0);
  if (text.charCodeAt(i) !== OPEN_OBJ) return undefined;
  i = skipWs(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_OBJ) return undefined;
  let start = -1, end = -1;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const keyStart = i;
    const keyEnd = skipKey(text, i);
    if (keyEnd < 0) return undefined;
    i = skipWs(text, keyEnd);
    if (text.charCodeAt(i) !== COLON) return undefined;
    i = skipWs(text, i + 1);
    const valueStart = i;
    i = skipValue(text, i);
    if (i < 0) return undefined;
    if (keyEnd - keyStart === 6 && text.startsWith('"data"', keyStart)) {
      if (start >= 0) return undefined;
      start = valueStart;
      end = i;
    }
    i = skipWs(text, i);
    const c = text.charCodeAt(i);
    if (c === CLOSE_OBJ) break;
    if (c !== COMMA) return undefined;
    i = skipWs(text, i + 1);
  }
  return start < 0 ? undefined : text.slice(start, end);
}

/** Own keys of `o` (for-in: no array of keys is built). */
function keyCount(o: Obj): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

/**
 * How many object keys `t` (a JSON value JSON.parse has accepted) writes at any depth, or -1
 * when one is written with an escape. Checked against the parsed value's key count, this tells
 * that no key was written twice anywhere (JSON.parse keeps the last; other parsers may keep the
 * first or refuse), so the relayed text holds nothing the check did not see.
 */
function keysWritten(t: string): number {
  let n = 0;
  for (let i = 0; i < t.length;) {
    if (t.charCodeAt(i) !== QUOTE) {
      i++;
      continue;
    }
    const keyEnd = skipKey(t, i);
    const end = keyEnd < 0 ? skipString(t, i) : keyEnd;
    if (end < 0) return -1;
    const next = skipWs(t, end);
    if (t.charCodeAt(next) === COLON) {
      if (keyEnd < 0) return -1;
      n++;
    }
    i = end;
  }
  return n;
}

/**
 * `text` (one client frame, already known not to be too large) as a signal to relay as text, or
 * undefined when it must take parseClientMessage's path (see the module docs).
 */
export function readRelaySignal(text: string): RelaySignal | undefined {
  // Cheap refusal of the other message types before any parse.
  if (!text.includes('"signal"')) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(raw) || raw.type !== "signal") return undefined;
  const data = raw.data;
  if (!isRecord(data) || !dataOk(data)) return undefined;
  let session: string | undefined;
  if ("session" in raw) {
    const s = raw.session;
    if (typeof s !== "string" || s.length > SESSION_MAX_LENGTH) return undefined;
    session = s;
  }
  if ("rid" in raw) {
    const rid = raw.rid;
    if (typeof rid !== "number" || !Number.isFinite(rid)) return undefined;
  }
  const dataText = dataMemberText(text);
  if (dataText === undefined) return undefined;
  const c = (data as Obj).candidate;
  const keys = keyCount(data) + (isRecord(c) ? keyCount(c) : 0);
  if (keysWritten(dataText) !== keys) return undefined;
  return { data: data as SignalData, dataText, session };
}

/** A server-made id or session as a JSON string. */
const quoted = (id: string) => (/^[A-Za-z0-9_-]*$/.test(id) ? `"${id}"` : JSON.stringify(id));

/** The relayed signal's text before the client's `data`: `{"type":"signal","from":…,"data":`. */
export function envelopeHead(from: PlayerId): string {
  return `{"type":"signal","from":${quoted(from)},"data":`;
}

/** The relayed signal's text after the client's `data`: `,"session":…}`. */
export function envelopeTail(session: string): string {
  return `,"session":${quoted(session)}}`;
}
