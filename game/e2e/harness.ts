/**
 * The browser-test page's script: the networking module without Phaser, driven through
 * `globalThis.harness` by Playwright (game/e2e/net.spec.ts). It quick-matches through the real lobby,
 * connects over real WebRTC, sends input frames at 60 Hz and records what arrives.
 *
 * URL parameters give defaults for {@link HarnessOptions}: `?sim=loss:20,seed:3`, `?relay`
 * (iceTransportPolicy "relay"), `?timeout=MS` (connect timeout), `?name=NAME`.
 *
 * @module
 */
import { createSignalingClient, lobbyUrl, type SignalingClient } from "../net/signaling_client.ts";
import {
  connectMatch,
  type MatchConnection,
  type MatchConnectionState,
} from "../net/match_connection.ts";
import type { ConnectTimings } from "../net/peer_connection.ts";
import { type ConnectionPath, describePath } from "../net/connection_path.ts";
import type { InputTransport, LinkState, TransportStats } from "../net/input_transport.ts";

/** Options of {@link HarnessApi.connect}; URL parameters supply the defaults. */
export interface HarnessOptions {
  name?: string;
  /** `?sim=` text for the network simulator on what this page sends. */
  sim?: string;
  iceTransportPolicy?: RTCIceTransportPolicy;
  connectTimeoutMs?: number;
  interruptedAfterMs?: number;
  disconnectedAfterMs?: number;
}

/** What {@link HarnessApi.connect} resolves with. */
export interface HarnessConnected {
  role: "offerer" | "answerer";
  player: 0 | 1;
  /** Milliseconds from `paired` to each connect step. */
  timings: ConnectTimings;
  /** Milliseconds from calling connect() to `paired` (lobby connect + quick match). */
  pairedAfterMs: number;
}

/** A summary of the page's networking state. */
export interface HarnessSnapshot {
  lobby: string;
  match: MatchConnectionState | "none";
  link: LinkState | null;
  /** The match connection's error message, if any. */
  error: string | null;
  /** Local frames sent so far. */
  sent: number;
  /** Remote frames received so far. */
  received: number;
  /** Deliveries whose frame was not the next expected one (must stay 0). */
  outOfOrder: number;
  /** The selected candidate pair's path, null before one is selected. */
  path: ConnectionPath | null;
}

/** The test API on `globalThis.harness`. */
export interface HarnessApi {
  /** Quick-matches through the lobby and connects; rejects with the connection's error. */
  connect(opts?: HarnessOptions): Promise<HarnessConnected>;
  /** Sends the next `count` local frames at `hz` (default 60); resolves when all went out. */
  sendFrames(count: number, hz?: number): Promise<void>;
  /** Remote inputs received, index = frame. */
  received(): number[];
  /** The inputs the peer sends for frames 0..count-1 (to compare with received()). */
  expectedFromPeer(count: number): number[];
  snapshot(): HarnessSnapshot;
  stats(): TransportStats | null;
  /** The peer connection's getStats() values (ICE pairs and candidates), for inspecting a path. */
  rtcStats(): Promise<Record<string, unknown>[]>;
  /** Timestamped state changes, for debugging a failed test. */
  log(): string[];
  close(): void;
}

declare global {
  var harness: HarnessApi;
}

/** The input a player sends on a frame: varied, so a shifted or corrupted stream shows. */
function inputFor(player: 0 | 1, frame: number): number {
  return (frame * 37 + player * 101 + 11) & 0xff;
}

const params = new URLSearchParams(location.search);
const defaults: HarnessOptions = {
  name: params.get("name") ?? undefined,
  sim: params.get("sim") ?? undefined,
  iceTransportPolicy: params.has("relay") ? "relay" : undefined,
  connectTimeoutMs: params.has("timeout") ? Number(params.get("timeout")) : undefined,
};

const t0 = performance.now();
const events: string[] = [];
const note = (what: string): void => {
  const line = `${(performance.now() - t0).toFixed(1)} ${what}`;
  events.push(line);
  document.getElementById("log")!.textContent += line + "\n";
};

