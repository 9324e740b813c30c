/**
 * What a spectator's overlay shows, read off its session. Pure; before the session exists
 * (no header yet) every count is zero.
 *
 * @module
 */

import type { RollbackGame } from "../game.ts";
import type { SpectatorSession } from "./spectator_session.ts";

/** What a spectator's overlay shows. */
export interface SpectatorStats {
  /** Frames simulated (the next frame is this one). */
  frame: number;
  /** The newest frame simulated, as a player's `confirmedFrame` (-1 before any). */
  confirmedFrame: number;
  /** Frames received (the live edge as the lobby relays it). */
  received: number;
  /** Frames received but not yet shown. */
  behind: number;
  fastForwarding: boolean;
  /** Batches refused (gaps, rewrites). */
  rejected: number;
}

/** The stats of `session`, or of no session yet. */
export function spectatorStats<G extends RollbackGame>(
  session: SpectatorSession<G> | null,
): SpectatorStats {
  return {
    frame: session?.frame ?? 0,
    confirmedFrame: (session?.frame ?? 0) - 1,
    received: session?.received ?? 0,
    behind: session ? session.received - session.frame : 0,
    fastForwarding: session?.fastForwarding ?? false,
    rejected: session?.rejected ?? 0,
  };
}
