/**
 * One pairing's matches for any {@link RollbackGame}, without DOM or timers of its own: the shell
 * that wires the parts below to the lifecycle machine (match_lifecycle.ts) and runs them at a
 * fixed 60 Hz. The browser shell (run_match.ts) feeds it elapsed time; unit tests drive two
 * runners over simulated channels on a manual clock.
 *
 * The parts, each in its own file and tested alone:
 * - session_link.ts: the transport, attached once the channels are open (`connect`), as the
 *   session sees it through a proxy, so no control message is lost before the session exists and
 *   a resume moves the session onto a fresh link. `app` messages and the peer's `bye` always go to
 *   the lifecycle, `resume` chunks to the hand-over, the rest (time sync, checksums) to the
 *   session. Remote inputs stay unconsumed in the transport (it resends them) until play begins.
 * - match_play.ts: once both intros agree, the wrapped game (match_game.ts), the rollback session,
 *   the confirmed-input log and the interpolation snapshots. What the simulation decided is
 *   reported once the frame that decided it is confirmed.
 * - resume_handover.ts: a resume's two halves, the survivor's (`reconnect`) and the returner's
 *   (`resuming`: the session is rebuilt from the survivor's snapshot).
 * - match_health.ts: the handshake's, stall's and grace period's clocks and the overlay samples,
 *   answering with the lifecycle events they call for.
 * - spectator_stream.ts: with a `stream` sink (runMatch passes the lobby's), the confirmed inputs
 *   for spectators, handed to the sink after the ticks of an `update`, never inside one, and the
 *   rest when the pairing closes (followed by `streamEnd`). The offerer streams from the start
 *   (`streamOnStart`); `streamFrom(frame)` (the lobby's `stream-from`) makes any side stream from
 *   that frame on. A sink that throws costs the spectators, never the match.
 * - lifecycle_driver.ts: the lifecycle machine stepped, with what listeners hear of it
 *   (match_events.ts) queued while the runner works and delivered after it, so a listener never
 *   runs in the middle of a tick and may call back into the runner.
 * - tick_pacer.ts: the 60 Hz accumulator.
 *
 * @module
 */

import type { ControlMessage } from "../../../shared/peer_protocol.ts";
import { encodeReplay } from "../../../shared/replay_format.ts";
import { type Clock, realClock } from "../clock.ts";
import type { ConnectionPath } from "../connection_path.ts";
import { errorText } from "../error_text.ts";
import type { RollbackGame } from "../game.ts";
import type { InputTransport } from "../input_transport.ts";
import type { ReplayRecorder } from "../replay/replay_recorder.ts";
import type { P2PSession } from "../sessions/p2p_session.ts";
import type { StreamBatch } from "../spectate/stream_batcher.ts";
import { createStatsHistory, type StatsHistory } from "../stats_history.ts";
import { type MatchEvent, sessionNews } from "./match_events.ts";
import type { CreateGame, MatchSetup } from "./match_game.ts";
import { createMatchHealth } from "./match_health.ts";
import {
  type Agreement,
  initialLifecycle,
  inMatch,
  isFinished,
  type LifecycleEffect,
  type LifecycleEvent,
  type LifecycleState,
  type LocalIntro,
  type MatchPhase,
} from "./match_lifecycle.ts";
import { createMatchPlay, type MatchPlay, newMatchConfirmed, overConfirmed } from "./match_play.ts";
import { type MatchStats, matchStats } from "./match_stats.ts";
import { createResumeIntake, handOver } from "./resume_handover.ts";
import { createSessionLink, type LinkHandlers } from "./session_link.ts";
import { createSpectatorStream } from "./spectator_stream.ts";
import { createTickPacer } from "./tick_pacer.ts";
import { createLifecycleDriver } from "./lifecycle_driver.ts";

export { MAX_CATCH_UP_TICKS, TICK_HZ, TICK_MS } from "./tick_pacer.ts";
export {
  DEFAULT_GIVE_UP_AFTER_MS,
  DEFAULT_GRACE_MS,
  DEFAULT_WAITING_AFTER_MS,
  HANDSHAKE_TIMEOUT_MS,
  INTRO_RETRY_MS,
  SAMPLE_MS,
} from "./match_health.ts";

export { seedFromSession } from "./match_play.ts";
export type { MatchEvent } from "./match_events.ts";

