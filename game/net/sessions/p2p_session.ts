/**
 * The peer-to-peer rollback session (the GGPO model): both players run the same deterministic
 * simulation; each sends its own inputs and predicts the other's, and when a real input differs
 * from the prediction it loads the last correct state and re-simulates to the present within the
 * same tick, so play feels local despite latency and loss.
 *
 * ## API
 * ```ts
 * const session = createP2PSession({ game, transport, localPlayer: 0 }); // inputDelay 2, maxPrediction 8
 * const off = session.onEvent((e) => { if (e.type === "desync") console.warn(e); });
 * // every 1/60 s (requestAnimationFrame accumulator or setInterval), the caller drives the tick:
 * const outcome = session.tick(readButtons()); // "advanced" | "stalled" | "skipped" | "stopped"
 * render(game); // the game's live state is the present (predicted where needed)
 * session.frame; session.confirmedFrame; session.checksum(frame); session.stats();
 * session.close(); off(); // end of match: detach from the transport (closing it is the caller's job)
 * ```
 *
 * - `tick(localInput)` rolls back if a prediction proved wrong, then either advances one frame
 *   with the local input (sent `inputDelay` frames ahead) or does not advance:
 *   "stalled" when it would predict more than `maxPrediction` frames (waits for the peer), or
 *   "skipped" when time sync slows this side down because it runs ahead. The input of a tick that
 *   does not advance is dropped. Then it polls the transport (keepalive, pings, liveness). Call
 *   it at a fixed 60 Hz; there are no timers inside.
 * - Frames: `frame` is the next frame to simulate (the live state is after frames 0..frame-1);
 *   `confirmedFrame` is the newest frame whose inputs are known on both sides and whose simulated
 *   state is final; `checksum(f)` is the checksum right after frame f, for confirmed frames only.
 * - The session takes over `transport.onInput`, `onControl` and `onState`. It consumes `quality`,
 *   `checksum` and `state` messages; any other control message (app, bye, hello) comes out as a
 *   `message` event and link-state changes as `link` events.
 * - `setInputDelay(n)` changes the input delay mid-match without a desync: a longer delay repeats
 *   the last input for the frames it skips over, a shorter one drops local inputs for as many
 *   ticks. `autoInputDelay` picks it from the measured RTT (see below). The prediction window is
 *   fixed for a session.
 * - `onConfirmed(frame, input0, input1)` (an option) sees every frame's two inputs exactly once,
 *   in frame order, as soon as they are final on both sides: the basis of replays and spectators.
 * - The game's `advance(inputs, info)` gets each player's input status (confirmed / predicted) and
 *   whether the frame is a re-simulation, so it can hold back sounds on frames that may change.
 *
 * ## Events (`onEvent`)
 * `rollback {frame, depth}`, `stall {frame}`, `desync {frame, local, remote}`,
 * `desync-state {frame, local, remote}` (state bytes), `link {state}` (open, interrupted,
 * disconnected, closed), `message {message}` (app/bye/hello control messages) and
 * `error {message}` (the peer broke the input stream; the session stopped).
 *
 * ## Time sync
 * Every input packet carries the sender's frame; the skew follows from it and the input channel's
 * RTT (see time_sync.ts). The side behind catches up (two frames in a tick, every other tick),
 * the side ahead skips a tick (at most every 20 ticks, from two frames ahead), until both are
 * within a frame. Every 30
 * ticks a `quality` report tells the peer our skew estimate, for its stats only (clamped to i16,
 * as GGRS does: it steers nothing, so a forged one cannot).
 *
 * ## Automatic input delay
 * With `autoInputDelay`, once a second the delay moves one frame toward the smallest delay that
 * covers the one-way trip: `ceil((rtt / 2 + 4 ms) / frame)`, clamped to `min..max` (default 1..6),
 * where rtt is the input channel's smoothed RTT.
 *
 * ## Hostile peers
 * Nothing a peer sends makes `tick()` throw, stop or spin: time sync samples are sanity-checked and
 * its actions rate-limited; each checksum frame is compared once (repeats, frames the peer cannot
 * have confirmed yet and state dumps nobody asked for count in `stats().malformed`), inputs beyond
 * the input queue's window are held back (not delivered, not acked: `stats().rejected`).
 *
 * ## Desync detection
 * Every `checksumInterval` frames (default 60, 0 disables), once that frame is confirmed, its
 * checksum goes to the peer as a `checksum` control message; the peer compares it with its own and
 * raises a `desync` event `{ frame, local, remote }` on a mismatch. If the game implements
 * `serialize`, each side keeps the bytes of its checksummed states until the peer's checksum
 * arrives and, on a mismatch, sends them as a `state` message, so each side gets a `desync-state`
 * event with both dumps (dumps over 60 KiB are not sent).
 *
 * Checksums of every confirmed frame are kept for `checksum(f)`: 4 bytes per frame (14 KiB per
 * minute at 60 Hz), at least the newest `checksumHistory` frames (default 216,000: one hour,
 * 864 KiB), dropped in chunks of 4096 frames.
 *
 * Frames are uint32 on the wire (828 days at 60 Hz); the session stops with an `error` event
 * before its frame would pass that.
 *
 * ## Resume (a page reloaded mid-match)
 * ```ts
 * // Survivor (its session lived on, likely stalled at the prediction cap), once a new peer
 * // connection to the returning page is up:
 * const bytes = session.resume(newTransport); // detaches the dead transport, attaches the new one
 * sendToReturningPage(bytes);                 // reliable; a few KB for five minutes
 * // Returning page: the game made from the same seed and options, in its initial state:
 * const r = resumeP2PSession({ game, transport, localPlayer, onConfirmed }, bytes);
 * if (!r.ok) showError(r.error); else r.session.tick(...); // goes on at confirmedFrame + 1
 * ```
 * The snapshot (shared/resume_format.ts) is the final-input log from frame 0, the checksum of the
 * last final frame and both sides' confirmed inputs past it; the returning side re-simulates the
 * log and checks that checksum (why a log and not a state: see p2p_resume.ts). Both transports'
 * input streams start after what both sides know (`startAt`), so nothing is resent or awaited
 * twice. Frames, `checksum(f)` and desync detection continue; the new page's `onConfirmed` sees
 * every frame from 0 (the rebuilt ones at its first tick), so its replay is whole.
 *
 * ## Layout
 * This file is the thin imperative shell: it owns the transport's callbacks and the listeners.
 * The state and every decision live in the functional core (p2p_core.ts, desync_detector.ts,
 * checksum_history.ts), which returns what to do as effects (session_effect.ts); the options are
 * validated once in session_options.ts.
 *
 * @module
 */

