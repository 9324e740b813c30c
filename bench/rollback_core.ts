// The rollback-cost measurement itself, shared by Deno and the Chromium page (bundled): no Deno
// APIs and no DOM, only performance.now().
import { createHockey } from "../game/examples/air_hockey/sim/hockey.ts";
import { createSyncLayer } from "../game/net/sync_layer.ts";
import { BACK, DASH, DOWN, FORWARD, UP } from "../game/examples/air_hockey/sim/input_bits.ts";

/** Per-tick cost of one rollback depth. Times in µs; a "tick" is one 60 Hz frame of work. */
export interface RollbackMeasurement {
  depth: number;
  ticks: number;
  batchTicks: number;
  /** Mean rollback depth actually performed per tick (should equal `depth`). */
  meanDepth: number;
  /** µs per tick of each batch (batch time / batchTicks): the sample set for percentiles. */
  batchUsPerTick: number[];
}

/** The local player's input: a varied but deterministic pattern that keeps the mallet moving. */
function localInput(frame: number): number {
  const phase = (frame >> 4) & 3;
  return [UP | FORWARD, DOWN | FORWARD, UP | BACK, DOWN | BACK][phase] |
    ((frame & 63) === 0 ? DASH : 0);
}

/**
 * The remote player's input flips every frame, so "repeat the last input" (the default
 * prediction) is wrong for every frame and each late input forces a rollback of exactly `depth`.
 */
function remoteInput(frame: number): number {
  return frame & 1 ? UP | FORWARD : DOWN | BACK;
}

/**
 * Runs the demo game (air hockey) under the real sync layer for `ticks` ticks, with the remote
 * input arriving `depth` frames late and mispredicted every frame: each tick loads the state
 * `depth` frames back, re-simulates `depth` frames and advances one (saving and checksumming every
 * frame, as the session does). Depth 0 is the plain tick: save, advance, checksum.
 */
export function measureRollback(
  depth: number,
  ticks: number,
  batchTicks = 60,
): RollbackMeasurement {
  const game = createHockey({ pointsToWin: 0, timeLimitTicks: 1_000_000, seed: 7 });
  const sync = createSyncLayer({ game, maxRollback: Math.max(depth, 1), inputCapacity: 256 });
  const warm = 240; // past the start countdown, so the puck and mallets move
  const batches: number[] = [];
  let depthSum = 0, measured = 0, t0 = 0;
  for (let f = 0; f < warm + ticks; f++) {
    if (f >= warm && (f - warm) % batchTicks === 0) {
      if (f > warm) batches.push(((performance.now() - t0) * 1000) / batchTicks);
      t0 = performance.now();
    }
    sync.queues[0].add(f, localInput(f));
    if (depth === 0) sync.queues[1].add(f, remoteInput(f));
    else if (f >= depth) sync.queues[1].add(f - depth, remoteInput(f - depth));
    const d = sync.rollback();
    sync.advance();
    if (f >= warm) depthSum += d, measured++;
    if (f > 64) sync.discardBefore(f - 32);
  }
  if (ticks % batchTicks === 0) batches.push(((performance.now() - t0) * 1000) / batchTicks);
  return {
    depth,
    ticks,
    batchTicks,
    meanDepth: depthSum / Math.max(1, measured),
    batchUsPerTick: batches,
  };
}
