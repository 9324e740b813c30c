/**
 * What liveness decides from what it read of Redis, apart from the reading: which processes are
 * dead, whose player set is orphaned, which players are ghosts, what a heartbeat does in each
 * process state, and how often each timer runs. Plain functions, tested without Redis;
 * redis_liveness.ts does the reads, the scripts and the timers.
 *
 * @module
 */
import type { PlayerId } from "./room_registry.ts";

/** Where this process stands with Redis. */
export type ProcessState = "starting" | "running" | "lost" | "closing" | "closed";

/**
 * What a heartbeat tick does: nothing before start or once closing, refresh the key while
 * running, and come back (reap our ghosts, register again) once fenced.
 */
export function heartbeatAction(state: ProcessState): "skip" | "refresh" | "rejoin" {
  if (state === "running") return "refresh";
  if (state === "lost") return "rejoin";
  return "skip";
}

/**
 * The registered processes other than `self` whose heartbeat key is gone, given the pipelined
 * EXISTS replies in the same order (a missing or failed reply counts as alive: never reap on
 * doubt).
 */
export function deadProcesses(
  procs: readonly string[],
  alive: readonly (readonly [unknown, unknown])[],
): string[] {
  return procs.filter((_, i) => alive[i]?.[1] === 0);
}

/**
 * The process a `procplayers:<process>` key found by reconcile's scan belongs to, if it may be
 * orphaned: not this one and not in the process set (it may still be alive; the caller checks).
 */
export function orphanCandidate(
  key: string,
  prefixLength: number,
  self: string,
  known: ReadonlySet<string>,
): string | null {
  const proc = key.slice(prefixLength);
  return proc === self || known.has(proc) ? null : proc;
}

/**
 * Whether a player Redis holds for this process is a ghost: no socket here and no `connect` under
 * way. Asked per player as reconcile goes (a player may disconnect while it does).
 */
export function isGhost(
  id: PlayerId,
  local: ReadonlySet<PlayerId>,
  connecting: ReadonlySet<PlayerId>,
): boolean {
  return !local.has(id) && !connecting.has(id);
}

/** The liveness timers' periods (ms); `expire` is null when seats are never held. */
export interface LivenessPeriods {
  heartbeat: number;
  sweep: number;
  reconcile: number;
  expire: number | null;
}

/**
 * Heartbeats three times per TTL and sweeps four times (a stalled timer still refreshes before
 * the key expires), never faster than 100 ms; grace expiry ten times per grace, within 50..1000 ms.
 */
export function livenessPeriods(
  ttlMs: number,
  graceMs: number,
  reconcileMs: number,
): LivenessPeriods {
  return {
    heartbeat: Math.max(100, Math.floor(ttlMs / 3)),
    sweep: Math.max(100, Math.floor(ttlMs / 4)),
    reconcile: reconcileMs,
    expire: graceMs > 0 ? Math.max(50, Math.min(1000, Math.floor(graceMs / 10))) : null,
  };
}
