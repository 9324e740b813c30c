/**
 * What a P2P session tells its owner: the events of `onEvent` and the outcome of one tick.
 *
 * @module
 */

import type { ControlMessage } from "../../../shared/peer_protocol.ts";
import type { LinkState } from "../input_transport.ts";

/** Events a session raises (see `onEvent`). */
export type SessionEvent =
  /** A prediction was wrong: `depth` frames from `frame` were re-simulated. */
  | { type: "rollback"; frame: number; depth: number }
  /** The tick did not advance: `frame` would have predicted more than maxPrediction frames. */
  | { type: "stall"; frame: number }
  /** The peer's checksum of a confirmed frame differs from ours. */
  | { type: "desync"; frame: number; local: number; remote: number }
  /** The peer's state dump for a desynced frame, with ours if we kept it. */
  | { type: "desync-state"; frame: number; local: Uint8Array | null; remote: Uint8Array }
  /** The transport's link state changed. */
  | { type: "link"; state: LinkState }
  /** A control message the session does not consume (app, bye, hello). */
  | { type: "message"; message: ControlMessage }
  /** The peer broke the input stream (out of order or far beyond the window); session stopped. */
  | { type: "error"; message: string };

/** What one tick did. */
export type TickOutcome = "advanced" | "stalled" | "skipped" | "stopped";
