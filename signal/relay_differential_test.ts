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

function world(fast: boolean, seed: number) {
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
  const lobby: LobbyRegistry = fast ? inner : { ...inner, relay: undefined };
  const sockets: { sent: string[] }[] = [];
  const sessions: LobbySession[] = [];
  const open = () => {
    const socket = {
      sent: [] as string[],
      bufferedAmount: 0,
      send(text: string) {
        this.sent.push(text);
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
  return { rooms, metrics, sockets, sessions, open };
}

Deno.test("the relay fast path sends exactly what the slow path sends, over random sequences", () => {
  let relayed = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const a = world(true, seed), b = world(false, seed);
    const pick = prng(seed * 7919);
    for (let i = 0; i < 4; i++) [a, b].forEach((w) => w.open());
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
        [a, b].forEach((w) => {
          w.sessions[who].dropped();
          w.open();
        });
        continue;
      } else {
        const kinds = [
          { kind: "offer", sdp: "v=0\r\n" },
          { kind: "answer", sdp: "v=0\r\n" },
          { kind: "candidate", candidate: null },
          { kind: "candidate", candidate: { candidate: "c", sdpMid: "0", sdpMLineIndex: 0 } },
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
      a.sessions[who].receive(frame);
      b.sessions[who].receive(frame);
      for (let k = 0; k < a.sockets.length; k++) {
        assert.deepEqual(a.sockets[k].sent, b.sockets[k].sent, `seed ${seed} step ${step}`);
        for (const t of a.sockets[k].sent) {
          const msg = JSON.parse(t);
          if (msg.type === "paired") lastSession.set(k, msg.session);
        }
      }
    }
    for (const kind of ["offer", "answer", "candidate"]) {
      const n = a.metrics.relayedMessages.get({ kind });
      assert.equal(n, b.metrics.relayedMessages.get({ kind }), `${kind} seed ${seed}`);
      relayed += n;
    }
    assert.equal(a.metrics.relayedBytes.get(), b.metrics.relayedBytes.get());
    assert.equal(
      a.metrics.messages.get({ type: "signal" }),
      b.metrics.messages.get({ type: "signal" }),
    );
  }
  // The sequences do pair players and relay (the comparison is not vacuous).
  assert.ok(relayed > 100, `relayed ${relayed}`);
});
