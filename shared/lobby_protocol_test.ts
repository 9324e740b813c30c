import assert from "node:assert/strict";
import * as v from "valibot";
import {
  type ClientMessage,
  ClientMessageSchema,
  encodeClientMessage,
  encodeServerMessage,
  ERROR_CODES,
  fastSignal,
  isTooLarge,
  parseClientMessage,
  parseServerMessage,
  peekRid,
  PROTOCOL_VERSION,
  type RoomInfo,
  type ServerMessage,
  type StreamHeader,
  utf8ByteLength,
} from "./lobby_protocol.ts";
import { MAX_LOBBY_MESSAGE_BYTES } from "./limits.ts";

function ok(text: string): ClientMessage {
  const r = parseClientMessage(text);
  if (!r.ok) throw new Error(`expected ${text} to parse, got ${r.code}: ${r.message}`);
  return r.value;
}

function fails(text: string) {
  const r = parseClientMessage(text);
  if (r.ok) throw new Error(`expected ${text} to fail, got ${JSON.stringify(r.value)}`);
  return r;
}

const room: RoomInfo = {
  id: "abc",
  name: "Room",
  players: 1,
  capacity: 2,
  state: "open",
  locked: false,
  createdAt: 1700000000000,
};

Deno.test("every client message type parses, with rid", () => {
  assert.deepEqual(ok('{"type":"hello","name":"Ann","rid":1}'), {
    type: "hello",
    name: "Ann",
    rid: 1,
  });
  assert.deepEqual(ok('{"type":"create","name":"R","private":true,"password":"pw"}'), {
    type: "create",
    name: "R",
    private: true,
    password: "pw",
  });
  assert.deepEqual(ok('{"type":"join","room":"ABC","password":"x","rid":2}'), {
    type: "join",
    room: "ABC",
    password: "x",
    rid: 2,
  });
  assert.deepEqual(ok('{"type":"quick"}'), { type: "quick" });
  assert.deepEqual(ok('{"type":"leave","rid":3}'), { type: "leave", rid: 3 });
  assert.deepEqual(ok('{"type":"ping","t":12.5}'), { type: "ping", t: 12.5 });
  assert.deepEqual(ok('{"type":"ping"}'), { type: "ping" });
});

Deno.test("signal data: offer, answer, candidate object and null", () => {
  assert.deepEqual(ok('{"type":"signal","data":{"kind":"offer","sdp":"v=0"}}'), {
    type: "signal",
    data: { kind: "offer", sdp: "v=0" },
  });
  assert.deepEqual(ok('{"type":"signal","data":{"kind":"answer","sdp":"v=0"}}'), {
    type: "signal",
    data: { kind: "answer", sdp: "v=0" },
  });
  const cand = {
    candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host",
    sdpMid: "0",
    sdpMLineIndex: 0,
    usernameFragment: null,
  };
  assert.deepEqual(
    ok(JSON.stringify({ type: "signal", data: { kind: "candidate", candidate: cand } })),
    { type: "signal", data: { kind: "candidate", candidate: cand } },
  );
  assert.deepEqual(ok('{"type":"signal","data":{"kind":"candidate","candidate":null}}'), {
    type: "signal",
    data: { kind: "candidate", candidate: null },
  });
});

Deno.test("unknown keys are dropped, so relayed data carries only what was validated", () => {
  const m = ok('{"type":"signal","data":{"kind":"offer","sdp":"x","evil":1},"extra":true}');
  assert.deepEqual(m, { type: "signal", data: { kind: "offer", sdp: "x" } });
});

Deno.test("names are trimmed and length-checked", () => {
  assert.deepEqual(ok('{"type":"hello","name":"  Bo  "}'), { type: "hello", name: "Bo" });
  assert.equal(ok(JSON.stringify({ type: "hello", name: "x".repeat(24) })).type, "hello");
  assert.match(fails(JSON.stringify({ type: "hello", name: "x".repeat(25) })).message, /name/);
  assert.match(fails('{"type":"hello","name":"   "}').message, /name: must be 1-24/);
  assert.match(fails('{"type":"hello","name":"a\\nb"}').message, /control/);
  assert.match(fails('{"type":"hello","name":"a\\u202eb"}').message, /control/);
  assert.equal(ok(JSON.stringify({ type: "create", name: "r".repeat(32) })).type, "create");
  assert.match(fails(JSON.stringify({ type: "create", name: "r".repeat(33) })).message, /1-32/);
  assert.match(
    fails(JSON.stringify({ type: "create", name: "r", password: "p".repeat(65) })).message,
    /password/,
  );
  assert.match(fails('{"type":"join","room":" "}').message, /room: must not be empty/);
});

