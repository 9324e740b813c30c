/**
 * WebSocket liveness without a timer per connection: one sweep every quarter of the heartbeat
 * timeout looks at each connection once. A connection heard from (any frame, pong included) since
 * the last sweep is fine; after two silent sweeps (half the timeout) it is pinged; after four (the
 * whole timeout) it is closed. Browsers answer pings by themselves, so a client needs no extra
 * message to stay connected. Pure.
 */

/** Sweeps per heartbeat timeout. */
export const SWEEPS_PER_TIMEOUT = 4;

/** What the sweep does to one connection. */
export type HeartbeatAction = "none" | "ping" | "close";

/** One sweep over one connection: its new silent-sweep count and what to do. */
export function heartbeatStep(
  silentSweeps: number,
  heard: boolean,
): { silentSweeps: number; action: HeartbeatAction } {
  if (heard) return { silentSweeps: 0, action: "none" };
  const n = silentSweeps + 1;
  if (n >= SWEEPS_PER_TIMEOUT) return { silentSweeps: n, action: "close" };
  return { silentSweeps: n, action: n === SWEEPS_PER_TIMEOUT / 2 ? "ping" : "none" };
}
