// The input-latency benchmark's arithmetic, apart from the browser driving (input_latency.ts) so
// it is tested without Chromium: per-frame latency, frames lost to the game, stall episodes.
import type { InputRunResult } from "./page_input.ts";
import { roundSummary, summarize, type Summary } from "./stats.ts";

/** A rollback session with input delay 2 and 8 frames of prediction stalls past this latency. */
export const INPUT_DELAY_FRAMES = 2;
/** See {@link INPUT_DELAY_FRAMES}. */
export const MAX_PREDICTION_FRAMES = 8;
/** Latency (ms) beyond which the receiving session would have to stall. */
export const STALL_AFTER_MS = ((INPUT_DELAY_FRAMES + MAX_PREDICTION_FRAMES) * 1000) / 60;

/** Latency figures of one way of sending, both directions pooled. */
export interface DeliveryStats {
  latencyMs: Summary;
  framesSent: number;
  framesLost: number;
  /** Runs of consecutive frames later than STALL_AFTER_MS (each would stall the session once). */
  stalls: number;
  stalledFrames: number;
}

/** Latencies and losses of one direction: frames `sent` by one page, `recv` by the other. */
export function deliveries(sent: readonly number[], recv: readonly number[]) {
  const latencies: number[] = [];
  let lost = 0, stalls = 0, stalledFrames = 0, late = false;
  for (let f = 0; f < sent.length; f++) {
    if (!Number.isFinite(sent[f])) continue;
    if (!Number.isFinite(recv[f])) {
      lost++;
      late = false;
      continue;
    }
    const ms = recv[f] - sent[f];
    latencies.push(ms);
    if (ms > STALL_AFTER_MS) {
      stalledFrames++;
      if (!late) stalls++;
      late = true;
    } else late = false;
  }
  return { latencies, lost, stalls, stalledFrames };
}

/** Pools both directions (a->b and b->a) of one way of sending into its figures. */
export function analyse(
  a: InputRunResult,
  b: InputRunResult,
  kind: "duet" | "reliable",
): DeliveryStats & { samples: number[] } {
  const sentA = kind === "duet" ? a.sentDuet : a.sentReliable;
  const sentB = kind === "duet" ? b.sentDuet : b.sentReliable;
  const recvA = kind === "duet" ? a.recvDuet : a.recvReliable;
  const recvB = kind === "duet" ? b.recvDuet : b.recvReliable;
  const ab = deliveries(sentA, recvB), ba = deliveries(sentB, recvA);
  const samples = ab.latencies.concat(ba.latencies);
  return {
    latencyMs: roundSummary(summarize(samples), 2),
    framesSent: sentA.filter(Number.isFinite).length + sentB.filter(Number.isFinite).length,
    framesLost: ab.lost + ba.lost,
    stalls: ab.stalls + ba.stalls,
    stalledFrames: ab.stalledFrames + ba.stalledFrames,
    samples,
  };
}

/** What duet's transport put on the wire per direction, averaged over both pages. */
export interface SendRates {
  /** Input packets per second (inputs, resends and keepalives). */
  packetsPerS: number;
  /** Of those, the transport's scheduled resends per second. */
  resendsPerS: number;
  /** DataChannel payload bytes per second on both channels (inputs, pings, pongs, bye). */
  bytesPerS: number;
}

/**
 * Per-direction send rates from each page's final transport counters over `seconds` of run. The
 * counters also cover the drain after the last frame (keepalives only, no resends), so a run of
 * N s with D s of drain gives rates a little below the steady state of play.
 */
export function sendRates(
  pages: readonly { stats: Record<string, number> }[],
  seconds: number,
): SendRates {
  if (!(seconds > 0)) throw new RangeError(`sendRates: seconds must be > 0, got ${seconds}`);
  const mean = (key: string) => {
    const v = pages.map((p) => p.stats[key]).filter(Number.isFinite);
    return v.length ? v.reduce((x, y) => x + y, 0) / v.length / seconds : NaN;
  };
  return {
    packetsPerS: mean("packetsSent"),
    resendsPerS: mean("resends"),
    bytesPerS: mean("bytesSent"),
  };
}

/** Parses `--impair 20,5` into delay and loss. */
export function parseImpair(text: string | null): { delayMs: number; lossPct: number } {
  if (!text) return { delayMs: 0, lossPct: 0 };
  const m = /^(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)$/.exec(text);
  if (!m) throw new Error(`--impair wants DELAY_MS,LOSS_PCT (e.g. 20,5), got "${text}"`);
  return { delayMs: Number(m[1]), lossPct: Number(m[2]) };
}
