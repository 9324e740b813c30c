import assert from "node:assert/strict";
import { parseClientMessage } from "../shared/lobby_protocol.ts";
import {
  dataMemberText,
  envelopeHead,
  envelopeTail,
  readRelaySignal,
  type RelaySignal,
} from "./relay_signal.ts";

const CANDIDATE = {
  candidate: "candidate:1467250027 1 udp 2122260223 127.0.0.1 46243 typ host generation 0",
  sdpMid: "0",
  sdpMLineIndex: 0,
};

const relayed = (r: RelaySignal, from = "abcdefghij", session = "SESSION234567ABC") =>
  JSON.parse(envelopeHead(from) + r.dataText + envelopeTail(session));

Deno.test("a valid signal is relayed with the client's own data text", () => {
  const data = { kind: "candidate", candidate: CANDIDATE };
  const text = JSON.stringify({ type: "signal", data, session: "S1", rid: 4 });
  const r = readRelaySignal(text)!;
  assert.equal(r.dataText, JSON.stringify(data));
  assert.deepEqual(r.data, data);
  assert.equal(r.session, "S1");
  assert.deepEqual(relayed(r, "p1", "S1"), { type: "signal", from: "p1", data, session: "S1" });
  for (
    const d of [
      { kind: "offer", sdp: "v=0\r\n" },
      { kind: "answer", sdp: "v=0\r\n" },
      { kind: "candidate", candidate: null },
      { kind: "candidate", candidate: { candidate: "", sdpMid: null, usernameFragment: "u" } },
    ]
  ) {
    const r2 = readRelaySignal(JSON.stringify({ type: "signal", data: d }))!;
    assert.deepEqual(relayed(r2).data, d);
    assert.equal(r2.session, undefined);
  }
  // Whitespace and key order are the client's; the value is the same.
  const spaced = ` { "data" : { "candidate" : null , "kind" : "candidate" } , "type" : "signal" } `;
  assert.equal(readRelaySignal(spaced)!.dataText, `{ "candidate" : null , "kind" : "candidate" }`);
});

Deno.test("anything the slow path would change or refuse is left to it", () => {
  const cases = [
    // Unknown keys, which parseClientMessage drops: at both depths.
    { type: "signal", data: { kind: "candidate", candidate: CANDIDATE, from: "evil" } },
    { type: "signal", data: { kind: "candidate", candidate: { ...CANDIDATE, x: 1 } } },
    { type: "signal", data: { kind: "offer", sdp: "v=0", candidate: null } },
    // Invalid values.
    { type: "signal", data: { kind: "offer", sdp: "" } },
    { type: "signal", data: { kind: "bye" } },
    { type: "signal", data: { kind: "candidate", candidate: { ...CANDIDATE, sdpMLineIndex: -1 } } },
    { type: "signal", data: { kind: "candidate", candidate: [] } },
    { type: "signal", data: [] },
    { type: "signal" },
    { type: "signal", data: { kind: "candidate", candidate: null }, session: "s".repeat(65) },
    { type: "signal", data: { kind: "candidate", candidate: null }, session: 1 },
    { type: "signal", data: { kind: "candidate", candidate: null }, rid: "1" },
    { type: "ping", data: { kind: "candidate", candidate: null }, t: '"signal"' },
  ];
  for (const c of cases) {
    assert.equal(readRelaySignal(JSON.stringify(c)), undefined, JSON.stringify(c));
  }
  for (
    const text of [
      '{"type":"signal","data":{"kind":"candidate","candidate":null},"rid":1e999}',
      '{"type":"signal","data":{"kind":"candidate","candidate":null,"__proto__":{"x":1}}}',
      "not json",
      '"signal"',
      '["signal"]',
    ]
  ) assert.equal(readRelaySignal(text), undefined, text);
});