import { decodeResumeSnapshot, encodeResumeSnapshot } from "../../../shared/resume_format.ts";
import { isValidInput } from "../game.ts";
import type { LinkState } from "../input_transport.ts";
import {
  advanceFrameInto,
  createP2PCore,
  type P2PCore,
  receiveControl,
  receiveInput,
  setInputDelay,
  type TickLink,
} from "./p2p_core.ts";
import { rebuildCore, takeResumeSnapshot } from "./p2p_resume.ts";
import type { SessionEffect } from "./session_effect.ts";
import { EffectList } from "../effect_list.ts";
import type { SessionEvent, TickOutcome } from "./session_event.ts";
import { type P2PSessionOptions, resolveSessionConfig } from "./session_options.ts";
import { type P2PSessionStats, sessionStats } from "./session_stats.ts";
import type { SessionTransport } from "./session_transport.ts";

/** State of the link as reported by the transport (re-exported for `link` events). */
export type { LinkState };
export type { LinkStats, SessionTransport } from "./session_transport.ts";
export type { P2PSessionOptions } from "./session_options.ts";
export type { SessionEvent, TickOutcome } from "./session_event.ts";
export type { P2PSessionStats } from "./session_stats.ts";

/** A running P2P rollback session. */
export interface P2PSession {
  /** Runs one 60 Hz tick with the local player's input (integer 0..255). */
  tick(localInput: number): TickOutcome;
  /** Next frame to simulate. */
  readonly frame: number;
  /** Newest frame whose state is final on both sides; -1 before the first. */
  readonly confirmedFrame: number;
  /** "running", or "stopped" after close() or an error event. */
  readonly state: "running" | "stopped";
  /** Checksum of the state right after `frame`, for confirmed frames still kept; else undefined. */
  checksum(frame: number): number | undefined;
  stats(): P2PSessionStats;
  /** Subscribes to events; returns the unsubscribe function. */
  onEvent(listener: (event: SessionEvent) => void): () => void;
  /** The input delay now in use (frames). */
  readonly inputDelay: number;
  /** Changes the input delay mid-match (0..30), without a desync; turns `autoInputDelay` off. */
  setInputDelay(frames: number): void;
  /** Stops the session and detaches it from the transport (does not close the transport). */
  close(): void;
  /**
   * The survivor's half of a resume (the peer's page reloaded): detaches the old transport (the
   * link is dead; closing it stays the caller's job), attaches `transport`, a fresh one to the
   * returning page, starting its input streams after what both sides know
   * (`SessionTransport.startAt`), and returns the snapshot bytes to hand the returning page for
   * {@link resumeP2PSession}. Frames, checksums, events and `onConfirmed` go on as before. Throws
   * a RangeError when stopped or when the match outgrew the input log (six hours).
   */
  resume(transport: SessionTransport): Uint8Array;
}