Deno.test("malformed JSON and non-objects are bad-message without rid", () => {
  for (const text of ["{", "", "nope", "[]", "null", "3", '"hello"', '[{"type":"quick"}]']) {
    const r = fails(text);
    assert.equal(r.code, "bad-message", text);
    assert.equal(r.rid, undefined);
  }
  assert.match(fails("{").message, /JSON/);
  assert.match(fails("[1]").message, /object/);
});

Deno.test("missing or unknown type is bad-message, rid recovered", () => {
  const missing = fails('{"rid":4}');
  assert.deepEqual([missing.code, missing.rid], ["bad-message", 4]);
  assert.match(missing.message, /type/);
  const unknown = fails('{"type":"teleport","rid":5}');
  assert.deepEqual([unknown.code, unknown.rid], ["bad-message", 5]);
  assert.match(unknown.message, /unknown message type "teleport"/);
  assert.match(fails('{"type":7}').message, /string `type`/);
});

Deno.test("a rid or t JSON cannot carry back (1e999 parses as Infinity) is refused, not echoed as null", () => {
  // Echoed, Infinity serializes as null, which no client can match to its request.
  for (const text of ['{"type":"ping","rid":1e999}', '{"type":"ping","t":-1e999}']) {
    assert.equal(fails(text).code, "bad-message", text);
  }
  const signal = '{"type":"signal","data":{"kind":"offer","sdp":"v=0"},"rid":1e999}';
  assert.equal(fails(signal).code, "bad-message");
  assert.equal(fails('{"type":"teleport","rid":1e999}').rid, undefined);
  assert.equal(peekRid('{"rid":1e999}'), undefined);
  assert.equal(parseServerMessage('{"type":"pong","t":1e999}').ok, false);
});

Deno.test("wrong field types name the field and keep the rid", () => {
  const cases: [string, RegExp][] = [
    ['{"type":"hello","name":5,"rid":9}', /hello: name/],
    ['{"type":"hello","rid":9}', /hello: name/],
    ['{"type":"create","name":"r","private":"yes","rid":9}', /create: private/],
    ['{"type":"join","room":1,"rid":9}', /join: room/],
    ['{"type":"ping","t":"now","rid":9}', /ping: t/],
    ['{"type":"signal","data":{"kind":"offer"},"rid":9}', /signal: data.sdp/],
    ['{"type":"signal","data":{"kind":"bye"},"rid":9}', /signal: data.kind/],
    ['{"type":"signal","data":{"kind":"candidate"},"rid":9}', /signal: data.candidate/],
    [
      '{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"c","sdpMLineIndex":-1}},"rid":9}',
      /data.candidate.sdpMLineIndex/,
    ],
    ['{"type":"signal","rid":9}', /signal: data/],
  ];
  for (const [text, pattern] of cases) {
    const r = fails(text);
    assert.equal(r.code, "bad-message", text);
    assert.equal(r.rid, 9, text);
    assert.match(r.message, pattern, text);
  }
  assert.match(fails('{"type":"hello"}').message, /^hello: name: missing$/);
  assert.match(fails('{"type":"signal","data":{}}').message, /^signal: data.kind: missing$/);
  // The offending value is quoted, but a long one is cut short.
  const long = fails(JSON.stringify({ type: "create", name: "r", private: "y".repeat(5000) }));
  assert.ok(long.message.length <= 220, `${long.message.length}`);
  assert.match(long.message, /^create: private: /);
  // A non-numeric rid is itself the error and cannot be echoed.
  const badRid = fails('{"type":"quick","rid":"1"}');
  assert.equal(badRid.rid, undefined);
  assert.match(badRid.message, /rid/);
});

