/**
 * A hostile review of the relay on bytes: inputs meant to make the byte path relay what the
 * text path (JSON.parse and the schema) would refuse or relay differently, and session-level
 * attacks (stale sessions, leaving, rate limits, the wrong peer).
 */
import assert from "node:assert/strict";
import { parseClientMessage, parseServerMessage } from "../shared/lobby_protocol.ts";
import { createLobbyHub } from "./lobby_hub.ts";
import { silentLogger } from "./log.ts";
import { createLobbyMetrics, signalBytes } from "./lobby_metrics.ts";
import { openLobbySession } from "./lobby_session.ts";
import { createMemoryRegistry } from "./memory_registry.ts";
import { envelopeHead, envelopeTail, readRelaySignal } from "./relay_signal.ts";
import { envelopeBytes, readRelayCandidateBytes, relayedBytes } from "./relay_signal_bytes.ts";
import { createRoomRegistry } from "./room_registry.ts";

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { ignoreBOM: true });

Deno.test("attack: whatever the byte path relays, the text path and the schema take, and the peer gets a valid server message", () => {
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  // Pieces that spell escapes, lone surrogates, numbers, keys of the schema and of other
  // levels, whitespace, non-ASCII, controls and an early close of `data`.
  const pieces = [
    "{",
    "}",
    "[",
    "]",
    '"',
    ":",
    ",",
    "\\",
    "\\u0061",
    "\\ud800",
    '\\"',
    "\\\\",
    "-",
    "0",
    "1",
    "9",
    ".",
    "e",
    "+",
    " ",
    "\t",
    "\n",
    "null",
    "true",
    '"x"',
    '"kind"',
    '"candidate"',
    '"sdpMid"',
    '"sdpMLineIndex"',
    '"usernameFragment"',
    '"offer"',
    '"sdp"',
    '"session"',
    '"rid"',
    '"data"',
    '"type"',
    '"signal"',
    '"__proto__":{}',
    "1e999",
    "-0",
    "\u00e9",
    "\u2028",
    "\uFEFF",
    "\u0000",
    "\u007f",
    '"},"type":"error","x":{"a":"',
    '"candidate":"c",',
    '"sdpMid":null,',
    "-5",
  ];
  const bases = [
    JSON.stringify({
      type: "signal",
      data: {
        kind: "candidate",
        candidate: { candidate: "c a", sdpMid: "0", sdpMLineIndex: 0, usernameFragment: "u" },
      },
      session: "S",
      rid: 4,
    }),
    JSON.stringify({ type: "signal", data: { kind: "candidate", candidate: null }, session: "S" }),
    JSON.stringify({
      rid: -1,
      data: { candidate: { sdpMLineIndex: null, candidate: "" }, kind: "candidate" },
      type: "signal",
    }),
  ];
  // Short ones, so that a mutation more often drops or doubles a whole member.
  bases.push(
    '{"type":"signal","data":{"kind":"candidate","candidate":{"sdpMLineIndex":5,"candidate":"c"}}}',
    '{"data":{"candidate":{"candidate":"c","sdpMid":"0"},"kind":"candidate"},"type":"signal"}',
  );
  const check = (s: string): boolean => {
    const bytes = enc.encode(s);
    const b = readRelayCandidateBytes(bytes);
    if (b === undefined) return false;
    const text = dec.decode(bytes);
    const t = readRelaySignal(text);
    assert.ok(t !== undefined, `bytes took, text refused: ${text}`);
    const slow = parseClientMessage(text);
    assert.ok(slow.ok && slow.value.type === "signal", `bytes took, schema refused: ${text}`);
    assert.equal(dec.decode(bytes.subarray(b.dataStart, b.dataEnd)), t.dataText, text);
    assert.equal(b.session, slow.value.session, text);
    assert.equal(b.payloadBytes, signalBytes(slow.value.data), text);
    const head = envelopeHead("P1"), tail = envelopeTail("SESSION");
    const out = dec.decode(relayedBytes(envelopeBytes(head), bytes, b, envelopeBytes(tail)));
    const got = parseServerMessage(out);
    assert.ok(got.ok && got.value.type === "signal", `relayed frame invalid: ${out}`);
    // Exactly one `type`, `from`, `data` and `session`: nothing injected into the envelope.
    assert.deepEqual(Object.keys(JSON.parse(out)), ["type", "from", "data", "session"], out);
    assert.deepEqual(got.value.data, slow.value.data, text);
    assert.equal(got.value.from, "P1");
    assert.equal(got.value.session, "SESSION");
    return true;
  };
  // Every single member dropped, and every number signed, in every base: systematically.
  for (const base of bases) {
    for (let q = base.indexOf('"'); q >= 0; q = base.indexOf('"', q + 1)) {
      for (const re of [/,/, /[,}]/]) {
        const m = base.slice(q).search(re);
        if (m < 0) continue;
        const end = q + m;
        check(
          base[end] === "}" && base[q - 1] === ","
            ? base.slice(0, q - 1) + base.slice(end)
            : base.slice(0, q) + base.slice(end + (base[end] === "," ? 1 : 0)),
        );
      }
    }
    for (let d = 0; d < base.length; d++) {
      if (/[0-9]/.test(base[d])) check(base.slice(0, d) + "-" + base.slice(d));
    }
  }
  let taken = 0;
  for (let n = 0; n < 60000; n++) {
    let s = bases[n % bases.length];
    for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) {
      const at = Math.floor(rnd() * (s.length + 1));
      const op = rnd();
      const p = pieces[Math.floor(rnd() * pieces.length)];
      if (op < 0.35) s = s.slice(0, at) + p + s.slice(at + 1);
      else if (op < 0.7) s = s.slice(0, at) + p + s.slice(at);
      else if (op < 0.8) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 3));
      else if (op < 0.85) {
        // Drop a whole member (or its value): from a quote to the next `,` or `}`.
        const q = s.indexOf('"', at);
        const m = s.slice(q).search(rnd() < 0.5 ? /,/ : /[,}]/);
        if (q >= 0 && m >= 0) {
          const end = q + m;
          // The last member goes with the comma before it.
          if (s[end] === "}" && s[q - 1] === ",") s = s.slice(0, q - 1) + s.slice(end);
          else s = s.slice(0, q) + s.slice(end + (s[end] === "," ? 1 : 0));
        }
      } else if (op < 0.88) {
        // A sign before a number.
        const d = s.slice(at).search(/[0-9]/);
        if (d >= 0) s = s.slice(0, at + d) + "-" + s.slice(at + d);
      } else {
        const from = Math.floor(rnd() * s.length);
        s = s.slice(0, at) + s.slice(Math.min(from, at), Math.max(from, at)) + s.slice(at);
      }
    }
    if (check(s)) taken++;
  }
  assert.ok(taken > 200, `taken ${taken}`);
});