const FRAME_MS = 1000 / 60;

/** Creates a session for one match; the game must be in its initial state (frame 0). */
export function createP2PSession<S>(opts: P2PSessionOptions<S>): P2PSession {
  const core = createP2PCore(resolveSessionConfig(opts), opts.game);
  return createSessionShell(core, opts.transport, opts.onConfirmed);
}

/** What {@link resumeP2PSession} gives: the session, or why the snapshot was refused. */
export type ResumedSession = { ok: true; session: P2PSession } | { ok: false; error: string };

/**
 * The returning side's half of a resume: decodes and checks `snapshot` (bytes from the survivor's
 * `resume()`, hostile until proven otherwise), re-simulates the game (in its initial state, made
 * from the same seed and options as the first time) through every final frame, checks the
 * survivor's checksum of the last one, and returns a session that goes on at the next frame with
 * both sides' pending inputs known. `opts` are those of {@link createP2PSession}; its
 * `localPlayer` must be the other one than the survivor's; `transport` must be a fresh one (its
 * streams are started with `startAt`). A bad snapshot is `{ ok: false, error }`, never a throw
 * (bad options still throw, as in createP2PSession). `onConfirmed` sees every rebuilt frame too,
 * at the start of the first `tick()`, so the hook can already read `session.checksum(f)`.
 */
export function resumeP2PSession<S>(
  opts: P2PSessionOptions<S>,
  snapshot: Uint8Array,
): ResumedSession {
  const config = resolveSessionConfig(opts);
  const decoded = decodeResumeSnapshot(snapshot);
  if (!decoded.ok) return decoded;
  let rebuilt;
  try {
    rebuilt = rebuildCore(config, opts.game, decoded.snapshot);
  } catch (e) {
    // The game's own code ran on the log: a game that throws on some input is not a crash here.
    return { ok: false, error: `the game failed while rebuilding the match: ${e}` };
  }
  if (!rebuilt.ok) return rebuilt;
  const { core, effects } = rebuilt;
  const s = decoded.snapshot;
  const at = s.final + 1;
  opts.transport.startAt?.(at + s.returnerInputs.length, at + s.survivorInputs.length);
  return {
    ok: true,
    session: createSessionShell(core, opts.transport, opts.onConfirmed, effects),
  };
}

/** Carries out the core's effects, in order. */
function carryOut(
  effects: readonly SessionEffect[] | EffectList<SessionEffect>,
  transport: SessionTransport,
  listeners: () => readonly ((e: SessionEvent) => void)[],
  onConfirmed?: (frame: number, input0: number, input1: number) => void,
): void {
  for (let i = 0; i < effects.length; i++) {
    const e = effects instanceof EffectList ? effects.at(i) : effects[i];
    switch (e.type) {
      case "send-input":
        transport.sendInput(e.frame, e.input);
        break;
      case "send-control":
        transport.sendControl(e.message);
        break;
      case "set-frame":
        transport.setFrame?.(e.frame);
        break;
      case "confirmed":
        onConfirmed?.(e.frame, e.input0, e.input1);
        break;
      case "event": {
        // The list as it is now: a listener that subscribes or leaves replaces it (see onEvent).
        const ls = listeners();
        for (let j = 0; j < ls.length; j++) ls[j](e.event);
      }
    }
  }
}

/**
 * Wraps a core: wires the transport to it and carries out its effects. `pending` effects (a
 * resume's rebuilt frames) run at the start of the first tick.
 */