Deno.test("size cap counts UTF-8 bytes", () => {
  const pad = (n: number, ch: string) => JSON.stringify({ type: "ping", pad: ch.repeat(n) });
  const base = utf8ByteLength(pad(0, "a"));
  assert.equal(ok(pad(MAX_LOBBY_MESSAGE_BYTES - base, "a")).type, "ping");
  const over = fails(pad(MAX_LOBBY_MESSAGE_BYTES - base + 1, "a"));
  assert.equal(over.code, "too-large");
  // "é" is 2 bytes: half as many characters reach the same byte cap.
  assert.equal(ok(pad((MAX_LOBBY_MESSAGE_BYTES - base) / 2, "é")).type, "ping");
  assert.equal(fails(pad((MAX_LOBBY_MESSAGE_BYTES - base) / 2 + 1, "é")).code, "too-large");
  assert.equal(isTooLarge("x".repeat(MAX_LOBBY_MESSAGE_BYTES + 1)), true);
});

Deno.test("utf8ByteLength matches TextEncoder, lone surrogates included", () => {
  const samples = ["", "abc", "é", "€", "😀", "a😀b", "\ud800", "\udc00x", "\ud800\ud800", "日本"];
  let seed = 7;
  for (let i = 0; i < 200; i++) {
    let s = "";
    for (let j = 0; j < 20; j++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      s += String.fromCharCode(seed % 0x10000);
    }
    samples.push(s);
  }
  const enc = new TextEncoder();
  for (const s of samples) assert.equal(utf8ByteLength(s), enc.encode(s).length, JSON.stringify(s));
});

Deno.test("hostile JSON never throws and never pollutes prototypes", () => {
  const deep = "[".repeat(8000) + "]".repeat(8000);
  assert.equal(fails(deep).code, "bad-message");
  const deepInData = `{"type":"signal","data":${"[".repeat(5000)}${"]".repeat(5000)}}`;
  assert.equal(fails(deepInData).code, "bad-message");
  const m = ok('{"type":"hello","name":"x","__proto__":{"polluted":true}}');
  assert.equal((m as Record<string, unknown>).polluted, undefined);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  let seed = 1;
  const alphabet = '{}[]":,0123456789.-etruflasnhoqkpigd \\';
  for (let i = 0; i < 2000; i++) {
    let s = "";
    const len = i % 60;
    for (let j = 0; j < len; j++) {
      seed = (seed * 48271) % 2147483647;
      s += alphabet[seed % alphabet.length];
    }
    parseClientMessage(s);
    parseServerMessage(s);
    peekRid(s);
  }
});

Deno.test("peekRid reads a numeric rid from any JSON object", () => {
  assert.equal(peekRid('{"type":"x","rid":42}'), 42);
  assert.equal(peekRid('{"rid":"42"}'), undefined);
  assert.equal(peekRid("[42]"), undefined);
  assert.equal(peekRid("garbage"), undefined);
});

Deno.test("every server message round-trips through encode and parseServerMessage", () => {
  const messages: ServerMessage[] = [
    {
      type: "welcome",
      id: "p1",
      name: "Player",
      protocol: PROTOCOL_VERSION,
      iceServers: [{ urls: "stun:stun.example:3478" }, {
        urls: ["turn:t:3478"],
        username: "u",
        credential: "c",
      }],
    },
    {
      type: "ice-servers",
      iceServers: [{ urls: ["turn:t:3478?transport=udp"], username: "9:p1", credential: "c" }],
    },
    { type: "rooms", rooms: [room, { ...room, id: "b", state: "playing", players: 2 }] },
    { type: "room", room },
    { type: "room-removed", id: "abc" },
    { type: "joined", room, code: "CODE", rid: 1 },
    { type: "paired", peer: { id: "p2", name: "B" }, role: "offerer", session: "s" },
    { type: "signal", from: "p2", data: { kind: "candidate", candidate: null } },
    { type: "peer-left", id: "p2" },
    { type: "left", rid: 2 },
    { type: "pong", t: 5, rid: 3 },
    { type: "renamed", name: "Z" },
    ...ERROR_CODES.map((code) => ({ type: "error" as const, code, message: code })),
    { type: "error", code: "too-large", message: "m", close: true },
  ];
  for (const m of messages) {
    const r = parseServerMessage(encodeServerMessage(m));
    assert.ok(r.ok, JSON.stringify(m));
    assert.deepEqual(r.value, m);
  }
});

