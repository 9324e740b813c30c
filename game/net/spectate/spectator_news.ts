/**
 * What a spectator tells its listeners, and how it is read off a step of the spectate lifecycle
 * (spectate_lifecycle.ts). Pure: the driver (spectate_driver.ts) queues the events and delivers them
 * after its own work, as the match runner does with match_events.ts.
 *
 * @module
 */

import type { SpectatorStreamEnd } from "../lobby_connection.ts";
import type { MatchSetup } from "../match/match_game.ts";
import type { SpectatePhase, SpectateState } from "./spectate_lifecycle.ts";

/** What happened, for listeners (the shape of runMatch's events). */
export type SpectatorEvent =
  | { type: "phase"; phase: SpectatePhase; previous: SpectatePhase }
  | { type: "started"; setup: MatchSetup }
  | { type: "closed"; reason: SpectatorStreamEnd | "failed"; message: string };

/** The events a lifecycle step from `before` to `after` means for listeners, in order. */
export function spectateNews(before: SpectateState, after: SpectateState): SpectatorEvent[] {
  if (after.phase === before.phase) return [];
  const out: SpectatorEvent[] = [{ type: "phase", phase: after.phase, previous: before.phase }];
  if (after.phase === "closed") {
    // A close with no lobby reason is the spectator's own failure (a bad stream, a game throw).
    out.push({ type: "closed", reason: after.ended ?? "failed", message: after.message ?? "" });
  }
  return out;
}
