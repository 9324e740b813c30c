// Browser side of the spectator benchmark (bundled into the bench page): on an open duet
// connection both pages play a bot match of air hockey through the package's match runner, as
// page_tick.ts does, with the offerer streaming its confirmed inputs to the lobby for spectators
// (as runMatch does) or not. Per animation frame it times the runner's update (the player's tick
// work, streaming included: batching and the WebSocket send); every 100 ms it samples the input
// channel's round trip (the transport's ping over the same unreliable channel as the inputs), so
// one-way input latency is half of it.
import { createMatchRunner } from "../game/net/match/match_runner.ts";
import { createBot } from "../game/examples/air_hockey/app/bot.ts";
import {
  createHockeyMatch,
  GAME_ID,
  GAME_VERSION,
  hockeyIsOver,
} from "../game/examples/air_hockey/app/hockey_match.ts";
import type { Hockey } from "../game/examples/air_hockey/sim/hockey.ts";
import { createInputTransport } from "../game/net/input_transport.ts";
import type { PacketChannel } from "../game/net/packet_channel.ts";
import { currentLobby, currentPeer } from "./page_connect.ts";

/** What one page measured. */
export interface SpectateRunResult {
  /** The runner's update, ms per animation frame while playing. */
  tickMs: number[];
  /** Input channel round trips, ms, every 100 ms while playing. */
  rttMs: number[];
  /** Batches this page streamed to the lobby (0 on the answerer, or with streaming off). */
  batches: number;
  confirmedFrame: number;
  stalls: number;
  phase: string;
}

/** A channel that holds what arrives before a handler is set (the peer's intro may be first). */
function held(inner: PacketChannel): PacketChannel {
  let handler: ((d: Uint8Array) => void) | null = null;
  const early: Uint8Array[] = [];
  inner.onmessage = (d) => (handler ? handler(d) : early.push(d));
  return {
    send: (d) => inner.send(d),
    get onmessage() {
      return handler;
    },
    set onmessage(h) {
      handler = h;
      // Later, as a real channel would: the transport sets its handler while it is being built.
      queueMicrotask(() => {
        while (handler && early.length) handler(early.shift()!);
      });
    },
  };
}

let prepared: { input: PacketChannel; control: PacketChannel } | null = null;

/** Holds this page's channels for a run: call on both pages before `spectateRun` on either. */
export function spectatePrepare(): void {
  const peer = currentPeer();
  if (!peer || peer.state !== "open") throw new Error("no open duet connection");
  prepared = { input: held(peer.input), control: held(peer.control) };
}

/** Plays `seconds` of a bot match on this page's open connection; the offerer streams if asked. */
export function spectateRun(
  seconds: number,
  session: string,
  seed: number,
  stream: boolean,
): Promise<SpectateRunResult> {
  const peer = currentPeer();
  const lobby = currentLobby();
  if (!peer || !prepared || !lobby) return Promise.reject(new Error("spectatePrepare first"));
  const { input, control } = prepared;
  prepared = null;
  const player = peer.role === "offerer" ? 0 : 1;
  const bot = createBot(seed);
  const r: SpectateRunResult = {
    tickMs: [],
    rttMs: [],
    batches: 0,
    confirmedFrame: -1,
    stalls: 0,
    phase: "",
  };
  const runner = createMatchRunner<Hockey>({
    localPlayer: player,
    // The same on both pages (it seeds the game), as the lobby's session id would be.
    session,
    me: { name: `bench${player}`, game: GAME_ID, version: GAME_VERSION, options: { bot: true } },
    createGame: createHockeyMatch,
    readInput: (game, p) => bot.input(game.view(), p),
    isOver: hockeyIsOver,
    ...(stream && player === 0
      ? {
        stream: (b) => {
          r.batches++;
          lobby.stream(b);
        },
      }
      : {}),
  });
  runner.connect(createInputTransport({ input, control }));
  let last = performance.now();
  let measuring = false;
  let stopAt = Infinity;
  let nextSample = 0;
  const giveUpAt = last + 20_000 + seconds * 1000;
  return new Promise((resolve) => {
    const frame = () => {
      const t0 = performance.now();
      runner.update(t0 - last);
      const t1 = performance.now();
      last = t0;
      const phase = runner.lifecycle.phase;
      if (!measuring && phase === "playing") {
        measuring = true;
        stopAt = t1 + seconds * 1000;
      }
      if (measuring) {
        r.tickMs.push(t1 - t0);
        if (t1 >= nextSample) {
          nextSample = t1 + 100;
          const rtt = runner.stats().rttLast;
          if (rtt > 0) r.rttMs.push(rtt);
        }
      }
      if (t1 >= stopAt || t1 >= giveUpAt) {
        const s = runner.stats();
        Object.assign(r, { confirmedFrame: s.confirmedFrame, stalls: s.stalls, phase });
        runner.leave();
        resolve(r);
      } else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
}
