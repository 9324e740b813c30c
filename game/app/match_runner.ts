/**
 * One pairing's match, without Phaser: it ties the input transport, the rollback session, the
 * air-hockey simulation and the lifecycle machine together, and runs them at a fixed 60 Hz from
 * an accumulator. The match scene only feeds it elapsed time and input and draws what it exposes;
 * unit tests drive two runners over simulated channels on a manual clock.
 *
 * Wiring. The transport is attached once the channels are open (`connect`). Until the lifecycle
 * agrees on the rules, the runner handles the control channel itself (the intros); then it
 * creates the game and the session. The session sees the transport through a small proxy so
 * that no control message is lost in the hand-over: `app` messages and the peer's `bye` always
 * go to the lifecycle, the rest (time sync, checksums) to the session, queued until it exists.
 * Remote inputs stay unconsumed in the transport (it resends them) until the session exists.
 *
 * @module
 */

import type { ControlMessage } from "../../shared/peer_protocol.ts";
import { type Clock, realClock } from "../net/clock.ts";
import type { InputTransport } from "../net/input_transport.ts";
import type { ConnectionPath } from "../net/connection_path.ts";
import {
  createP2PSession,
  type P2PSession,
  type SessionTransport,
  type TickOutcome,
} from "../net/sessions/p2p_session.ts";
import { createHockey, type Hockey, type HockeyView, readView, TICK_HZ } from "../sim/hockey.ts";
import { REMATCH } from "../sim/input_bits.ts";
import {
  initialLifecycle,
  inMatch,
  isOver,
  type LifecycleEffect,
  type LifecycleEvent,
  type LifecycleState,
  step,
} from "./match_lifecycle.ts";
import { createStatsHistory, type StatsHistory } from "./stats_history.ts";

/** Milliseconds per simulation tick. */
export const TICK_MS = 1000 / TICK_HZ;
/** Most ticks one `update` runs to catch up; beyond that, time is dropped (a frozen tab). */
export const MAX_CATCH_UP_TICKS = 8;
/** Period of the overlay graph's samples. */
export const SAMPLE_MS = 100;
/** Stalled this long on the peer's inputs: say we are waiting for them. */
export const WAITING_AFTER_MS = 500;
/** Stalled this long: the peer's game has stopped (a frozen tab); end the match. */
export const GIVE_UP_AFTER_MS = 8000;

/** Where the local input comes from each tick (the keyboard or a bot). */
export type InputSource = (view: HockeyView, player: 0 | 1) => number;

/** Options of {@link createMatchRunner}. */
export interface MatchRunnerOptions {
  localPlayer: 0 | 1;
  me: { name: string; bot: boolean; seed: number };
  input: InputSource;
  /** Local input delay in frames (the session's default when absent). */
  inputDelay?: number;
  clock?: Clock;
}

/** Numbers for `window.duet.stats()` and the overlay. */
export interface MatchStats {
  rtt: number;
  rttLast: number;
  loss: number;
  frame: number;
  confirmedFrame: number;
  rollbacks: number;
  rollbackFrames: number;
  maxRollbackDepth: number;
  lastRollbackDepth: number;
  inputDelay: number;
  packetsSent: number;
  packetsReceived: number;
  packetsLost: number;
  predictedFrames: number;
  stalls: number;
  skippedTicks: number;
  frameAdvantage: number;
  remoteAdvantage: number;
  desyncs: number;
  checksumsChecked: number;
  rollbacksPerSecond: number;
  maxDepthLastSecond: number;
  stallsPerSecond: number;
  /** The network path (direct or relayed, candidate types, protocols); null before it is known. */
  path: ConnectionPath | null;
}

/** A running pairing. */
export interface MatchRunner {
  /**
   * The channels are open: attach the transport and start the handshake. `path` reads the
   * connection's current network path for the stats (the match connection's `path`).
   */
  connect(transport: InputTransport, path?: () => ConnectionPath | null): void;
  /** Runs as many 60 Hz ticks as `dtMs` (plus the carried remainder) allows. Returns ticks run. */
  update(dtMs: number): number;
  /** Fraction of a tick carried to the next update: the renderer's interpolation factor. */
  readonly alpha: number;
  readonly lifecycle: LifecycleState;
  /** The state before and after the newest tick (null before the match starts). */
  frames(): { prev: HockeyView; curr: HockeyView } | null;
  readonly game: Hockey | null;
  readonly session: P2PSession | null;
  readonly history: StatsHistory;
  stats(): MatchStats;
  /** Checksum of a confirmed frame of the current session, else undefined. */
  checksum(frame: number): number | undefined;
  /** The local player asks for a rematch (on the end screen). */
  rematch(): void;
  /** The local player leaves: tells the peer, closes the transport. */
  leave(): void;
  /** Outside news: the lobby says the peer left, or the connection failed. */
  notify(event: LifecycleEvent): void;
  /** Called after every lifecycle change. */
  onChange: ((state: LifecycleState) => void) | null;
  /** A session problem worth showing (desync, broken input stream). */
  onProblem: ((message: string) => void) | null;
}

