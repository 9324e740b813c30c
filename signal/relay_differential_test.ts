import assert from "node:assert/strict";
import { createLobbyHub } from "./lobby_hub.ts";
import { silentLogger } from "./log.ts";
import { createLobbyMetrics } from "./lobby_metrics.ts";
import type { LobbyRegistry } from "./lobby_registry.ts";
import { type LobbySession, openLobbySession } from "./lobby_session.ts";
import { createMemoryRegistry } from "./memory_registry.ts";
import { createRoomRegistry } from "./room_registry.ts";

/** A small seeded PRNG (mulberry32). */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * One lobby: "bytes" relays plain candidates from the frame's bytes (relayBytes, as the server
 * does), "text" only from its text (relay), "slow" through handle for every signal.
 */
function world(mode: "bytes" | "text" | "slow", seed: number) {
  const rnd = prng(seed);
  const rooms = createRoomRegistry({
    random: (b) => {
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
    },
    now: () => 0,
    monotonic: () => 0,
    resumeGraceMs: 1000,
  });
  const hub = createLobbyHub(rooms, silentLogger, { tickMs: 0 });
  const metrics = createLobbyMetrics();
  const inner = createMemoryRegistry({ hub, rooms, metrics });
  const lobby: LobbyRegistry = mode === "bytes"
    ? inner
    : mode === "text"
    ? { ...inner, relayBytes: undefined }
    : { ...inner, relay: undefined, relayBytes: undefined };
  // Every frame a client got, as the bytes on the wire; and how many went as bytes.
  const sockets: { sent: Uint8Array[]; utf8: number }[] = [];
  const sessions: LobbySession[] = [];
  const open = () => {
    const socket = {
      sent: [] as Uint8Array[],
      utf8: 0,
      bufferedAmount: 0,
      send(text: string) {
        this.sent.push(enc.encode(text));
      },
      sendUtf8(utf8: Uint8Array) {
        this.utf8++;
        this.sent.push(Uint8Array.from(utf8));
      },
      close() {},
    };
    sockets.push(socket);
    sessions.push(
      openLobbySession({
        hub,
        registry: lobby,
        metrics,
        socket,
        iceServers: [],
        messagesPerSecond: 1e6,
        messageBurst: 1e6,
        churnPerSecond: 0,
        now: () => 0,
      }),
    );
  };
  /** One text frame as the server hands it over: its bytes, or (slow, text) its text. */
  const receive = (who: number, frame: string) => {
    if (mode === "bytes") sessions[who].receiveUtf8(enc.encode(frame));
    else sessions[who].receive(frame);
  };
  return { rooms, metrics, sockets, sessions, open, receive };
}

const text = (bytes: Uint8Array) => dec.decode(bytes);
const parse = (bytes: Uint8Array) => JSON.parse(text(bytes));

const CANDIDATE = { candidate: "candidate:1 1 udp 2 127.0.0.1 9 typ host", sdpMid: "0" };

/** Signal frames the byte path must leave to the text path, or relay exactly as it would. */
const hostile = (session: string) => [
  `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"c","sdpMLineIndex":-0}},"session":"${session}"}`,
  `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"c","sdpMLineIndex":1.0}},"session":"${session}"}`,
  `{"type":"signal","data":{"kind":"candidate","candidate":{"c\u0061ndidate":"c"}},"session":"${session}"}`,
  `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"a","candidate":"b"}},"session":"${session}"}`,
  `{"type":"signal","data":{"kind":"candidate","candidate":null},"data":{"kind":"candidate","candidate":{"candidate":"x"}}}`,
  `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"c","x":{"y":1}}}}`,
  `{"type":"signal","data":{"kind":"candidate","candidate":{"candidate":"\u00e9 é"}},"session":"${session}"}`,
  `{"type":"signal","data":{"kind":"candidate","candidate":null},"session":"${session}","rid":1e999}`,
  `{"type":"signal", "data":{"kind":"candidate","candidate":null},"session":"${session}","rid":5}`,
  `\uFEFF{"type":"signal","data":{"kind":"candidate","candidate":null}}`,
  `{"type":"join","type":"signal","data":{"kind":"candidate","candidate":null},"session":"${session}"}`,
  `{"type":"signal","data":{"kind":"candidate","candidate":null},"session":"${session}","session":"x"}`,
  `{"type":"signal","data":{"kind":"candidate","candidate":null},"session":"${"s".repeat(200)}"}`,
  `{"type":"signal","data":{"kind":"candidate","candidate":null}`,
];

