/**
 * The runner's clocks on the peer, without timers of its own: how long the handshake has waited
 * for the peer's intro, how long the session has been stalled on the peer's inputs, how long the
 * link has been interrupted, and when the overlay's next sample is due. The runner tells it what
 * happened and when; it answers with the lifecycle events the waiting calls for (as data, for the
 * runner to dispatch) and records stalls and samples in the stats history.
 *
 * Two kinds of waiting are kept apart: a session stalled while the link is up means the peer's
 * game has stopped (a frozen tab) and is given up after `giveUpAfterMs`; a silent link is the
 * grace period's business (`graceMs`), as Wi-Fi drops and network switches come back.
 *
 * @module
 */

import type { LinkState } from "../input_transport.ts";
import type { TickOutcome } from "../sessions/p2p_session.ts";
import type { StatsHistory } from "../stats_history.ts";
import type { LifecycleEvent, MatchPhase } from "./match_lifecycle.ts";
import { isFinished } from "./match_lifecycle.ts";

/** Period of the overlay graph's samples. */
export const SAMPLE_MS = 100;
/** Stalled this long on the peer's inputs: say we are waiting for them. */
export const DEFAULT_WAITING_AFTER_MS = 500;
/** Stalled this long with the link up: the peer's game has stopped (a frozen tab); end it. */
export const DEFAULT_GIVE_UP_AFTER_MS = 8000;
/** Channels open but no intro from the peer for this long: its game is not answering. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** How often a handshake that has not heard the peer's intro asks for it again. */
export const INTRO_RETRY_MS = 1000;
/**
 * How long a silent link is waited for before the match is given up (Wi-Fi drops, a switch to
 * mobile data): the match pauses meanwhile and goes on when packets flow again.
 */
export const DEFAULT_GRACE_MS = 20_000;

// The handshake's answers are asked for on every update before play: shared, not made each time.
const RETRY: LifecycleEvent = Object.freeze({ type: "handshake-retry" });
const NO_ANSWER: LifecycleEvent = Object.freeze({
  type: "failed",
  error: "your opponent's game did not answer",
});
const NO_HANDOVER: LifecycleEvent = Object.freeze({
  type: "failed",
  error: "your opponent did not hand the match over",
});

/** Options of {@link createMatchHealth}. */
export interface MatchHealthOptions {
  /** Where stalls and samples go (the overlay's). */
  history: StatsHistory;
  /** Stalled this long: say we are waiting (default {@link DEFAULT_WAITING_AFTER_MS}). */
  waitingAfterMs?: number;
  /** Stalled this long with the link up: give up (default {@link DEFAULT_GIVE_UP_AFTER_MS}). */
  giveUpAfterMs?: number;
  /** How long an interrupted link is waited for (default {@link DEFAULT_GRACE_MS}). */
  graceMs?: number;
  /** This page is taking its seat back: the handshake must also bring the peer's snapshot. */
  resuming?: boolean;
}

/** The lifecycle's view the stall check needs. */
export interface StallView {
  /** The link is interrupted (silent, or the peer's page is away with its seat held). */
  readonly interrupted: boolean;
  /** "Waiting for your opponent" is showing. */
  readonly waiting: boolean;
}

