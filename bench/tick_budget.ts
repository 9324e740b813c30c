// Benchmark 7: the netcode's main-thread time per animation frame in Chromium at 60 Hz, with no
// rollback to speak of and with deep (~8-frame) rollbacks. Two pages of one headless Chromium play
// a bot match of the example game through its real match runner (page_tick.ts) over a real duet
// connection; the deep case delays each page's input packets by the seeded simulator and plays
// with input delay 0, so every wrong prediction is corrected ~8 frames late.
//
// Rendering (Phaser) is not in the bench page: its share of a frame is not measured here.
//
// usage: deno run -A bench/tick_budget.ts [--quick] [--out FILE]   (inside a loopback-only namespace)
import { call, openBrowser } from "./browser.ts";
import { startLobbyProcess } from "../signal/testing/lobby_process.ts";
import { round, roundSummary, summarize, type Summary } from "./stats.ts";
import { parseArgs, writeJson } from "./cli.ts";
import type { TickRunResult } from "./page_tick.ts";

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
}

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
  };
}

/** Runs every condition on one browser and one lobby. */
export async function runTickBudget(quick: boolean, port = 18_900) {
  const seconds = quick ? 3 : 15;
  const rows: TickRow[] = [];
  const errors: string[] = [];
  const b = await openBrowser();
  const lobby = await startLobbyProcess({ PORT: String(port), LOG_LEVEL: "warn" });
  try {
    const [p1, p2] = [await b.newPage(), await b.newPage()];
    for (const c of TICK_CONDITIONS) {
      try {
        await Promise.all([call(p1, "duetReady", lobby.ws), call(p2, "duetReady", lobby.ws)]);
        const code = await call(p1, "duetCreate");
        await call(p2, "duetJoin", code);
        await Promise.all([call(p1, "duetResult"), call(p2, "duetResult")]);
        const pages = await Promise.all([
          call(p1, "tickRun", seconds, c.delayMs, c.inputDelay, 11),
          call(p2, "tickRun", seconds, c.delayMs, c.inputDelay, 12),
        ]);
        const row = tickRow(c, seconds, pages);
        rows.push(row);
        console.error(
          `  tick ${c.rollbackFrames} frames: netcode p50 ${row.netcodeMs.p50} p99 ` +
            `${row.netcodeMs.p99} max ${row.netcodeMs.max} ms over ${row.frames} frames; rollback ` +
            `depth mean ${row.meanRollbackDepth} max ${row.maxRollbackDepth}, ` +
            `${row.rollbacksPerS}/s; stalls ${row.stalls}`,
        );
      } catch (e) {
        errors.push(`${c.rollbackFrames} frames: ${(e as Error).message}`);
      } finally {
        await Promise.all([call(p1, "duetClose"), call(p2, "duetClose")]).catch(() => {});
      }
    }
  } finally {
    await lobby.stop();
    await b.close();
  }
  return {
    tick: {
      conditions: `headless Chromium ${b.version}, two pages of one browser, loopback; a bot ` +
        `match of the example (game/app/match_runner.ts, air hockey) driven from ` +
        `requestAnimationFrame for ${seconds} s of play per condition; netcode per frame = the ` +
        `runner's update plus the packet handlers since the previous frame; both pages pooled. ` +
        `Deep rollback: input packets delayed by the seeded simulator, input delay 0. Rendering ` +
        `(Phaser) is not part of this page and not measured.`,
      chromium: b.version,
      rows,
      errors,
    },
  };
}

if (import.meta.main) {
  const a = parseArgs(Deno.args);
  await writeJson(a.out, await runTickBudget(a.quick));
}
