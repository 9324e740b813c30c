/**
 * What the match runner tells its listeners, and how it is read off the runner's parts: a step
 * of the lifecycle machine ({@link lifecycleNews}) and an event of the rollback session
 * ({@link sessionNews}). Pure: the runner queues the events and delivers them after its own work.
 *
 * @module
 */

import type { SessionEvent } from "../sessions/session_event.ts";
import type { MatchSetup } from "./match_game.ts";
import type { CloseReason, LifecycleState, MatchPhase } from "./match_lifecycle.ts";

/** What happened, for listeners. Delivered after the runner's own work, in order. */
export type MatchEvent =
  | { type: "phase"; phase: MatchPhase; previous: MatchPhase }
  | { type: "waiting"; waiting: boolean }
  | { type: "closed"; reason: CloseReason; message: string }
  | { type: "problem"; message: string }
  | { type: "rematch-requested"; by: "local" | "remote" }
  | { type: "started"; setup: MatchSetup };

/** The events a lifecycle step from `before` to `after` means for listeners, in order. */
export function lifecycleNews(before: LifecycleState, after: LifecycleState): MatchEvent[] {
  const out: MatchEvent[] = [];
  if (after.phase !== before.phase) {
    out.push({ type: "phase", phase: after.phase, previous: before.phase });
    if (after.phase === "closed" && after.closeReason) {
      out.push({ type: "closed", reason: after.closeReason, message: after.message ?? "" });
    }
  }
  if (after.waiting !== before.waiting) out.push({ type: "waiting", waiting: after.waiting });
  if (after.rematch.remote && !before.rematch.remote) {
    out.push({ type: "rematch-requested", by: "remote" });
  }
  if (after.rematch.local && !before.rematch.local) {
    out.push({ type: "rematch-requested", by: "local" });
  }
  return out;
}

/** What a session event means to the runner: a problem to show, and a pairing to end. */
export interface SessionNews {
  problem?: string;
  /** Set when the session cannot go on: the reason the pairing fails. */
  failed?: string;
}

/** Reads a session event other than a rollback (the stats' business); null: nothing to say. */
export function sessionNews(e: SessionEvent): SessionNews | null {
  if (e.type === "desync") {
    return { problem: `Desync at frame ${e.frame}: ${hex(e.local)} here, ${hex(e.remote)} there` };
  }
  if (e.type === "error") {
    // A stopped session never advances again: end the pairing rather than freeze the screen.
    return { problem: `Session stopped: ${e.message}`, failed: e.message };
  }
  return null;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}
