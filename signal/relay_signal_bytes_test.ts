import assert from "node:assert/strict";
import { signalBytes } from "./lobby_metrics.ts";
import { readRelaySignal } from "./relay_signal.ts";
import { envelopeBytes, readRelayCandidateBytes, relayedBytes } from "./relay_signal_bytes.ts";
import { SESSION_MAX_LENGTH } from "../shared/limits.ts";

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { ignoreBOM: true });

const CANDIDATE = {
  candidate: "candidate:1467250027 1 udp 2122260223 127.0.0.1 46243 typ host generation 0",
  sdpMid: "0",
  sdpMLineIndex: 0,
  usernameFragment: "abcd",
};

/** What the game's client sends for a trickled candidate. */
const clientFrame = (session = "S3ss10n_-", candidate: unknown = CANDIDATE) =>
  JSON.stringify({ type: "signal", data: { kind: "candidate", candidate }, session });

/**
 * The byte path's promise for one frame: whenever it accepts, the text path accepts too, with
 * the same `data` text, session and payload size, and the relayed bytes are the text's UTF-8.
 * Returns whether the byte path accepted.
 */
function agrees(frame: Uint8Array): boolean {
  const b = readRelayCandidateBytes(frame);
  if (b === undefined) return false;
  const text = dec.decode(frame);
  const t = readRelaySignal(text);
  assert.ok(t !== undefined, `text path refuses what the byte path took: ${text}`);
  assert.equal(t.data.kind, "candidate", text);
  assert.equal(dec.decode(frame.subarray(b.dataStart, b.dataEnd)), t.dataText, text);
  assert.equal(b.session, t.session, text);
  assert.equal(b.payloadBytes, signalBytes(t.data), text);
  const head = '{"type":"signal","from":"P1","data":', tail = ',"session":"S"}';
  const out = relayedBytes(envelopeBytes(head), frame, b, envelopeBytes(tail));
  assert.deepEqual(Uint8Array.from(out), enc.encode(head + t.dataText + tail), text);
  return true;
}

Deno.test("the byte path takes the client's candidate frames", () => {
  const frames = [
    clientFrame(),
    clientFrame("s", null),
    clientFrame("s", { candidate: "" }),
    clientFrame("s", { candidate: "c", sdpMid: null, sdpMLineIndex: null }),
    clientFrame("s", { usernameFragment: null, sdpMLineIndex: 123456789, candidate: "c" }),
    JSON.stringify({ type: "signal", data: { kind: "candidate", candidate: CANDIDATE } }),
    JSON.stringify({ rid: 7, data: { candidate: null, kind: "candidate" }, type: "signal" }),
    JSON.stringify({ type: "signal", data: { kind: "candidate", candidate: null }, rid: -12 }),
    clientFrame("x".repeat(SESSION_MAX_LENGTH)),
  ];
  for (const f of frames) assert.ok(agrees(enc.encode(f)), f);
});

Deno.test("the byte path leaves the unusual and the hostile to the text path", () => {
  const c = '{"candidate":"c"}';
  const frames = [
    // Offers and answers (escaped SDP), and other types.
    JSON.stringify({ type: "signal", data: { kind: "offer", sdp: "v=0\r\n" } }),
    '{"type":"quick"}',
    `{"type":"join","data":{"kind":"candidate","candidate":null}}`,
    // Escapes anywhere, including keys that spell the schema's.
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"a\\u0022b"}}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":{"c\\u0061ndidate":"c"}}}`,
    `{"type":"signal","d\\u0061ta":{"kind":"candidate","candidate":null}}`,
    `{"type":"sign\\u0061l","data":{"kind":"candidate","candidate":null}}`,
    // Duplicate keys at every level (JSON.parse keeps the last; others the first).
    `{"type":"signal","data":{"kind":"candidate","candidate":null},"data":{"kind":"candidate","candidate":${c}}}`,
    `{"type":"join","type":"signal","data":{"kind":"candidate","candidate":null}}`,
    `{"type":"signal","data":{"kind":"candidate","kind":"candidate","candidate":null}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"a","candidate":"b"}}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":null},"session":"a","session":"b"}`,
    // -0 and other spellings of indexes the text path would rewrite or refuse.
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"c","sdpMLineIndex":-0}}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"c","sdpMLineIndex":1.0}}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"c","sdpMLineIndex":1e2}}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"c","sdpMLineIndex":-1}}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"c","sdpMLineIndex":01}}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"c","sdpMLineIndex":1234567890}}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":null},"rid":1e999}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":null},"rid":1234567890123456}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":null},"rid":"1"}`,
    // Unknown keys, missing keys, wrong shapes.
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"c","x":1}}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":null,"x":1}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":null},"x":1}`,
    `{"type":"signal","data":{"kind":"candidate"}}`,
    `{"type":"signal","data":{"candidate":null}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":{}}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":{"sdpMid":"0"}}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":[]}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":1}}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"c","sdpMid":0}}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":null},"session":null}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":null},"session":"${
      "x".repeat(SESSION_MAX_LENGTH + 1)
    }"}`,
    `{"type":"signal"}`,
    `{"data":{"kind":"candidate","candidate":null}}`,
    "{}",
    "",
    // Whitespace, a BOM, non-ASCII, control characters, trailing bytes, truncation.
    `{"type":"signal", "data":{"kind":"candidate","candidate":null}}`,
    ` {"type":"signal","data":{"kind":"candidate","candidate":null}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":null}} `,
    `\uFEFF{"type":"signal","data":{"kind":"candidate","candidate":null}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"é"}}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"a\tb"}}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":null}}x`,
    `{"type":"signal","data":{"kind":"candidate","candidate":null}}}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":null}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"c`,
    `{"type":"signal","data":{"kind":"candidate","candidate":null},}`,
  ];
  for (const f of frames) assert.equal(agrees(enc.encode(f)), false, f);
});

Deno.test("whatever bytes it is given, the byte path takes nothing the text path would not", () => {
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const alphabet = enc.encode('{}[]":,\\-0123456789.eE ntrulfa\u00e9\uFEFF');
  const bases = [
    clientFrame(),
    clientFrame("s", null),
    JSON.stringify({ rid: 3, type: "signal", data: { kind: "candidate", candidate: CANDIDATE } }),
  ].map((f) => enc.encode(f));
  let taken = 0;
  for (let n = 0; n < 20000; n++) {
    const base = bases[n % bases.length];
    const b = [...base];
    for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) {
      const at = Math.floor(rnd() * (b.length + 1));
      const op = rnd();
      const byte = alphabet[Math.floor(rnd() * alphabet.length)];
      if (op < 0.4) b[at] = byte;
      else if (op < 0.7) b.splice(at, 0, byte);
      else if (op < 0.9) b.splice(at, 1);
      // Copy a slice of the frame elsewhere: duplicate keys and members.
      else b.splice(at, 0, ...b.slice(Math.floor(rnd() * b.length), at));
    }
    if (agrees(Uint8Array.from(b.filter((x) => x !== undefined)))) taken++;
  }
  // The mutations do keep some frames acceptable (the check is not vacuous).
  assert.ok(taken > 200, `taken ${taken}`);
});