/** Creates a runner in the `connecting` phase. */
export function createMatchRunner(opts: MatchRunnerOptions): MatchRunner {
  const clock = opts.clock ?? realClock;
  const history = createStatsHistory();
  let lifecycle = initialLifecycle(opts.localPlayer, opts.me);
  let transport: InputTransport | null = null;
  let game: Hockey | null = null;
  let session: P2PSession | null = null;
  let prev: Int32Array | null = null;
  let acc = 0;
  let lastSample = -Infinity;
  let lastOutcome: TickOutcome | "idle" = "idle";
  let stalledSince = -1;
  let pathOf: () => ConnectionPath | null = () => null;
  const pendingControl: ControlMessage[] = [];
  const proxy: SessionTransport = {
    sendInput: (f, i) => transport?.sendInput(f, i),
    onInput: null,
    sendControl: (m) => transport?.sendControl(m),
    onControl: null,
    onState: null,
    stats: () => transport!.stats(),
    poll: () => transport?.poll(),
  };

  const runner: MatchRunner = {
    onChange: null,
    onProblem: null,
    connect(t, path) {
      if (transport) throw new Error("match runner: already connected");
      transport = t;
      if (path) pathOf = path;
      t.onControl = (m) => {
        if (m.kind === "app") dispatch({ type: "app", data: m.data });
        else if (m.kind === "bye") dispatch({ type: "peer-left", reason: m.reason });
        else if (proxy.onControl) proxy.onControl(m);
        else if (m.kind !== "hello" && pendingControl.length < 256) pendingControl.push(m);
      };
      t.onState = (s) => {
        proxy.onState?.(s);
        dispatch({ type: "link", state: s });
      };
      dispatch({ type: "connected" });
    },
    update(dtMs) {
      if (!(dtMs >= 0)) return 0;
      if (!session || isOver(lifecycle.phase)) {
        transport?.poll();
        return 0;
      }
      acc += dtMs;
      let ran = 0;
      while (acc >= TICK_MS && ran < MAX_CATCH_UP_TICKS) {
        tick();
        acc -= TICK_MS;
        ran++;
        if (!session) break;
      }
      if (acc >= TICK_MS) acc = acc % TICK_MS; // too far behind: drop the backlog
      return ran;
    },
    get alpha() {
      return lastOutcome === "advanced" ? Math.min(1, acc / TICK_MS) : 1;
    },
    get lifecycle() {
      return lifecycle;
    },
    frames() {
      if (!game) return null;
      return { prev: readView(prev ?? game.state), curr: game.view() };
    },
    get game() {
      return game;
    },
    get session() {
      return session;
    },
    history,
    stats: () => ({ ...statsOf(session, transport, history, clock.now()), path: pathOf() }),
    checksum: (f) => session?.checksum(f),
    rematch: () => dispatch({ type: "rematch" }),
    leave: () => dispatch({ type: "leave" }),
    notify: (e) => dispatch(e),
  };

  function tick(): void {
    if (!session || !game) return;
    const view = game.view();
    let input = opts.input(view, opts.localPlayer) & 0xff;
    if (lifecycle.rematch.local && (view.phase === "ended")) input |= REMATCH;
    const before = game.save();
    const outcome = session.tick(input);
    lastOutcome = outcome;
    if (outcome === "advanced") prev = before;
    else prev = null;
    const now = clock.now();
    if (outcome === "stalled") {
      history.stall(now);
      if (stalledSince < 0) stalledSince = now;
      const stalledFor = now - stalledSince;
      if (stalledFor >= GIVE_UP_AFTER_MS) {
        dispatch({ type: "failed", error: "your opponent's game stopped responding" });
        return;
      }
      if (stalledFor >= WAITING_AFTER_MS && !lifecycle.waiting) {
        dispatch({ type: "waiting", waiting: true });
      }
    } else if (outcome === "advanced") {
      stalledSince = -1;
      if (lifecycle.waiting) dispatch({ type: "waiting", waiting: false });
    }
    if (now - lastSample >= SAMPLE_MS) {
      history.sample(now, transport?.stats().rttMs ?? 0);
      lastSample = now;
    }
    const v = game.view();
    if (v.phase !== lifecycle.phase || v.match !== lifecycle.match) {
      dispatch({ type: "sim", phase: v.phase, match: v.match });
    }
  }

  function start(config: NonNullable<LifecycleState["config"]>): void {
    game = createHockey(config);
    session = createP2PSession({
      game,
      transport: proxy,
      localPlayer: opts.localPlayer,
      inputDelay: opts.inputDelay,
    });
    session.onEvent((e) => {
      const now = clock.now();
      if (e.type === "rollback") history.rollback(now, e.depth);
      else if (e.type === "desync") {
        runner.onProblem?.(
          `Desync at frame ${e.frame}: ${hex(e.local)} here, ${hex(e.remote)} there`,
        );
      } else if (e.type === "error") {
        runner.onProblem?.(`Session stopped: ${e.message}`);
        // A stopped session never advances again: end the pairing rather than freeze the screen.
        dispatch({ type: "failed", error: e.message });
      }
    });
    // Hand the queued control messages to the session, then let the inputs flow.
    for (const m of pendingControl.splice(0)) proxy.onControl?.(m);
    if (transport) transport.onInput = (f, i) => proxy.onInput?.(f, i);
  }

  function apply(effect: LifecycleEffect): void {
    switch (effect.type) {
      case "send":
        if (transport && transport.state !== "closed" && transport.state !== "disconnected") {
          try {
            transport.sendControl({ kind: "app", data: effect.message });
          } catch {
            // The channel is going away; the lifecycle hears about it from the link state.
          }
        }
        break;
      case "start":
        start(effect.config);
        break;
      case "close":
        session?.close();
        transport?.close(lifecycle.phase === "left" ? "left" : "closed");
        break;
    }
  }

  function dispatch(event: LifecycleEvent): void {
    const result = step(lifecycle, event);
    const changed = result.state !== lifecycle;
    lifecycle = result.state;
    for (const e of result.effects) apply(e);
    if (changed) runner.onChange?.(lifecycle);
  }

  return runner;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}

