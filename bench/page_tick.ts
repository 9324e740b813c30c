// Browser side of the tick-budget benchmark (bundled into the bench page): on an open duet
// connection both pages run the example's real match runner (air hockey, rollback session, input
// transport, bots as players) from requestAnimationFrame, as the match scene does, without Phaser.
// Netcode time of a frame = the runner's update (session ticks, rollbacks, simulation, transport
// poll) plus every packet handler that ran since the previous frame. The page is cross-origin
// isolated (bench_server.ts), so performance.now() has 5 µs resolution instead of 100 µs.
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
import { NO_IMPAIRMENT, simulateChannel } from "../game/net/network_sim.ts";
import { currentPeer } from "./page_connect.ts";
import { TRACE_MARKS } from "./tick_trace.ts";

/** Set by `tickPrepare(..., trace)`: write the traced pass's marks (tick_trace.ts). */
let tracing = false;

/** A `console.timeStamp` mark for the traced pass; nothing when not tracing. */
function mark(m: string): void {
  if (tracing) console.timeStamp(m);
}

/** What one page measured. */
export interface TickRunResult {
  /** Netcode ms per animation frame while the match was being played. */
  netcodeMs: number[];
  /** Ticks the runner ran per frame (0 on a frame between ticks, 2 after a late frame). */
  ticksPerFrame: number[];
  /**
   * Per frame: 1 when the JS heap shrank since the previous frame (a garbage collection ran in
   * this frame or in a packet handler before it), 0 when it did not, -1 when the page cannot tell
   * (no `performance.memory`). Tells GC pauses from preemption and cold code in the tail.
   */
  gcPerFrame: number[];
  /** Per frame: of `netcodeMs`, the packet handlers' part (the rest is the runner's update). */
  handlerMs: number[];
  /**
   * Per frame: time in the DataChannel's `send` since the previous frame, the resend timer's
   * sends included (those are not in `netcodeMs`): what the browser's channel costs the netcode.
   */
  sendMs: number[];
  rollbacks: number;
  rollbackFrames: number;
  maxRollbackDepth: number;
  stalls: number;
  phase: string;
  crossOriginIsolated: boolean;
  /**
   * µs per `console.timeStamp` mark, timed on this page just before a traced run (NaN when not
   * tracing): what each of the traced pass's marks adds to the figures it brackets.
   */
  markUs: number;
}

/**
 * A channel whose receive handler is timed (into `spent.ms`), whose sends are timed too (into
 * `spent.sendMs`, wherever they happen: the runner's update, a handler, the resend timer), and
 * which holds packets that arrive
 * before a handler is set, so the peer's first control messages are not lost while this page's
 * runner is still being created.
 */
function timed(inner: PacketChannel, spent: Spent): PacketChannel {
  let handler: ((d: Uint8Array) => void) | null = null;
  const early: Uint8Array[] = [];
  const ch: PacketChannel = {
    send: (d) => {
      mark(TRACE_MARKS.sendStart);
      const t0 = performance.now();
      inner.send(d);
      spent.sendMs += performance.now() - t0;
      mark(TRACE_MARKS.sendEnd);
    },
    get onmessage() {
      return handler;
    },
    set onmessage(h) {
      handler = h;
      // Later, as a DataChannel would: the transport sets its handlers while it is still being
      // built, and a packet handled inside that call finds it half-made (the 0-frame run failed
      // with "Cannot access 'transport' before initialization").
      if (early.length > 0) {
        setTimeout(() => {
          while (handler && early.length) handler(early.shift()!);
        }, 0);
      }
    },
  };
  inner.onmessage = (d) => {
    if (!handler || early.length > 0) { // behind the held ones, in order
      early.push(d);
      return;
    }
    mark(TRACE_MARKS.netStart);
    const t0 = performance.now();
    handler(d);
    spent.ms += performance.now() - t0;
    mark(TRACE_MARKS.netEnd);
  };
  return ch;
}

/** µs per traced-pass mark under the running trace (an unlisted message: the summary skips it). */
function markCost(): number {
  const n = 400;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) console.timeStamp("duet:calibrate");
  return (performance.now() - t0) / n * 1000;
}

/** Chromium's JS heap in use (bytes; exact on this cross-origin-isolated page), -1 elsewhere. */
function usedHeap(): number {
  const m = (performance as { memory?: { usedJSHeapSize: number } }).memory;
  return m ? m.usedJSHeapSize : -1;
}