Deno.test("parseServerMessage rejects what the server never sends", () => {
  const bad = [
    '{"type":"error","code":"oops","message":"m"}',
    '{"type":"room","room":{"id":"a"}}',
    JSON.stringify({ type: "room", room: { ...room, capacity: 3 } }),
    JSON.stringify({ type: "room", room: { ...room, state: "closed" } }),
    '{"type":"paired","peer":{"id":"a","name":"b"},"role":"host","session":"s"}',
    '{"type":"hello","name":"x"}',
    '{"type":"ice-servers","iceServers":[{"username":"u"}]}',
    '{"type":"ice-servers"}',
  ];
  for (const text of bad) assert.equal(parseServerMessage(text).ok, false, text);
  // Client-side the size cap does not apply: room lists can be long.
  const many = {
    type: "rooms",
    rooms: Array.from({ length: 500 }, (_, i) => ({ ...room, id: `${i}` })),
  };
  assert.ok(parseServerMessage(JSON.stringify(many)).ok);
});

Deno.test("encodeClientMessage output parses back to the same message", () => {
  const messages: ClientMessage[] = [
    { type: "hello", name: "A" },
    { type: "create", name: "R", private: false, password: "p", rid: 1 },
    { type: "join", room: "id" },
    { type: "quick", rid: 2 },
    { type: "leave" },
    { type: "signal", data: { kind: "offer", sdp: "v=0" } },
    { type: "ping", t: 1 },
  ];
  for (const m of messages) assert.deepEqual(ok(encodeClientMessage(m)), m);
});

// The `signal` fast path must be the schema written out: over many generated messages (valid,
// and wrong in one or several places) it accepts exactly what ClientMessageSchema accepts, with
// the same output, key order included (the output is what gets relayed).
Deno.test("fastSignal accepts exactly what the schema accepts, with the same output", () => {
  let seed = 0x2545f491;
  const rnd = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  // JSON texts, so that values JSON.parse alone produces (1e999 = Infinity, "__proto__") occur.
  const anyValue = [
    "null",
    "true",
    "0",
    "-0",
    "1",
    "-1",
    "1.5",
    "1e999",
    "-1e999",
    '""',
    '"x"',
    "[]",
    '["a"]',
    "{}",
    '{"a":1}',
  ];
  const str = ['""', '"0"', '"audio"', '"candidate:1 1 udp 1 127.0.0.1 9 typ host"', '"é\\u2028"'];
  const maybe = (key: string, values: readonly string[], pMissing = 0.3) =>
    rnd() < pMissing ? [] : [`"${key}":${pick(values)}`];
  const extra =
    () => (rnd() < 0.2 ? [pick(['"x":1', '"__proto__":{"sdp":"y"}', '"kind":"z"'])] : []);
  const shuffle = (xs: string[]) => rnd() < 0.3 ? xs.sort(() => rnd() - 0.5) : xs;
  const object = (parts: string[]) => `{${shuffle([...parts, ...extra()]).join(",")}}`;
  const candidate = () => {
    if (rnd() < 0.15) return pick(anyValue);
    const good = rnd() < 0.6;
    const indexes = good
      ? ["0", "1", "-0", "null", "7"]
      : ["0", "null", "-1", "1.5", "1e999", '"0"'];
    const strOrNull = good ? [...str, "null"] : [...str, "null", "1", "[]", "{}", "true"];
    return object([
      ...maybe("candidate", good ? str : [...str, "null", "1", "{}"], good ? 0 : 0.2),
      ...maybe("sdpMid", strOrNull),
      ...maybe("sdpMLineIndex", indexes),
      ...maybe("usernameFragment", strOrNull),
    ]);
  };
  const data = () => {
    const r = rnd();
    if (r < 0.08) return pick(anyValue);
    const kind = pick(['"candidate"', '"candidate"', '"offer"', '"answer"', '"bye"', "1", "null"]);
    const parts = [...(rnd() < 0.05 ? [] : [`"kind":${kind}`])];
    if (rnd() < 0.5) parts.push(...maybe("sdp", rnd() < 0.8 ? str : anyValue, 0.1));
    if (rnd() < 0.6) {
      parts.push(...(rnd() < 0.1 ? [] : [`"candidate":${rnd() < 0.15 ? "null" : candidate()}`]));
    }
    return object(parts);
  };
  const message = () =>
    object([
      '"type":"signal"',
      ...(rnd() < 0.05 ? [] : [`"data":${data()}`]),
      ...maybe(
        "session",
        rnd() < 0.8 ? str : [`"${"s".repeat(64)}"`, `"${"s".repeat(65)}"`, "1", "null"],
        0.6,
      ),
      ...maybe("rid", ["0", "3", "-2.5", "1e999", '"1"', "null", "[]"], 0.6),
    ]);

  let accepted = 0, rejected = 0;
  for (let i = 0; i < 30_000; i++) {
    const text = message();
    const raw = JSON.parse(text);
    const fast = fastSignal(raw);
    const schema = v.safeParse(ClientMessageSchema, raw, { abortEarly: true });
    assert.equal(fast !== undefined, schema.success, `disagree on ${text}`);
    if (schema.success) {
      accepted++;
      assert.deepEqual(fast, schema.output, text);
      assert.equal(JSON.stringify(fast), JSON.stringify(schema.output), text);
      // parseClientMessage takes the fast path and returns the same value.
      assert.deepEqual(ok(text), schema.output, text);
    } else {
      rejected++;
      assert.equal(fails(text).code, "bad-message", text);
    }
  }
  // Both sides of the property were exercised, in bulk.
  assert.ok(accepted > 3000 && rejected > 3000, `accepted ${accepted}, rejected ${rejected}`);
});