/** The stats of no match at all (before the first one): every figure at its resting value. */
export function emptyMatchStats(): MatchStats {
  return statsOf(null, null, null, 0);
}

function statsOf(
  session: P2PSession | null,
  transport: InputTransport | null,
  history: StatsHistory | null,
  now: number,
): MatchStats {
  const t = transport?.stats();
  const s = session?.stats();
  return {
    rtt: t?.rttMs ?? 0,
    rttLast: t?.rttLastMs ?? 0,
    loss: t?.lossRate ?? 0,
    frame: s?.frame ?? 0,
    confirmedFrame: s?.confirmedFrame ?? -1,
    rollbacks: s?.rollbacks ?? 0,
    rollbackFrames: s?.rollbackFrames ?? 0,
    maxRollbackDepth: s?.maxRollbackDepth ?? 0,
    lastRollbackDepth: s?.lastRollbackDepth ?? 0,
    inputDelay: s?.inputDelay ?? 0,
    packetsSent: t?.packetsSent ?? 0,
    packetsReceived: t?.packetsReceived ?? 0,
    packetsLost: t?.packetsLost ?? 0,
    predictedFrames: s?.predictedFrames ?? 0,
    stalls: s?.stalls ?? 0,
    skippedTicks: s?.skippedTicks ?? 0,
    frameAdvantage: s?.localAdvantage ?? 0,
    remoteAdvantage: s?.remoteAdvantage ?? 0,
    desyncs: s?.desyncs ?? 0,
    checksumsChecked: s?.checksumsChecked ?? 0,
    rollbacksPerSecond: history?.rollbacksPerSecond(now) ?? 0,
    maxDepthLastSecond: history?.maxDepth(now) ?? 0,
    stallsPerSecond: history?.stallsPerSecond(now) ?? 0,
    path: null,
  };
}

/** True while the runner's match is on screen. */
export function runnerInMatch(r: MatchRunner): boolean {
  return inMatch(r.lifecycle.phase);
}
