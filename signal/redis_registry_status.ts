/**
 * What the Redis registry reports to health checks and metrics, read from plain values so each
 * case is tested without Redis: whether this process is ready, and the room counts by state.
 *
 * @module
 */
import type { RoomState } from "../shared/lobby_protocol.ts";
import type { RegistryStatus } from "./lobby_registry.ts";
import type { ProcessState } from "./redis_liveness_decisions.ts";

/** What readiness looks at. */
export interface ProcessReadout {
  state: ProcessState;
  processId: string;
  /** All three Redis connections are ready. */
  clientReady: boolean;
  /** The connections' statuses, for the detail. */
  clientStatus: string;
  /** Since the last heartbeat landed (ms). */
  heartbeatAgeMs: number;
  ttlMs: number;
}

/**
 * Ready only while running on ready connections with a heartbeat younger than the TTL: past it,
 * other processes may already have swept this one as dead.
 */
export function registryStatus(r: ProcessReadout): RegistryStatus {
  if (r.state !== "running") return { ready: false, detail: `redis registry ${r.state}` };
  if (!r.clientReady) return { ready: false, detail: `redis ${r.clientStatus}` };
  if (r.heartbeatAgeMs > r.ttlMs) return { ready: false, detail: "heartbeat overdue" };
  return { ready: true, detail: `redis process ${r.processId}` };
}

/** Room counts from the `states` hash; a damaged counter reads as 0, never NaN in /metrics. */
export function roomStateCounts(raw: Record<string, string>): Record<RoomState, number> {
  const n = (s: RoomState) => {
    const x = Number(raw[s] ?? 0);
    return Number.isFinite(x) ? Math.max(0, x) : 0;
  };
  return { open: n("open"), full: n("full"), playing: n("playing") };
}