Deno.test("a signal's errors still come from the schema, with the field named", () => {
  const r = fails(
    '{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"c",' +
      '"sdpMLineIndex":-1}},"rid":4}',
  );
  assert.equal(r.rid, 4);
  assert.match(r.message, /^signal: data\.candidate\.sdpMLineIndex: /);
  assert.match(fails('{"type":"signal","data":{"kind":"offer","sdp":""}}').message, /data\.sdp/);
});

Deno.test("hello may carry a game and a version; list may carry a filter; both are checked", () => {
  assert.deepEqual(ok('{"type":"hello","name":"A","game":"air-hockey","version":"1.2.0+b7"}'), {
    type: "hello",
    name: "A",
    game: "air-hockey",
    version: "1.2.0+b7",
  });
  assert.match(fails('{"type":"hello","name":"A","game":"has space"}').message, /hello: game/);
  assert.match(
    fails(`{"type":"hello","name":"A","version":"${"9".repeat(33)}"}`).message,
    /version/,
  );
  assert.deepEqual(ok('{"type":"list","filter":"  pro ","rid":2}'), {
    type: "list",
    filter: "pro",
    rid: 2,
  });
  assert.deepEqual(ok('{"type":"list"}'), { type: "list" });
  assert.equal(fails(`{"type":"list","filter":"${"x".repeat(33)}"}`).code, "bad-message");
});

Deno.test("signal may name its session; the server's additions validate on the client side", () => {
  assert.deepEqual(ok('{"type":"signal","data":{"kind":"offer","sdp":"v"},"session":"S1"}'), {
    type: "signal",
    data: { kind: "offer", sdp: "v" },
    session: "S1",
  });
  for (
    const m of [
      '{"type":"rooms","rooms":[],"total":5000,"filter":"pro","rid":1}',
      '{"type":"signal","from":"p","data":{"kind":"answer","sdp":"v"},"session":"S1"}',
      '{"type":"error","code":"too-many-attempts","message":"wait","retryAfterMs":4000}',
      '{"type":"error","code":"server-busy","message":"busy","retryAfterMs":1000}',
      '{"type":"error","code":"wrong-game","message":"x"}',
      '{"type":"error","code":"incompatible-version","message":"x"}',
      '{"type":"room","room":{"id":"r","name":"n","players":1,"capacity":2,"state":"open",' +
      '"locked":false,"createdAt":1,"game":"hockey","version":"2"}}',
    ]
  ) assert.ok(parseServerMessage(m).ok, m);
});