/** Time spent since the last frame: in packet handlers (`ms`), in DataChannel sends (`sendMs`). */
interface Spent {
  ms: number;
  sendMs: number;
}

let prepared: { input: PacketChannel; control: PacketChannel; spent: Spent } | null = null;

/**
 * Wraps this page's open duet connection for a tick run: call on both pages before `tickRun` on
 * either, so no packet of the peer's runner arrives unheard. `delayMs` delays what this page
 * sends on the input channel (the seeded simulator, as `?sim=delay:N`). With `trace`, the run
 * writes tick_trace.ts's `console.timeStamp` marks for a Chrome trace to read.
 */
export function tickPrepare(delayMs: number, seed: number, trace = false): void {
  const peer = currentPeer();
  if (!peer || peer.state !== "open") throw new Error("no open duet connection");
  tracing = trace;
  const spent: Spent = { ms: 0, sendMs: 0 };
  prepared = {
    input: timed(
      delayMs > 0 ? simulateChannel(peer.input, { ...NO_IMPAIRMENT, delayMs, seed }) : peer.input,
      spent,
    ),
    control: timed(peer.control, spent),
    spent,
  };
}

/**
 * Plays `seconds` of a bot match on the connection `tickPrepare` wrapped and times each frame's
 * netcode. With a send delay and `inputDelay` 0 the peer predicts ~delay/16.7 frames and rolls
 * back that deep whenever a prediction was wrong.
 */
export function tickRun(
  seconds: number,
  inputDelay: number,
  seed: number,
): Promise<TickRunResult> {
  const peer = currentPeer();
  if (!peer || !prepared) return Promise.reject(new Error("tickPrepare first"));
  const player = peer.role === "offerer" ? 0 : 1;
  const { input, control, spent } = prepared;
  prepared = null;
  const bot = createBot(seed);
  const runner = createMatchRunner<Hockey>({
    localPlayer: player,
    session: `tick-${seed}`,
    me: { name: `bench${player}`, game: GAME_ID, version: GAME_VERSION, options: { bot: true } },
    createGame: createHockeyMatch,
    readInput: (game, p) => bot.input(game.view(), p),
    isOver: hockeyIsOver,
    inputDelay,
  });
  runner.connect(createInputTransport({ input, control }));
  const r: TickRunResult = {
    netcodeMs: [],
    ticksPerFrame: [],
    gcPerFrame: [],
    handlerMs: [],
    sendMs: [],
    rollbacks: 0,
    rollbackFrames: 0,
    maxRollbackDepth: 0,
    stalls: 0,
    phase: "",
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    markUs: tracing ? markCost() : NaN,
  };
  let last = performance.now();
  let heapBefore = usedHeap();
  let measuring = false;
  let stopAt = Infinity;
  const giveUpAt = last + 20_000 + seconds * 1000;
  return new Promise((resolve) => {
    const frame = () => {
      mark(TRACE_MARKS.netStart);
      const t0 = performance.now();
      const ticks = runner.update(t0 - last);
      const t1 = performance.now();
      mark(TRACE_MARKS.netEnd);
      last = t0;
      const netcode = t1 - t0 + spent.ms;
      const handlers = spent.ms;
      const sends = spent.sendMs;
      spent.ms = 0;
      spent.sendMs = 0;
      const heap = usedHeap();
      const gc = heap < 0 ? -1 : heap < heapBefore ? 1 : 0;
      heapBefore = heap;
      const phase = runner.lifecycle.phase;
      if (!measuring && phase === "playing") {
        measuring = true;
        stopAt = t1 + seconds * 1000;
      }
      mark(measuring ? TRACE_MARKS.frame : TRACE_MARKS.skip);
      if (measuring) {
        r.netcodeMs.push(netcode);
        r.ticksPerFrame.push(ticks);
        r.gcPerFrame.push(gc);
        r.handlerMs.push(handlers);
        r.sendMs.push(sends);
      }
      if (t1 >= stopAt || t1 >= giveUpAt) {
        const s = runner.stats();
        Object.assign(r, {
          rollbacks: s.rollbacks,
          rollbackFrames: s.rollbackFrames,
          maxRollbackDepth: s.maxRollbackDepth,
          stalls: s.stalls,
          phase,
        });
        runner.leave();
        tracing = false;
        resolve(r);
      } else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
}
