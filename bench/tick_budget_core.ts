// The pure part of the tick-budget benchmark (tick_budget.ts): its conditions and how a row of
// the report is made from what the pages measured. No browser here, so it is unit-testable
// without Playwright.
import { round, roundSummary, summarize, type Summary } from "./stats.ts";
import type { TickRunResult } from "./page_tick.ts";
import type { TraceSummary } from "./tick_trace.ts";

/** One condition of the benchmark. */
export interface TickCondition {
  /** The rollback depth this condition aims at (the report's row label). */
  rollbackFrames: 0 | 8;
  /** One-way delay the simulator adds to each page's input packets. */
  delayMs: number;
  inputDelay: number;
}

/** 0 frames: loopback, the default input delay. 8 frames: 8 x 16.7 ms late, no input delay. */
export const TICK_CONDITIONS: readonly TickCondition[] = [
  { rollbackFrames: 0, delayMs: 0, inputDelay: 2 },
  { rollbackFrames: 8, delayMs: 118, inputDelay: 0 },
];

/** One row of the report. */
export interface TickRow extends TickCondition {
  frames: number;
  netcodeMs: Summary;
  meanRollbackDepth: number;
  maxRollbackDepth: number;
  rollbacksPerS: number;
  stalls: number;
  crossOriginIsolated: boolean;
  /** Frames in which the heap shrank (a GC ran), -1 when the pages cannot tell. */
  gcFrames: number;
  /** Netcode p99 over the frames without a GC (what is left of the tail without GC pauses). */
  noGcP99: number;
  /** Netcode p99 over each page's second half of frames (warm code: no JIT cold start). */
  warmP99: number;
  /**
   * The slowest 1% of frames (at or above the pooled p99): how many, their mean ticks run, mean
   * packet-handler ms, and how many had a GC. Says what the tail is made of.
   */
  tail: {
    frames: number;
    meanTicks: number;
    meanHandlerMs: number;
    meanSendMs: number;
    gcFrames: number;
  };
  /** Median per frame of the time in DataChannel sends (resend timer's included). */
  sendMsP50: number;
  /** The example page's whole frame (Phaser's step) under the same condition, if measured. */
  frameMs?: Summary;
  /** Frame p50 minus netcode p50: rendering and the scene's own update. */
  renderMsP50?: number;
  /** The traced pass of the same condition: wall and on-CPU netcode per frame, if it ran. */
  traced?: TracedRow;
}

/**
 * The traced pass's summary of a condition, the pages' cost of one mark (µs, mean) and whether
 * the V8 sampler ran in it (callees named, marks dearer).
 */
export type TracedRow = TraceSummary & { markUs: number; sampler: boolean };

/** Pools both pages of one condition into its row. */
export function tickRow(c: TickCondition, seconds: number, pages: TickRunResult[]): TickRow {
  const ms = pages.flatMap((p) => p.netcodeMs);
  const rollbacks = pages.reduce((a, p) => a + p.rollbacks, 0);
  const rolled = pages.reduce((a, p) => a + p.rollbackFrames, 0);
  return {
    ...c,
    frames: ms.length,
    netcodeMs: roundSummary(summarize(ms), 3),
    meanRollbackDepth: rollbacks ? round(rolled / rollbacks, 2) : 0,
    maxRollbackDepth: Math.max(0, ...pages.map((p) => p.maxRollbackDepth)),
    rollbacksPerS: round(rollbacks / pages.length / seconds, 1),
    stalls: pages.reduce((a, p) => a + p.stalls, 0),
    crossOriginIsolated: pages.every((p) => p.crossOriginIsolated),
    gcFrames: pages.some((p) => (p.gcPerFrame ?? []).some((g) => g < 0))
      ? -1
      : pages.reduce((a, p) => a + (p.gcPerFrame ?? []).filter((g) => g === 1).length, 0),
    noGcP99: p99(pages.flatMap((p) => p.netcodeMs.filter((_, i) => p.gcPerFrame?.[i] !== 1))),
    warmP99: p99(pages.flatMap((p) => p.netcodeMs.slice(p.netcodeMs.length >> 1))),
    tail: tailOf(pages, summarize(ms).p99),
    sendMsP50: round(summarize(pages.flatMap((p) => p.sendMs ?? [])).p50 || 0, 3),
  };
}

function tailOf(pages: TickRunResult[], cut: number): TickRow["tail"] {
  let frames = 0, ticks = 0, handler = 0, send = 0, gc = 0;
  for (const p of pages) {
    p.netcodeMs.forEach((ms, i) => {
      if (!(ms >= cut)) return;
      frames++;
      ticks += p.ticksPerFrame[i] ?? 0;
      handler += p.handlerMs?.[i] ?? 0;
      send += p.sendMs?.[i] ?? 0;
      if (p.gcPerFrame?.[i] === 1) gc++;
    });
  }
  return {
    frames,
    meanTicks: frames ? round(ticks / frames, 2) : 0,
    meanHandlerMs: frames ? round(handler / frames, 3) : 0,
    meanSendMs: frames ? round(send / frames, 3) : 0,
    gcFrames: gc,
  };
}

function p99(ms: number[]): number {
  return ms.length ? round(summarize(ms).p99, 3) : NaN;
}

/** Times every requestAnimationFrame callback of a page into `__duetFrameMs` (Phaser's step). */
export const FRAME_TIMER = `(() => {
  const raf = window.requestAnimationFrame.bind(window);
  const times = [];
  window.__duetFrameMs = times;
  window.requestAnimationFrame = (cb) => raf((t) => {
    const t0 = performance.now();
    try { cb(t); } finally { times.push(performance.now() - t0); }
  });
})();`;

/** The example page's URL query for a condition (a bot match, the condition's delays). */
export function examplePageQuery(c: TickCondition, bot: number): string {
  const q = [`quick`, `bot=${bot}`, `name=bench${bot}`, `renderer=canvas`, `delay=${c.inputDelay}`];
  if (c.delayMs > 0) q.push(`sim=delay:${c.delayMs},seed:${bot}`);
  return "?" + q.join("&");
}
