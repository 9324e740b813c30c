/**
 * The numbers a P2P session reports (for an overlay, a benchmark or a test), built from the core's
 * state and the transport's link statistics.
 *
 * @module
 */

import type { P2PCore } from "./p2p_core.ts";
import type { LinkStats } from "./session_transport.ts";

/** Numbers for an overlay or a test. */
export interface P2PSessionStats extends LinkStats {
  frame: number;
  confirmedFrame: number;
  inputDelay: number;
  maxPrediction: number;
  /** Frames currently simulated on a predicted remote input. */
  predictedFrames: number;
  rollbacks: number;
  /** Frames re-simulated by all rollbacks. */
  rollbackFrames: number;
  maxRollbackDepth: number;
  lastRollbackDepth: number;
  stalls: number;
  /** Ticks skipped by time sync. */
  skippedTicks: number;
  /** Frames we look ahead of the peer, seen from here, one-way delay included. */
  localAdvantage: number;
  /** The same, as the peer last reported it. */
  remoteAdvantage: number;
  /** Estimated frames we run ahead of the peer (negative: behind). */
  skew: number;
  /** Peer checksums compared with ours. */
  checksumsChecked: number;
  desyncs: number;
  /** Ticks that simulated an extra frame to catch up with the peer (time sync). */
  catchUps: number;
  /** Hostile or broken messages ignored, here and in the transport. */
  malformed: number;
  /** Traffic refused: inputs held back, implausible time-sync samples, the transport's own. */
  rejected: number;
}

/** The stats of `core` with the transport's `link` numbers. */
export function sessionStats(core: P2PCore, link: LinkStats): P2PSessionStats {
  const c = core.counters;
  return {
    frame: core.sync.frame,
    confirmedFrame: core.lastFinal,
    inputDelay: core.inputDelay,
    maxPrediction: core.config.maxPrediction,
    predictedFrames: Math.max(0, core.sync.frame - 1 - core.remote.confirmedFrame),
    rollbacks: c.rollbacks,
    rollbackFrames: c.rollbackFrames,
    maxRollbackDepth: c.maxRollbackDepth,
    lastRollbackDepth: c.lastRollbackDepth,
    stalls: c.stalls,
    skippedTicks: c.skippedTicks,
    checksumsChecked: core.desync.checksumsChecked,
    desyncs: core.desync.desyncs,
    catchUps: c.catchUps,
    malformed: core.desync.malformed + (link.malformed ?? 0),
    rejected: c.rejected + core.timeSync.rejected + (link.rejected ?? 0),
    localAdvantage: core.timeSync.skew,
    remoteAdvantage: core.remoteAdvantage,
    skew: core.timeSync.skew,
    rttMs: link.rttMs,
    lossRate: link.lossRate,
    packetsSent: link.packetsSent,
    packetsReceived: link.packetsReceived,
    packetsLost: link.packetsLost,
  };
}