/** Options of {@link createMatchRunner}. */
export interface MatchRunnerOptions<G extends RollbackGame> {
  localPlayer: 0 | 1;
  /** The lobby's session id of the pairing: the shared seed is derived from it. */
  session: string;
  /** This side's intro: name, game id and version (both must match the peer's), options. */
  me: LocalIntro;
  createGame: CreateGame<G>;
  /** The local player's input for the next tick (an integer 0..255). */
  readInput: (game: G, player: 0 | 1) => number;
  /** True once a match is over; absent: matches never end by themselves. */
  isOver?: (game: G) => boolean;
  /** Local input delay in frames (the session's default when absent). */
  inputDelay?: number;
  /** Frames the session may run ahead of the peer's inputs (the session's default when absent). */
  maxPrediction?: number;
  /** Stalled this long: show "waiting for your opponent" (default 500 ms). */
  waitingAfterMs?: number;
  /** Stalled this long while the link is up: give the match up (default 8 s). */
  giveUpAfterMs?: number;
  /**
   * How long a silent link is waited for (default 20 s). The transport's own disconnect timeout
   * decides when it gives up (runMatch sets it to this); the runner uses it for the countdown.
   */
  graceMs?: number;
  /**
   * This page took its seat back after a reload (`paired.resumed`): the session is rebuilt from
   * the snapshot the surviving peer sends (`resume` control chunks) instead of started anew.
   */
  resuming?: boolean;
  /**
   * While true, a link that closes without the peer's `bye` (its page reloaded and the browser
   * dropped the connection) is waited for like a silent one, for the grace period: the lobby
   * holds the peer's seat. runMatch: while the lobby keeps the pairing.
   */
  keepSeat?: () => boolean;
  clock?: Clock;
  /** Where confirmed-input batches for spectators go (the lobby's `stream`); none: no stream. */
  stream?: (batch: StreamBatch) => void;
  /**
   * With a `stream` sink: stream from frame 0 as soon as the match starts (default true; the
   * offerer's). False: only once `streamFrom` says so (the lobby's `stream-from`).
   */
  streamOnStart?: boolean;
  /** The pairing is over (a player left, or it failed): no more batches (`stream-end`). */
  streamEnd?: () => void;
}

/** A running pairing. */
export interface MatchRunner<G extends RollbackGame> {
  /**
   * The channels are open: attach the transport and start the handshake. `path` reads the
   * connection's current network path for the stats (the match connection's `path`).
   */
  connect(transport: InputTransport, path?: () => ConnectionPath | null): void;
  /**
   * The survivor's half of a resume: the peer's page came back and `transport` is a fresh link
   * to it. Moves the session onto it (`session.resume`), sends our intro and the snapshot, and
   * goes on. The old transport is detached (closing it stays the caller's). False (and
   * `transport` closed) when there is no running session to resume.
   */
  reconnect(transport: InputTransport, path?: () => ConnectionPath | null): boolean;
  /** Runs as many 60 Hz ticks as `dtMs` (plus the carried remainder) allows. Returns ticks run. */
  update(dtMs: number): number;
  /** Fraction of a tick carried to the next update: the renderer's interpolation factor. */
  readonly alpha: number;
  readonly lifecycle: LifecycleState;
  readonly phase: MatchPhase;
  /** The player's game, once the handshake is done; null before. */
  readonly game: G | null;
  /** The setup of the current match, once started. */
  readonly setup: MatchSetup | null;
  /**
   * The game's own snapshot from before the newest tick that advanced (for interpolation). With a
   * game that has `saveInto` it is refilled by a later tick: read it before the next `update`.
   */
  readonly previous: unknown;
  readonly session: P2PSession | null;
  readonly history: StatsHistory;
  stats(): MatchStats;
  /** Checksum of a confirmed frame of the current pairing, else undefined. */
  checksum(frame: number): number | undefined;
  /** The pairing's confirmed-input log so far (every match of it), or null before it started. */
  readonly recorder: ReplayRecorder | null;
  /** The pairing so far as replay file bytes, or null before it started. */
  replay(): Uint8Array | null;
  /** The local player asks for a rematch (on the end screen). */
  rematch(): void;
  /** The local player leaves: tells the peer, closes the transport. */
  leave(): void;
  /** Outside news: the lobby says the peer left, or the connection failed. */
  notify(event: LifecycleEvent): void;
  /**
   * The lobby's `stream-from`: stream for the spectators from `frame` on (again, if batches were
   * lost). Needs a `stream` sink; before the match started it is kept for the start.
   */
  streamFrom(frame: number): void;
  /** Adds a listener; returns a function that removes it. */
  on(listener: (event: MatchEvent) => void): () => void;
  /** While the link is interrupted: milliseconds left of the grace period; else null. */
  graceLeft(): number | null;
}

