/**
 * The numbers of a running match in one flat object, for `window.duet.stats()`, overlays and
 * support requests: link (RTT, loss, packets), rollback (frames, rollbacks and their depth,
 * predictions, stalls, time sync) and the last second's rates from the stats history.
 *
 * @module
 */

import type { ConnectionPath } from "../connection_path.ts";
import type { TransportStats } from "../input_transport.ts";
import type { P2PSessionStats } from "../sessions/p2p_session.ts";
import type { StatsHistory } from "../stats_history.ts";

/** Numbers for `window.duet.stats()` and the overlay. */
export interface MatchStats {
  /** The lobby's session id of the pairing ("" before one). */
  session: string;
  rtt: number;
  rttLast: number;
  loss: number;
  frame: number;
  confirmedFrame: number;
  rollbacks: number;
  rollbackFrames: number;
  maxRollbackDepth: number;
  lastRollbackDepth: number;
  inputDelay: number;
  packetsSent: number;
  packetsReceived: number;
  packetsLost: number;
  predictedFrames: number;
  stalls: number;
  skippedTicks: number;
  frameAdvantage: number;
  remoteAdvantage: number;
  desyncs: number;
  checksumsChecked: number;
  rollbacksPerSecond: number;
  maxDepthLastSecond: number;
  stallsPerSecond: number;
  /** The current match of the pairing (0-based; one more per rematch). */
  match: number;
  /** The network path (direct or relayed, candidate types, protocols); null before it is known. */
  path: ConnectionPath | null;
}

/** Builds the flat stats from whatever exists yet (any part may be missing). */
export function matchStats(
  parts: {
    session?: string;
    transport?: TransportStats | null;
    rollback?: P2PSessionStats | null;
    history?: StatsHistory | null;
    match?: number;
    path?: ConnectionPath | null;
  },
  now: number,
): MatchStats {
  const t = parts.transport;
  const s = parts.rollback;
  const history = parts.history;
  return {
    session: parts.session ?? "",
    rtt: t?.rttMs ?? 0,
    rttLast: t?.rttLastMs ?? 0,
    loss: t?.lossRate ?? 0,
    frame: s?.frame ?? 0,
    confirmedFrame: s?.confirmedFrame ?? -1,
    rollbacks: s?.rollbacks ?? 0,
    rollbackFrames: s?.rollbackFrames ?? 0,
    maxRollbackDepth: s?.maxRollbackDepth ?? 0,
    lastRollbackDepth: s?.lastRollbackDepth ?? 0,
    inputDelay: s?.inputDelay ?? 0,
    packetsSent: t?.packetsSent ?? 0,
    packetsReceived: t?.packetsReceived ?? 0,
    packetsLost: t?.packetsLost ?? 0,
    predictedFrames: s?.predictedFrames ?? 0,
    stalls: s?.stalls ?? 0,
    skippedTicks: s?.skippedTicks ?? 0,
    frameAdvantage: s?.localAdvantage ?? 0,
    remoteAdvantage: s?.remoteAdvantage ?? 0,
    desyncs: s?.desyncs ?? 0,
    checksumsChecked: s?.checksumsChecked ?? 0,
    rollbacksPerSecond: history?.rollbacksPerSecond(now) ?? 0,
    maxDepthLastSecond: history?.maxDepth(now) ?? 0,
    stallsPerSecond: history?.stallsPerSecond(now) ?? 0,
    match: parts.match ?? 0,
    path: parts.path ?? null,
  };
}

/** The stats of no match at all (before the first one): every figure at its resting value. */
export function emptyMatchStats(): MatchStats {
  return matchStats({}, 0);
}