/** Two paired players (and a third, unpaired) on sockets that record the wire bytes. */
function pairedLobby(rate = 1e6, burst = 1e6) {
  const rooms = createRoomRegistry();
  const hub = createLobbyHub(rooms, silentLogger, { tickMs: 0 });
  const metrics = createLobbyMetrics();
  const lobby = createMemoryRegistry({ hub, rooms, metrics });
  const open = () => {
    const socket = {
      sent: [] as string[],
      utf8: 0,
      bufferedAmount: 0,
      closed: null as number | null,
      send(text: string) {
        this.sent.push(text);
      },
      sendUtf8(utf8: Uint8Array) {
        this.utf8++;
        this.sent.push(dec.decode(utf8));
      },
      close(code: number) {
        this.closed = code;
      },
    };
    const session = openLobbySession({
      hub,
      registry: lobby,
      metrics,
      socket,
      iceServers: [],
      messagesPerSecond: rate,
      messageBurst: burst,
      churnPerSecond: 0,
      now: () => 0,
    });
    const send = (frame: string) => session.receiveUtf8(enc.encode(frame));
    const messages = () => socket.sent.map((t) => JSON.parse(t));
    return { socket, session, send, messages };
  };
  const a = open(), b = open(), c = open();
  a.send('{"type":"create","name":"R"}');
  const room = rooms.roomOf(a.session.id)!;
  b.send(JSON.stringify({ type: "join", room: room.id }));
  const session = a.messages().find((m) => m.type === "paired").session as string;
  return { a, b, c, session, metrics };
}

const candidateFrame = (session: string, candidate = "c") =>
  `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"${candidate}"}},"session":"${session}"}`;

Deno.test("attack: the byte path relays to the peer only, in the current session only, and not after leave", () => {
  const { a, b, c, session } = pairedLobby();
  const before = { a: a.socket.sent.length, b: b.socket.sent.length, c: c.socket.sent.length };
  a.send(candidateFrame(session));
  assert.equal(b.socket.utf8, 1, "relayed as bytes");
  const got = b.messages().at(-1);
  assert.equal(got.type, "signal");
  assert.equal(got.from, a.session.id);
  assert.equal(got.session, session);
  assert.ok(parseServerMessage(b.socket.sent.at(-1)!).ok);
  assert.equal(a.socket.sent.length, before.a);
  assert.equal(c.socket.sent.length, before.c);
  // Another session's candidate is dropped, by either path.
  a.send(candidateFrame("STALE"));
  assert.equal(b.socket.sent.length, before.b + 1);
  // The unpaired third player cannot reach anyone.
  c.send(candidateFrame(session));
  assert.equal(a.socket.sent.length, before.a);
  assert.equal(b.socket.sent.length, before.b + 1);
  assert.equal(c.messages().at(-1).code, "not-paired");
  // Once the peer left, nothing is relayed to it.
  b.send('{"type":"leave"}');
  const bCount = b.socket.sent.length;
  a.send(candidateFrame(session));
  a.send('{"type":"signal","data":{"kind":"candidate","candidate":null}}');
  assert.equal(b.socket.sent.length, bCount);
});