export function createSessionShell<S>(
  core: P2PCore<S>,
  initialTransport: SessionTransport,
  onConfirmed?: (frame: number, input0: number, input1: number) => void,
  pending: SessionEffect[] = [],
): P2PSession {
  // Copied on write (onEvent and its unsubscribe make a new array), so delivering an event needs
  // no copy: a listener that subscribes or leaves mid-delivery does not change the one in use.
  let listeners: readonly ((e: SessionEvent) => void)[] = [];
  const currentListeners = () => listeners;
  let transport = initialTransport;
  // Reused by every tick (advanceFrameInto empties them): a tick allocates no list or link. An
  // EffectList, as emptying an array gives its storage back and the next tick allocated it again.
  const tickEffects = new EffectList<SessionEffect>();
  const tickLink: TickLink = { nowMs: 0, rttMs: 0, rttMinMs: 0 };
  let ticking = false;
  let attached = true;

  function detach(): void {
    if (!attached) return;
    attached = false;
    transport.onInput = null;
    transport.onControl = null;
    if (transport.onState !== undefined) transport.onState = null;
    if (transport.onPeerFrame !== undefined) transport.onPeerFrame = null;
  }

  function run(effects: SessionEffect[] | EffectList<SessionEffect>): void {
    // A core that stopped itself lets go of the transport before anyone hears why.
    if (core.state === "stopped") detach();
    carryOut(effects, transport, currentListeners, onConfirmed);
  }

  function attach(): void {
    attached = true;
    transport.onInput = (frame, input) => receiveInput(core, frame, input);
    if ("onPeerFrame" in transport) {
      transport.onPeerFrame = (frame, atMs) => core.timeSync.onPeerFrame(frame, atMs);
    }
    transport.onControl = (msg) => run(receiveControl(core, msg));
    if ("onState" in transport) {
      transport.onState = (state) => {
        const ls = listeners;
        for (let j = 0; j < ls.length; j++) ls[j]({ type: "link", state });
      };
    }
  }
  attach();

  return {
    tick(localInput) {
      if (!isValidInput(localInput)) {
        throw new RangeError(`local input must be an integer 0..255, got ${localInput}`);
      }
      if (core.state !== "running") return "stopped";
      if (pending.length > 0) run(pending.splice(0));
      // Without a transport clock, ticks count as 1/60 s (this tick included).
      tickLink.nowMs = transport.now ? transport.now() : (core.ticks + 1) * FRAME_MS;
      if (transport.readRtt) transport.readRtt(tickLink);
      else {
        const link = transport.stats();
        tickLink.rttMs = link.rttMs;
        tickLink.rttMinMs = link.rttMinMs ?? 0;
      }
      if (!(tickLink.rttMinMs > 0)) tickLink.rttMinMs = tickLink.rttMs;
      // A listener that ticks again from inside this tick's effects gets a list of its own.
      const effects = ticking ? new EffectList<SessionEffect>() : tickEffects;
      const outer = !ticking;
      ticking = true;
      let outcome: TickOutcome;
      try {
        outcome = advanceFrameInto(core, localInput, tickLink, effects);
        run(effects);
      } finally {
        if (outer) ticking = false;
        effects.clear();
      }
      // Polled last: a tick that sent an input packet makes the transport's keepalive unnecessary.
      transport.poll?.();
      return outcome;
    },
    get frame() {
      return core.sync.frame;
    },
    get confirmedFrame() {
      return core.lastFinal;
    },
    get state() {
      return core.state;
    },
    checksum(frame) {
      return frame <= core.lastFinal ? core.history.get(frame) : undefined;
    },
    stats: () => sessionStats(core, transport.stats()),
    onEvent(listener) {
      listeners = [...listeners, listener];
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        const i = listeners.indexOf(listener);
        if (i !== -1) listeners = [...listeners.slice(0, i), ...listeners.slice(i + 1)];
      };
    },
    close() {
      if (core.state !== "running") return;
      core.state = "stopped";
      detach();
    },
    get inputDelay() {
      return core.inputDelay;
    },
    setInputDelay(frames) {
      setInputDelay(core, frames);
    },
    resume(next) {
      const snapshot = takeResumeSnapshot(core);
      const bytes = encodeResumeSnapshot(snapshot);
      detach();
      transport = next;
      const at = snapshot.final + 1;
      next.startAt?.(at + snapshot.survivorInputs.length, at + snapshot.returnerInputs.length);
      attach();
      return bytes;
    },
  };
}