Deno.test("the byte path sends the text path's bytes, and both the slow path's messages, over random and hostile sequences", () => {
  let relayed = 0, asBytes = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const a = world("bytes", seed), b = world("slow", seed), t = world("text", seed);
    const worlds = [a, b, t];
    const pick = prng(seed * 7919);
    for (let i = 0; i < 4; i++) worlds.forEach((w) => w.open());
    const lastSession = new Map<number, string>();
    for (let step = 0; step < 150; step++) {
      const who = Math.floor(pick() * a.sessions.length);
      const r = pick();
      let frame: string | null = null;
      if (r < 0.1) frame = '{"type":"quick"}';
      else if (r < 0.15) frame = '{"type":"leave","rid":3}';
      else if (r < 0.2) frame = '{"type":"create","name":"R"}';
      else if (r < 0.25) {
        const other = a.rooms.roomOf(a.sessions[Math.floor(pick() * a.sessions.length)].id);
        if (other) frame = JSON.stringify({ type: "join", room: other.id });
      } else if (r < 0.28) {
        worlds.forEach((w) => {
          w.sessions[who].dropped();
          w.open();
        });
        continue;
      } else if (r < 0.4) {
        const h = hostile(lastSession.get(who) ?? "x");
        frame = h[Math.floor(pick() * h.length)];
      } else {
        const kinds = [
          { kind: "offer", sdp: "v=0\r\n" },
          { kind: "answer", sdp: "v=0\r\n" },
          { kind: "candidate", candidate: null },
          { kind: "candidate", candidate: { candidate: "c", sdpMid: "0", sdpMLineIndex: 0 } },
          { kind: "candidate", candidate: CANDIDATE },
          {
            candidate: { ...CANDIDATE, usernameFragment: null, sdpMLineIndex: 3 },
            kind: "candidate",
          },
        ];
        const data = kinds[Math.floor(pick() * kinds.length)];
        const s = pick();
        const m: Record<string, unknown> = { type: "signal", data };
        if (s < 0.4) m.session = lastSession.get(who) ?? "x";
        else if (s < 0.5) m.session = "stale";
        if (pick() < 0.3) m.rid = step;
        frame = JSON.stringify(m);
      }
      if (frame === null) continue;
      for (const w of worlds) w.receive(who, frame);
      for (let k = 0; k < a.sockets.length; k++) {
        const at = `seed ${seed} step ${step}`;
        // The byte path's frames are the text path's, byte for byte ...
        assert.deepEqual(
          a.sockets[k].sent.map(text),
          t.sockets[k].sent.map(text),
          at,
        );
        assert.deepEqual(a.sockets[k].sent, t.sockets[k].sent, at);
        // ... and the text path's mean what the slow path's do (it keeps the client's key order).
        assert.deepEqual(t.sockets[k].sent.map(parse), b.sockets[k].sent.map(parse), at);
        for (const bytes of a.sockets[k].sent) {
          const msg = JSON.parse(dec.decode(bytes));
          if (msg.type === "paired") lastSession.set(k, msg.session);
        }
      }
    }
    for (const w of [a, t]) {
      for (const kind of ["offer", "answer", "candidate"]) {
        const n = w.metrics.relayedMessages.get({ kind });
        assert.equal(n, b.metrics.relayedMessages.get({ kind }), `${kind} seed ${seed}`);
        if (w === a) relayed += n;
      }
      assert.equal(w.metrics.relayedBytes.get(), b.metrics.relayedBytes.get());
      assert.equal(
        w.metrics.messages.get({ type: "signal" }),
        b.metrics.messages.get({ type: "signal" }),
      );
      assert.equal(
        w.metrics.errors.get({ code: "bad-message" }),
        b.metrics.errors.get({ code: "bad-message" }),
      );
    }
    asBytes += a.sockets.reduce((n, s) => n + s.utf8, 0);
  }
  // The sequences do pair players and relay, much of it as bytes (the comparison is not vacuous).
  assert.ok(relayed > 100, `relayed ${relayed}`);
  assert.ok(asBytes > 50, `relayed as bytes ${asBytes}`);
});