Deno.test("attack: a candidate that closes `data` early and injects fields is not relayed as bytes, and the peer never gets the injected fields", () => {
  const { a, b, session } = pairedLobby();
  const frames = [
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"x"}},"type":"error","code":"x"},"session":"${session}"}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"x\\"},\\"type\\":\\"error"}},"session":"${session}"}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"x"},"from":"ADMIN"},"session":"${session}"}`,
    `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"x","sdpMid":"0"}},"session":"${session}"}x`,
  ];
  for (const f of frames) {
    const n = b.socket.sent.length;
    a.send(f);
    for (const t of b.socket.sent.slice(n)) {
      const m = parseServerMessage(t);
      assert.ok(m.ok, t);
      assert.deepEqual(Object.keys(JSON.parse(t)), ["type", "from", "data", "session"], t);
      assert.equal(JSON.parse(t).from, a.session.id, t);
    }
  }
  assert.equal(b.socket.utf8, 0);
});

Deno.test("attack: the byte path is held to the connection's message rate like the text path", () => {
  const { a, b, session } = pairedLobby(10, 5);
  const n = b.socket.sent.length;
  for (let i = 0; i < 20; i++) a.send(candidateFrame(session, `c${i}`));
  // The burst (5, less the create that already took one) is relayed; the rest is refused.
  const relayed = b.socket.sent.slice(n).length;
  assert.ok(relayed <= 5, `relayed ${relayed}`);
  assert.ok(a.messages().some((m) => m.type === "error" && m.code === "rate-limited"));
});

Deno.test("attack: thousands of relayed candidates queued behind a peer that does not read arrive intact, in order", async () => {
  const { startServer } = await import("./server.ts");
  const { WebSocket: WsClient } = await import("ws");
  const { fileURLToPath } = await import("node:url");
  const server = await startServer({
    port: 0,
    hostname: "127.0.0.1",
    staticDir: fileURLToPath(new URL("./testdata/static_root", import.meta.url)),
    iceServers: [],
    logLevel: "error",
    messagesPerSecond: 100000,
    messageBurst: 100000,
    ipMessagesPerSecond: 100000,
    ipMessageBurst: 100000,
    maxBufferedBytes: 64 * 1024 * 1024,
  });
  const url = `ws://127.0.0.1:${server.port}/ws`;
  const client = async () => {
    const ws = new WsClient(url);
    const texts: string[] = [];
    ws.on("message", (d: Uint8Array) => texts.push(dec.decode(d)));
    ws.on("error", () => {});
    await new Promise((r) => ws.once("open", r));
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 1500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(ok());
    };
    return { ws, texts, until };
  };
  const a = await client(), b = await client();
  try {
    await a.until(() => a.texts.length >= 2);
    const id = JSON.parse(a.texts[0]).id;
    a.ws.send('{"type":"create","name":"R"}');
    await a.until(() => a.texts.some((t) => JSON.parse(t).type === "joined"));
    const room = JSON.parse(a.texts.find((t) => JSON.parse(t).type === "joined")!).room.id;
    b.ws.send(JSON.stringify({ type: "join", room }));
    await b.until(() => b.texts.some((t) => JSON.parse(t).type === "paired"));
    const session = JSON.parse(b.texts.find((t) => JSON.parse(t).type === "paired")!).session;
    const before = b.texts.length;
    // The reader stops reading, so the server's writes queue (and pooled buffers with them).
    // deno-lint-ignore no-explicit-any
    (b.ws as any)._socket.pause();
    const N = 6000;
    const cand = (i: number) => `c${i} ${"x".repeat(i % 3500)}`;
    for (let i = 0; i < N; i++) a.ws.send(candidateFrame(session, cand(i)));
    await new Promise((r) => setTimeout(r, 300));
    // Room-list deltas may come in between; the signals must be exactly the ones sent, in order.
    const signals = () => b.texts.slice(before).filter((t) => t.startsWith('{"type":"signal"'));
    // Not vacuous: while paused, the reader had not got them all (the server held the rest).
    assert.ok(signals().length < N, `paused reader got ${signals().length}`);
    // deno-lint-ignore no-explicit-any
    (b.ws as any)._socket.resume();
    await b.until(() => signals().length >= N);
    const got = signals();
    assert.equal(got.length, N);
    for (let i = 0; i < N; i++) {
      assert.equal(
        got[i],
        `{"type":"signal","from":"${id}","data":{"kind":"candidate","candidate":{"candidate":"${
          cand(i)
        }"}},"session":"${session}"}`,
        `frame ${i}`,
      );
    }
  } finally {
    a.ws.terminate();
    b.ws.terminate();
    await server.close();
  }
});