/** Creates a runner in the `connecting` phase. */
export function createMatchRunner<G extends RollbackGame>(
  opts: MatchRunnerOptions<G>,
): MatchRunner<G> {
  const clock = opts.clock ?? realClock;
  const history = createStatsHistory();
  const health = createMatchHealth({
    history,
    waitingAfterMs: opts.waitingAfterMs,
    giveUpAfterMs: opts.giveUpAfterMs,
    graceMs: opts.graceMs,
    resuming: opts.resuming,
  });
  // `apply` (hoisted) reads `play`, `link` and `stream`, declared below: safe, as the driver only
  // keeps it and calls it from `dispatch`, which nothing calls before this function has returned.
  const machine = createLifecycleDriver(initialLifecycle(opts.localPlayer, opts.me), apply);
  const { dispatch, emit, flush, tell } = machine;
  let play: MatchPlay<G> | null = null;
  const link = createSessionLink(clock);
  const stream = createSpectatorStream({
    sink: opts.stream,
    end: opts.streamEnd,
    fromStart: opts.streamOnStart,
    ackedFrame: () => ackedFrame(link.transport),
  });
  const pacer = createTickPacer();
  let pathOf: () => ConnectionPath | null = () => null;
  const intake = createResumeIntake();
  const proxy = link.proxy;
  const heard: LinkHandlers = {
    control(m) {
      if (m.kind === "app") dispatch({ type: "app", data: m.data });
      else if (m.kind === "bye") dispatch({ type: "peer-left", reason: m.reason });
      else if (m.kind === "resume") resumeChunk(m);
      else link.toSession(m);
      flush();
    },
    state(raw) {
      // A page that reloads drops its connection without a bye: its seat is held, so wait.
      const s = raw === "closed" && play?.session && opts.keepSeat?.() ? "interrupted" : raw;
      health.link(s, clock.now());
      link.stateToSession(s);
      tell({ type: "link", state: s });
    },
  };

  const runner: MatchRunner<G> = {
    connect(t, path) {
      if (link.transport) throw new Error("match runner: already connected");
      attach(t, path);
      health.connected(clock.now());
      tell({ type: "connected" });
    },
    reconnect(t, path) {
      const session = play?.session;
      if (!session || !link.transport || isFinished(machine.state.phase)) {
        t.close("closed");
        return false;
      }
      attach(t, path);
      const r = handOver(session, proxy, t, machine.state.localIntro);
      if (!r.ok) {
        tell({ type: "failed", error: r.error });
        return false;
      }
      // Not play(): the session already hears control itself; only the new link's inputs need it.
      link.flowInputs();
      health.resumed();
      tell({ type: "link", state: "open" });
      return true;
    },
    update(dtMs) {
      if (!(dtMs >= 0)) return 0;
      if (!play?.session || isFinished(machine.state.phase)) {
        link.transport?.poll();
        const now = clock.now();
        const retry = health.introRetry(machine.state.phase, now);
        if (retry) dispatch(retry);
        // Judged on the phase after the retry, as its own send may have brought the peer's intro.
        const late = health.handshakeLate(machine.state.phase, now);
        if (late) dispatch(late);
        flush();
        return 0;
      }
      const over = health.graceOver(clock.now());
      if (over) {
        // The link (or the peer's page) stayed away for the whole grace period.
        tell(over);
        return 0;
      }
      pacer.add(dtMs);
      let ran = 0;
      while (pacer.due(ran)) {
        tick();
        pacer.spend();
        ran++;
        if (!play?.session || isFinished(machine.state.phase)) break;
      }
      pacer.settle();
      // The clock is read only for a running stream, as before the split: most sides stream nothing.
      if (stream.streaming) stream.send(clock.now(), false);
      flush();
      return ran;
    },
    get alpha() {
      return pacer.alpha(play?.lastOutcome === "advanced");
    },
    get lifecycle() {
      return machine.state;
    },
    get phase() {
      return machine.state.phase;
    },
    get game() {
      return play?.game.game ?? null;
    },
    get setup() {
      return play?.game.setup ?? null;
    },
    get previous() {
      return play?.previous ?? null;
    },
    get session() {
      return play?.session ?? null;
    },
    history,
    stats: () =>
      matchStats({
        session: opts.session,
        transport: link.transport?.stats(),
        rollback: play?.session?.stats(),
        history,
        match: play?.game.match ?? 0,
        path: pathOf(),
      }, clock.now()),
    checksum: (f) => play?.session?.checksum(f),
    get recorder() {
      return play?.recorder ?? null;
    },
    replay: () => (play ? encodeReplay(play.recorder.replay()) : null),
    rematch: () => tell({ type: "rematch" }),
    leave: () => tell({ type: "leave" }),
    notify: (e) => tell(e),
    streamFrom: (frame) => stream.from(frame),
    on: (listener) => machine.on(listener),
    graceLeft: () => health.graceLeft(clock.now()),
  };

  /** Takes `t`'s events: control messages, link states and the peer's frames. */
  function attach(t: InputTransport, path?: () => ConnectionPath | null): void {
    if (path) pathOf = path;
    link.attach(t, heard);
  }

  /** A piece of the snapshot, on the returning side; anywhere else it is ignored. */
  function resumeChunk(m: Extract<ControlMessage, { kind: "resume" }>): void {
    if (!opts.resuming || play?.session || isFinished(machine.state.phase)) return;
    const r = intake.add(m);
    if (r.type === "error") dispatch({ type: "failed", error: r.error });
    else if (r.type === "ready" && play) finishResume(play, intake.take()!);
  }

  /** The returner rebuilds its session from the survivor's snapshot and plays on. */
  function finishResume(p: MatchPlay<G>, bytes: Uint8Array): void {
    const r = p.resume(bytes);
    if (!r.ok) {
      emit({ type: "problem", message: `Could not resume the match: ${r.error}` });
      dispatch({ type: "failed", error: `could not resume the match: ${r.error}` });
      return;
    }
    watchSession(r.session);
    link.play();
    emit({ type: "started", setup: p.game.setup });
  }

  function tick(): void {
    const p = play;
    if (!p?.session) return;
    const outcome = p.tick(machine.state.rematch.local);
    const now = clock.now();
    const said = health.ticked(outcome, machine.state, now);
    if (said) dispatch(said);
    // A peer given up on ends the pairing: nothing of this tick is reported.
    if (said?.type === "failed") return;
    health.sample(now, link.readRtt);
    reportConfirmed(p, p.session.confirmedFrame);
  }

  function reportConfirmed(p: MatchPlay<G>, confirmed: number): void {
    p.noteRestart();
    if (newMatchConfirmed(p.game, confirmed, machine.state)) {
      dispatch({ type: "sim", match: p.game.match, over: false });
      emit({ type: "started", setup: p.game.setup });
    }
    if (overConfirmed(p.game, confirmed, machine.state)) {
      dispatch({ type: "sim", match: p.game.match, over: true });
    }
  }

  function start(agreement: Agreement): void {
    const p = createMatchPlay(opts, {
      intro: machine.state.localIntro,
      agreement,
      transport: proxy,
    });
    play = p;
    stream.open(p.recorder, p.streamHeader);
    if (opts.resuming) {
      // The session comes from the survivor's snapshot (resumeChunk), maybe already here.
      const snapshot = intake.take();
      if (snapshot) finishResume(p, snapshot);
      return;
    }
    watchSession(p.begin());
    link.play();
    emit({ type: "started", setup: p.game.setup });
  }

  function watchSession(s: P2PSession): void {
    s.onEvent((e) => {
      if (e.type === "rollback") {
        history.rollback(clock.now(), e.depth);
        return;
      }
      const news = sessionNews(e);
      if (news?.problem) emit({ type: "problem", message: news.problem });
      if (news?.failed) dispatch({ type: "failed", error: news.failed });
    });
  }

  function apply(effect: LifecycleEffect): void {
    switch (effect.type) {
      case "send":
        link.trySend({ kind: "app", data: effect.message });
        break;
      case "start":
        try {
          start(effect.agreement);
        } catch (e) {
          // createGame threw (a game bug, or options it cannot handle): end the pairing clearly
          // on both sides instead of leaving a match without a session.
          play = null;
          stream.drop();
          const why = errorText(e);
          emit({ type: "problem", message: `The game could not start: ${why}` });
          dispatch({ type: "failed", error: `the game could not start: ${why}` });
        }
        break;
      case "close":
        if (stream.streaming) stream.send(clock.now(), true);
        play?.session?.close();
        link.transport?.close(machine.state.phase === "left" ? "left" : "closed");
        break;
    }
  }

  return runner;
}

/** The newest local frame the peer acknowledged, -1 with no transport. */
function ackedFrame(t: InputTransport | null): number {
  return t ? (t.ackedFrame ? t.ackedFrame() : t.stats().ackedLocalFrame) : -1;
}

/** True while the runner's match is on screen. */
export function runnerInMatch(r: { readonly phase: MatchPhase }): boolean {
  return inMatch(r.phase);
}