Deno.test("a key written with escapes, or data twice, can never point the relay at other text", () => {
  const good = '{"kind":"candidate","candidate":null}';
  const evil = '{"kind":"candidate","candidate":{"candidate":"c","x":"smuggled"}}';
  for (
    const text of [
      // JSON.parse keeps the last `data`, spelled with an escape: the scan cannot tell which.
      `{"type":"signal","data":${good},"d\\u0061ta":${evil}}`,
      `{"type":"signal","d\\u0061ta":${evil},"data":${good}}`,
      `{"type":"signal","data":${evil},"data":${good}}`,
      `{"type":"signal","data":${good},"data":${good}}`,
    ]
  ) {
    assert.equal(readRelaySignal(text), undefined, text);
    // The slow path then relays what it validated, unknown keys dropped.
    const parsed = parseClientMessage(text);
    if (parsed.ok) assert.ok(!JSON.stringify(parsed.value).includes("smuggled"), text);
  }
});

Deno.test("hostile strings inside data stay inside data", () => {
  const nasty = [
    '"},"from":"mallory","data":{"kind":"offer","sdp":"x"}}',
    '\\"}',
    "\\",
    '{"["',
    "]]]}}}",
    "\u2028\u2029",
    '","session":"other',
  ];
  for (const s of nasty) {
    const data = { kind: "candidate", candidate: { candidate: s, sdpMid: s, usernameFragment: s } };
    for (
      const text of [
        JSON.stringify({ type: "signal", data }),
        JSON.stringify({ data, type: "signal", x: s }),
      ]
    ) {
      const r = readRelaySignal(text)!;
      assert.ok(r, text);
      const out = relayed(r, "alice12345", "SESS");
      assert.deepEqual(out, { type: "signal", from: "alice12345", data, session: "SESS" });
      assert.deepEqual(Object.keys(out), ["type", "from", "data", "session"]);
    }
  }
});

Deno.test("dataMemberText finds the top-level data member only", () => {
  assert.equal(dataMemberText('{"a":{"data":1},"data":[1,{"b":"}"}],"c":2}'), '[1,{"b":"}"}]');
  assert.equal(dataMemberText('{"data":-1.5e3}'), "-1.5e3");
  assert.equal(dataMemberText('{"x":"data","y":true}'), undefined);
  assert.equal(dataMemberText("{}"), undefined);
  assert.equal(dataMemberText('{"data":"\\"}"}'), '"\\"}"');
});

Deno.test("envelope ids are quoted as JSON when they are not plain base32", () => {
  const r = readRelaySignal('{"type":"signal","data":{"kind":"candidate","candidate":null}}')!;
  const out = relayed(r, 'a"b', 'x","y":"z');
  assert.equal(out.from, 'a"b');
  assert.equal(out.session, 'x","y":"z');
  assert.deepEqual(Object.keys(out), ["type", "from", "data", "session"]);
});