const header: StreamHeader = {
  game: "hockey",
  version: "1",
  seed: 7,
  names: ["Ann", "Bo"],
  options: [null, 3],
};

Deno.test("watch, stream and stream-end parse; a stream's inputs and header are checked", () => {
  assert.deepEqual(ok('{"type":"watch","room":"abc","rid":4}'), {
    type: "watch",
    room: "abc",
    rid: 4,
  });
  assert.deepEqual(ok('{"type":"watch","room":"abc","password":"pw"}').type, "watch");
  const start = { type: "stream", from: 0, inputs: "0001ff00", header };
  assert.deepEqual(ok(JSON.stringify(start)), start);
  assert.deepEqual(ok('{"type":"stream","from":8,"inputs":"0a0b"}'), {
    type: "stream",
    from: 8,
    inputs: "0a0b",
  });
  assert.deepEqual(ok('{"type":"stream-end"}'), { type: "stream-end" });
  const bad = (m: unknown, what: RegExp) => assert.match(fails(JSON.stringify(m)).message, what);
  bad({ type: "stream", from: 0, inputs: "" }, /inputs/);
  bad({ type: "stream", from: 0, inputs: "000" }, /inputs: must be lowercase hex/);
  bad({ type: "stream", from: 0, inputs: "00AA" }, /inputs/);
  bad({ type: "stream", from: 0, inputs: "0000".repeat(61) }, /inputs: must be at most 60/);
  bad({ type: "stream", from: -1, inputs: "0000" }, /from/);
  bad({ type: "stream", from: 1.5, inputs: "0000" }, /from/);
  bad({ type: "stream", inputs: "0000" }, /from: missing/);
  bad(
    { type: "stream", from: 0, inputs: "0000", header: { ...header, seed: -(2 ** 31) - 1 } },
    /seed/,
  );
  bad({ type: "stream", from: 0, inputs: "0000", header: { ...header, names: ["a"] } }, /names/);
  bad({
    type: "stream",
    from: 0,
    inputs: "0000",
    header: { ...header, options: ["x".repeat(5000), null] },
  }, /header: must be at most 4096 bytes/);
  bad({ type: "watch" }, /room: missing/);
  bad({ type: "watch", room: "" }, /room/);
});

Deno.test("the spectator messages the server sends validate on the client side", () => {
  const info: RoomInfo = { ...room, state: "playing", players: 2, spectators: 3 };
  const messages: ServerMessage[] = [
    { type: "watching", room: info, rid: 1 },
    { type: "watching", room: info, header },
    { type: "stream", room: "abc", from: 0, inputs: "0000".repeat(500), header },
    { type: "stream", room: "abc", from: 500, inputs: "0102" },
    { type: "stream-end", room: "abc", reason: "match-over" },
    { type: "stream-end", room: "abc", reason: "player-left" },
    { type: "stream-end", room: "abc", reason: "too-long" },
    { type: "stream-from", room: "abc", from: 0 },
    { type: "stream-from", room: "abc", from: 1234 },
  ];
  for (const m of messages) {
    const r = parseServerMessage(encodeServerMessage(m));
    assert.ok(r.ok, JSON.stringify(m));
    assert.deepEqual(r.value, m);
  }
  assert.equal(parseServerMessage('{"type":"stream-end","room":"a","reason":"x"}').ok, false);
  assert.equal(parseServerMessage('{"type":"stream-from","room":"a","from":-1}').ok, false);
  assert.equal(parseServerMessage('{"type":"stream-from","room":"a","from":1.5}').ok, false);
  assert.equal(
    parseServerMessage('{"type":"stream","room":"a","from":0,"inputs":"zz00"}').ok,
    false,
  );
});
