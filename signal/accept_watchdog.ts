/**
 * Noticing a listener that stopped accepting. Under Deno, a `node:http` server whose accept() once
 * failed with EMFILE ("too many open files") never accepts again, and says nothing (checked with
 * Deno 2.9: no `error` event, no retry). The socket cap keeps the lobby below the descriptor limit,
 * but something else (a burst, a leak elsewhere in the process) could still push it over. So: when
 * a whole interval passed without any accepted connection, the server connects to itself; if that
 * connection is not accepted within the probe timeout, the listener is replaced (closed and opened
 * again on the same port, which Deno does accept from). A tick that comes late (the event loop was
 * starved, so a probe could not have been accepted in time either) proves nothing: the probe
 * starts over instead of replacing a listener that may be fine.
 *
 * Pure: `(state, event) -> {state, effect}`; the server runs the probe and the relisten.
 */

/** The watchdog's state. */
export interface WatchdogState {
  /** A connection was accepted since the last tick (or probe). */
  accepted: boolean;
  /** When the probe in flight started, or null. */
  probeSince: number | null;
  /** When the last tick ran, or null before the first. */
  lastTick: number | null;
}

/** What happened. */
export type WatchdogEvent =
  | { type: "accepted" }
  | { type: "tick"; now: number }
  /** The probe could not even connect (refused, or no descriptor for it). */
  | { type: "probe-failed"; now: number };

/** What the server should do. */
export type WatchdogEffect = "none" | "probe" | "relisten";

/** The state of a listener that just started. */
export const WATCHDOG_START: WatchdogState = { accepted: true, probeSince: null, lastTick: null };

/** One step of the watchdog. */
export function watchdogStep(
  state: WatchdogState,
  event: WatchdogEvent,
  probeTimeoutMs: number,
): { state: WatchdogState; effect: WatchdogEffect } {
  switch (event.type) {
    case "accepted":
      return { state: { ...state, accepted: true, probeSince: null }, effect: "none" };
    case "probe-failed":
      // Refused: the listener is gone. Out of descriptors: the same stall is likely; relisten
      // frees and retakes the listening descriptor either way.
      return { state: { ...state, accepted: false, probeSince: null }, effect: "relisten" };
    case "tick": {
      const late = state.lastTick !== null && event.now - state.lastTick > 1.5 * probeTimeoutMs;
      const base = { ...state, lastTick: event.now };
      if (state.accepted || late) {
        return { state: { ...base, accepted: false, probeSince: null }, effect: "none" };
      }
      if (state.probeSince === null) {
        return { state: { ...base, probeSince: event.now }, effect: "probe" };
      }
      if (event.now - state.probeSince >= probeTimeoutMs) {
        return { state: { ...base, probeSince: null }, effect: "relisten" };
      }
      return { state: base, effect: "none" };
    }
  }
}
