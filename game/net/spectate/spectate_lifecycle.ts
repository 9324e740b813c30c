/**
 * A spectator's lifecycle as a pure reducer: what the lobby said (`watching`, `stream`,
 * `stream-end`), what the simulation showed (the match over, or a rematch under way) and what
 * the viewer did (leave) go in; the phase and the effects for the driver (spectate_driver.ts) come
 * out.
 * The simulation itself is spectator_session.ts; this only decides when it starts, what it is fed
 * and when the watching is over.
 *
 *     connecting ──watching + header──> playing <──rematch──> ended (the match is over on screen)
 *          │  (no header yet: the first stream batch brings it)       │
 *          └──── failed / bad stream ──> closed <── stream-end, played out ──┘
 *     any ── leave ──> left
 *
 * Phases are MatchPhase values, so a game's renderer and end screen serve both modes.
 *
 * @module
 */

import type { StreamHeader } from "../../../shared/lobby_protocol.ts";
import type { SpectatorStreamEnd } from "../lobby_connection.ts";

/** The spectator's phase (a subset of MatchPhase). */
export type SpectatePhase = "connecting" | "playing" | "ended" | "closed" | "left";

/** The lifecycle's state. */
export interface SpectateState {
  readonly phase: SpectatePhase;
  /** The match's header, once known. */
  readonly header: StreamHeader | null;
  /** Why the stream ended (the lobby's reason, or "failed"), once it did. */
  readonly ended: SpectatorStreamEnd | "failed" | null;
  /** A sentence for the viewer once the watching is over. */
  readonly message: string | null;
}

/** What can happen. */
export type SpectateEvent =
  | { type: "watching"; header?: StreamHeader }
  /** `inputs` null: the batch was not whole frames of hex. */
  | { type: "stream"; from: number; inputs: Uint8Array | null; header?: StreamHeader }
  | { type: "stream-end"; reason: SpectatorStreamEnd }
  /** The simulation after an update: is the match over, and has everything received been shown. */
  | { type: "simulated"; over: boolean; playedOut: boolean }
  /** The session refused a batch (a gap, or a rewrite of history). */
  | { type: "rejected" }
  | { type: "failed"; error: string }
  | { type: "leave" };

/** What the shell must do, in order. */
export type SpectateEffect =
  | { type: "start"; header: StreamHeader }
  | { type: "push"; from: number; inputs: Uint8Array }
  | { type: "end"; reason: string }
  | { type: "leave-lobby" };

/** The start state: `watch` sent, nothing known. */
export const SPECTATE_START: SpectateState = {
  phase: "connecting",
  header: null,
  ended: null,
  message: null,
};

const END_MESSAGES: Record<SpectatorStreamEnd, string> = {
  "match-over": "The match is over.",
  "player-left": "A player left the match.",
  "too-long": "This match ran too long for the lobby to keep streaming it.",
  "bad-stream": "The match's stream broke off.",
  "connection-lost": "Lost the connection to the lobby.",
};

/** The sentence shown when a stream ends for `reason`. */
export function endMessage(reason: SpectatorStreamEnd): string {
  return END_MESSAGES[reason];
}

const done = (p: SpectatePhase) => p === "closed" || p === "left";

/** One step of the lifecycle. */
export function spectateStep(
  state: SpectateState,
  event: SpectateEvent,
): { state: SpectateState; effects: SpectateEffect[] } {
  const none = { state, effects: [] };
  if (done(state.phase)) return none;
  const close = (ended: SpectatorStreamEnd | "failed", message: string) => ({
    state: { ...state, phase: "closed" as const, ended, message },
    effects: [{ type: "end" as const, reason: message }],
  });
  switch (event.type) {
    case "watching":
      if (state.header !== null || event.header === undefined) return none;
      return {
        state: { ...state, phase: "playing", header: event.header },
        effects: [{ type: "start", header: event.header }],
      };
    case "stream": {
      if (state.ended !== null) return none;
      if (event.inputs === null) return close("failed", "The match's stream was damaged.");
      const effects: SpectateEffect[] = [];
      let next = state;
      if (state.header === null) {
        if (event.header === undefined) {
          return close("failed", "The match's stream came without its header.");
        }
        next = { ...state, phase: "playing", header: event.header };
        effects.push({ type: "start", header: event.header });
      }
      effects.push({ type: "push", from: event.from, inputs: event.inputs });
      return { state: next, effects };
    }
    case "rejected":
      return close("failed", "The match's stream skipped frames.");
    case "stream-end": {
      if (state.ended !== null) return none;
      const message = endMessage(event.reason);
      // Nothing to play out before the match even started: over at once.
      if (state.header === null) return close(event.reason, message);
      return {
        state: { ...state, ended: event.reason, message },
        effects: [{ type: "end", reason: message }],
      };
    }
    case "simulated": {
      if (state.phase === "connecting") return none;
      // The stream is over and everything received is on screen: watching is over.
      if (state.ended !== null && event.playedOut) {
        return { state: { ...state, phase: event.over ? "ended" : "closed" }, effects: [] };
      }
      const phase = event.over ? "ended" : "playing";
      return phase === state.phase ? none : { state: { ...state, phase }, effects: [] };
    }
    case "failed":
      return close("failed", event.error);
    case "leave":
      return { state: { ...state, phase: "left" }, effects: [{ type: "leave-lobby" }] };
  }
}