/** The runner's clocks on the peer; see the module comment. */
export interface MatchHealth {
  /** The channels opened at `nowMs`: the handshake's clock starts. */
  connected(nowMs: number): void;
  /** The link's state changed at `nowMs` (as the runner sees it). */
  link(state: LinkState, nowMs: number): void;
  /** A fresh link took over (a resume): neither interrupted nor stalled any more. */
  resumed(): void;
  /**
   * Before the session exists (or after the pairing ended), each update: the intro asked for
   * again when a retry period passed without the peer's, else null.
   */
  introRetry(phase: MatchPhase, nowMs: number): LifecycleEvent | null;
  /**
   * Then, with the phase as it is after that retry was dispatched (its own send may have brought
   * the peer's intro): the pairing given up on a peer that did not answer in time, else null.
   */
  handshakeLate(phase: MatchPhase, nowMs: number): LifecycleEvent | null;
  /** While the link is interrupted: milliseconds left of the grace period; else null. */
  graceLeft(nowMs: number): number | null;
  /** The grace period ran out: the event that ends the pairing, else null. */
  graceOver(nowMs: number): LifecycleEvent | null;
  /**
   * After a tick with `outcome`: notes a stall, and returns the event it calls for (waiting
   * shown or cleared, or the peer given up on), else null.
   */
  ticked(outcome: TickOutcome, view: StallView, nowMs: number): LifecycleEvent | null;
  /** Adds a graph sample when one is due; `readRtt` fills in the current RTT (0 if it cannot). */
  sample(nowMs: number, readRtt: (into: { rttMs: number; rttMinMs: number }) => void): void;
}

/** Creates the clocks, nothing started. */
export function createMatchHealth(opts: MatchHealthOptions): MatchHealth {
  const { history } = opts;
  const waitingAfter = opts.waitingAfterMs ?? DEFAULT_WAITING_AFTER_MS;
  const giveUpAfter = opts.giveUpAfterMs ?? DEFAULT_GIVE_UP_AFTER_MS;
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  let connectedAt = -1;
  let askedAt = -1;
  let stalledSince = -1;
  let interruptedSince = -1;
  let lastSample = -Infinity;
  // Reused by every sample: building the transport's whole stats object ten times a second for
  // one number of it was most of a sample's cost.
  const rttNow = { rttMs: 0, rttMinMs: 0 };

  const health: MatchHealth = {
    connected(nowMs) {
      connectedAt = nowMs;
    },
    link(state, nowMs) {
      if (state === "interrupted" && interruptedSince < 0) interruptedSince = nowMs;
      if (state !== "interrupted") interruptedSince = -1;
    },
    resumed() {
      interruptedSince = -1;
      stalledSince = -1;
    },
    introRetry(phase, nowMs) {
      if (phase !== "handshake" || nowMs - Math.max(connectedAt, askedAt) < INTRO_RETRY_MS) {
        return null;
      }
      askedAt = nowMs;
      return RETRY;
    },
    handshakeLate(phase, nowMs) {
      if (connectedAt < 0 || nowMs - connectedAt < HANDSHAKE_TIMEOUT_MS) return null;
      if (phase === "handshake") return NO_ANSWER;
      return opts.resuming && !isFinished(phase) ? NO_HANDOVER : null;
    },
    graceLeft(nowMs) {
      return interruptedSince < 0 ? null : Math.max(0, graceMs - (nowMs - interruptedSince));
    },
    graceOver(nowMs) {
      if (health.graceLeft(nowMs) !== 0) return null;
      return { type: "failed", error: `no word from your opponent for ${graceMs / 1000} s` };
    },
    ticked(outcome, view, nowMs) {
      if (outcome === "stalled" && view.interrupted) {
        history.stall(nowMs);
        stalledSince = -1;
      } else if (outcome === "stalled") {
        history.stall(nowMs);
        if (stalledSince < 0) stalledSince = nowMs;
        const stalledFor = nowMs - stalledSince;
        if (stalledFor >= giveUpAfter) {
          return { type: "failed", error: "your opponent's game stopped responding" };
        }
        if (stalledFor >= waitingAfter && !view.waiting) return { type: "waiting", waiting: true };
      } else if (outcome === "advanced") {
        stalledSince = -1;
        if (view.waiting) return { type: "waiting", waiting: false };
      }
      return null;
    },
    sample(nowMs, readRtt) {
      if (nowMs - lastSample < SAMPLE_MS) return;
      rttNow.rttMs = 0;
      readRtt(rttNow);
      history.sample(nowMs, rttNow.rttMs);
      lastSample = nowMs;
    },
  };
  return health;
}