let lobby: SignalingClient | null = null;
let match: MatchConnection | null = null;
let transport: InputTransport | null = null;
let loop: ReturnType<typeof setInterval> | null = null;
let nextFrame = 0;
const received: number[] = [];
let outOfOrder = 0;
let sending: { start: number; from: number; count: number; hz: number; done: () => void } | null =
  null;

function tick(): void {
  if (!transport) return;
  if (sending) {
    const due = Math.floor((performance.now() - sending.start) * sending.hz / 1000) + 1;
    const until = sending.from + Math.min(due, sending.count);
    while (
      nextFrame < until && transport.state !== "disconnected" && transport.state !== "closed"
    ) {
      transport.sendInput(nextFrame, inputFor(match!.player, nextFrame));
      nextFrame++;
    }
    if (nextFrame >= sending.from + sending.count) {
      const done = sending.done;
      sending = null;
      done();
    }
  }
  // Keepalives, pings and liveness run even when no frames are being sent.
  transport.poll();
}

const api: HarnessApi = {
  async connect(o = {}) {
    if (lobby) throw new Error("harness: connect() was already called");
    const opts = { ...defaults, ...o };
    const began = performance.now();
    lobby = createSignalingClient({ url: lobbyUrl(location), name: opts.name });
    lobby.onState = (s) => note(`lobby ${s}`);
    await lobby.ready();
    await lobby.quick();
    const pairing = await lobby.waitForPaired();
    note(`paired as ${pairing.role}`);
    const m = connectMatch({
      lobby,
      sim: opts.sim,
      iceTransportPolicy: opts.iceTransportPolicy,
      connectTimeoutMs: opts.connectTimeoutMs,
      transport: {
        interruptedAfterMs: opts.interruptedAfterMs,
        disconnectedAfterMs: opts.disconnectedAfterMs,
      },
    });
    match = m;
    lobby.onPeerLeft = () => m.peerLeft();
    m.onState = (s) => note(`match ${s}${m.error ? `: ${m.error.message}` : ""}`);
    m.onPath = (p) => note(`path ${describePath(p)}`);
    m.peer.onState = ((inner) => (s) => {
      note(`peer ${s}`);
      inner?.(s);
    })(m.peer.onState);
    const t = await m.ready;
    t.onInput = (frame, input) => {
      if (frame !== received.length) outOfOrder++;
      received[frame] = input;
    };
    t.onState = (s) => note(`link ${s}`);
    transport = t;
    loop = setInterval(tick, 4);
    return {
      role: pairing.role,
      player: pairing.player,
      timings: m.timings(),
      pairedAfterMs: pairing.at - began,
    };
  },
  sendFrames(count, hz = 60) {
    if (!transport) return Promise.reject(new Error("harness: not connected"));
    if (sending) return Promise.reject(new Error("harness: already sending"));
    if (!(Number.isInteger(count) && count > 0 && hz > 0)) {
      return Promise.reject(new Error(`harness: bad sendFrames(${count}, ${hz})`));
    }
    return new Promise<void>((done) => {
      sending = { start: performance.now(), from: nextFrame, count, hz, done };
      tick();
    });
  },
  received: () => [...received],
  expectedFromPeer(count) {
    if (!match) throw new Error("harness: not paired");
    const peer = match.player === 0 ? 1 : 0;
    return Array.from({ length: count }, (_, f) => inputFor(peer, f));
  },
  snapshot: () => ({
    lobby: lobby?.state ?? "none",
    match: match?.state ?? "none",
    link: transport?.state ?? null,
    error: match?.error?.message ?? null,
    sent: nextFrame,
    received: received.length,
    outOfOrder,
    path: match?.path ?? null,
  }),
  stats: () => transport?.stats() ?? null,
  async rtcStats() {
    if (!match) return [];
    const report = await match.peer.raw.getStats();
    return [...report.values()].filter((s) => /candidate|transport/.test(s.type)) as Record<
      string,
      unknown
    >[];
  },
  log: () => [...events],
  close() {
    if (loop !== null) clearInterval(loop);
    loop = null;
    match?.close("harness closed");
    lobby?.close();
  },
};

globalThis.harness = api;
note("harness ready");