// Over many generated frames, valid and wrong in one or several places: whatever the fast path
// accepts, parseClientMessage accepts too, and the peer gets exactly the validated value.
Deno.test("the relayed text is what parseClientMessage validated, over generated frames", () => {
  let seed = 0x1234567;
  const rnd = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const any = ["null", "true", "0", "-1", "1.5", "1e999", '""', '"x"', "[]", '["}"]', "{}"];
  const str = ['""', '"0"', '"a\\"}b"', '"c:1 1 udp"', '"é\\u2028"', '"\\\\"', '"{\\"data\\":1}"'];
  const ws = () => pick(["", "", "", " ", "\n\t"]);
  const maybe = (key: string, values: readonly string[], pMissing = 0.3) =>
    rnd() < pMissing ? [] : [`${ws()}"${key}"${ws()}:${ws()}${pick(values)}`];
  const extra = () =>
    rnd() < 0.15
      ? [pick(['"x":1', '"__proto__":{"sdp":"y"}', '"kind":"z"', '"d\\u0061ta":{}'])]
      : [];
  const shuffle = (xs: string[]) => (rnd() < 0.3 ? xs.sort(() => rnd() - 0.5) : xs);
  const object = (parts: string[]) => `{${shuffle([...parts, ...extra()]).join(",")}}`;
  const candidate = () =>
    rnd() < 0.1 ? pick(any) : object([
      ...maybe("candidate", rnd() < 0.9 ? str : any, 0.05),
      ...maybe("sdpMid", [...str, "null", "1"]),
      ...maybe("sdpMLineIndex", ["0", "3", "null", "-1", "1.5"]),
      ...maybe("usernameFragment", [...str, "null"]),
    ]);
  const data = () => {
    if (rnd() < 0.05) return pick(any);
    const kind = pick(['"candidate"', '"candidate"', '"offer"', '"answer"', '"bye"', "1"]);
    const parts = [`"kind":${kind}`];
    if (rnd() < 0.5) parts.push(...maybe("sdp", rnd() < 0.9 ? str : any, 0.1));
    if (rnd() < 0.6) parts.push(`"candidate":${rnd() < 0.15 ? "null" : candidate()}`);
    return object(parts);
  };
  const message = () =>
    ws() + object([
      '"type":"signal"',
      ...(rnd() < 0.05 ? [] : [`"data":${data()}`]),
      ...(rnd() < 0.05 ? [`"data":${data()}`] : []),
      ...maybe("session", rnd() < 0.8 ? str : [`"${"s".repeat(65)}"`, "1"], 0.6),
      ...maybe("rid", ["0", "3", "1e999", '"1"'], 0.6),
    ]) + ws();

  let fast = 0, slowOk = 0;
  for (let i = 0; i < 30_000; i++) {
    const text = message();
    const r = readRelaySignal(text);
    const parsed = parseClientMessage(text);
    if (r === undefined) {
      if (parsed.ok) slowOk++;
      continue;
    }
    fast++;
    assert.ok(parsed.ok && parsed.value.type === "signal", text);
    assert.deepEqual(JSON.parse(r.dataText), parsed.value.data, text);
    assert.deepEqual(r.data, parsed.value.data, text);
    assert.equal(r.session, parsed.value.session, text);
    const out = relayed(r);
    assert.deepEqual(Object.keys(out), ["type", "from", "data", "session"], text);
    assert.deepEqual(out.data, parsed.value.data, text);
  }
  assert.ok(fast > 1000 && slowOk > 500, `fast ${fast}, slow but valid ${slowOk}`);
});

Deno.test("a key written twice inside data is never relayed as text (parsers disagree on which wins)", () => {
  // JSON.parse keeps the last of duplicate keys; a parser that keeps the first (or refuses
  // duplicates) would read the relayed text as something the lobby never validated. The slow
  // path relays each key once, so the fast path must leave these to it.
  const cases = [
    '{"type":"signal","data":{"kind":"offer","sdp":{"smuggled":[[[1]]]},"sdp":"v=0"}}',
    '{"type":"signal","data":{"kind":"answer","kind":"offer","sdp":"v=0"}}',
    '{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"c","x":"smuggled"},"candidate":null}}',
    '{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"c","sdpMLineIndex":-1,"sdpMLineIndex":0}}}',
    '{"type":"signal","data":{"kind":"offer","sdp":"v=0","sd\\u0070":"v=1"}}',
  ];
  for (const text of cases) {
    assert.equal(readRelaySignal(text), undefined, text);
    const parsed = parseClientMessage(text);
    assert.ok(parsed.ok, text);
    if (parsed.ok) assert.ok(!JSON.stringify(parsed.value).includes("smuggled"), text);
  }
});

Deno.test("a -0 sdpMLineIndex takes the slow path, which sends it as 0", () => {
  const text =
    '{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"c","sdpMLineIndex":-0}}}';
  assert.equal(readRelaySignal(text), undefined);
  const parsed = parseClientMessage(text);
  assert.ok(parsed.ok);
  assert.ok(JSON.stringify(parsed.value).includes('"sdpMLineIndex":0}'));
});
