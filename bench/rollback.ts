// Benchmark 5: cost of a tick of the demo game (air hockey) under the real sync layer with 0, 4
// and 8 frames of rollback, in Deno and in headless Chromium (same code, bundled into the page).
//
// usage: deno run -A bench/rollback.ts [--quick] [--out FILE] [--only deno|chromium]
import { measureRollback, type RollbackMeasurement } from "./rollback_core.ts";
import { roundSummary, summarize, type Summary } from "./stats.ts";
import { parseArgs, writeJson } from "./cli.ts";
import { call, openBrowser } from "./browser.ts";

/** Rollback depths measured. */
export const DEPTHS = [0, 4, 8] as const;
/** Ticks per timed batch: long enough for Chromium's coarse (0.1 ms) performance.now(). */
export const BATCH_TICKS = 600;

/** One row of the result: per-tick µs (batch means) for one depth in one runtime. */
export interface RollbackRow {
  runtime: "deno" | "chromium";
  depth: number;
  meanDepth: number;
  usPerTick: Summary;
}

function row(runtime: RollbackRow["runtime"], m: RollbackMeasurement): RollbackRow {
  return {
    runtime,
    depth: m.depth,
    meanDepth: m.meanDepth,
    usPerTick: roundSummary(summarize(m.batchUsPerTick), 2),
  };
}

/** Runs every depth in Deno and/or Chromium; a runtime that fails is reported, not thrown. */
export async function runRollback(quick: boolean, only: string | null = null) {
  const ticks = quick ? 6_000 : 60_000;
  const rows: RollbackRow[] = [];
  const errors: string[] = [];
  let chromiumVersion = "";
  if (only !== "chromium") {
    measureRollback(8, 6_000, BATCH_TICKS); // JIT warm-up, discarded
    for (const d of DEPTHS) rows.push(row("deno", measureRollback(d, ticks, BATCH_TICKS)));
  }
  if (only !== "deno") {
    try {
      const b = await openBrowser();
      chromiumVersion = b.version;
      try {
        const page = await b.newPage();
        await call(page, "measureRollback", 8, 6_000, BATCH_TICKS);
        for (const d of DEPTHS) {
          rows.push(row("chromium", await call(page, "measureRollback", d, ticks, BATCH_TICKS)));
        }
      } finally {
        await b.close();
      }
    } catch (e) {
      errors.push(`chromium: ${(e as Error).message}`);
    }
  }
  for (const r of rows) {
    console.error(
      `  rollback ${r.runtime} depth ${r.depth}: p50 ${r.usPerTick.p50} µs/tick, max ${r.usPerTick.max}`,
    );
  }
  return {
    rollback: {
      conditions:
        `air hockey (game/examples/air_hockey/sim/hockey.ts) under game/net/sync_layer.ts; remote input ` +
        `arrives <depth> frames late and is mispredicted every frame, so every tick loads, ` +
        `re-simulates <depth> frames and advances one (save + checksum per frame); ${ticks} ticks ` +
        `per depth after a warm-up, timed in batches of ${BATCH_TICKS} ticks (percentiles are ` +
        `over batch means, µs per tick)`,
      deno: Deno.version.deno,
      chromium: chromiumVersion,
      rows,
      errors,
    },
  };
}

if (import.meta.main) {
  const a = parseArgs(Deno.args);
  await writeJson(a.out, await runRollback(a.quick, a.only));
}
