// Benchmark 7: the netcode's main-thread time per animation frame in Chromium at 60 Hz, with no
// rollback to speak of and with deep (~8-frame) rollbacks. Two pages of one headless Chromium play
// a bot match of the example game through its real match runner (page_tick.ts) over a real duet
// connection; the deep case delays each page's input packets by the seeded simulator and plays
// with input delay 0, so every wrong prediction is corrected ~8 frames late.
//
// The frame as a whole comes from the example game itself (the built page, BENCH_GAME_DIST, which
// run.ts builds with Vite before the namespace): two pages play a bot match through the lobby
// with the same conditions (`?bot`, `?delay`, `?sim=delay:`), and every requestAnimationFrame
// callback (Phaser's step: netcode, scene update and rendering) is timed. Rendering is then the
// frame minus the netcode, by medians (the two are measured in different runs).
//
// usage: deno run -A bench/tick_budget.ts [--quick] [--out FILE] [--callees]
//   (inside a loopback-only namespace; --callees runs the traced pass with the V8 sampler, which
//   names what the slowest frames ran but makes every mark ~4x dearer: see tick_trace.ts)
import type { Page } from "playwright";
import { type BenchBrowser, call, openBrowser } from "./browser.ts";
import { startLobbyProcess } from "../signal/testing/lobby_process.ts";
import { BENCH_LOBBY_ENV } from "./lobby_env.ts";
import { round, roundSummary, summarize, type Summary } from "./stats.ts";
import { parseArgs, writeJson } from "./cli.ts";
import {
  examplePageQuery,
  FRAME_TIMER,
  TICK_CONDITIONS,
  type TickCondition,
  type TickRow,
  tickRow,
  type TracedRow,
} from "./tick_budget_core.ts";
import type { TickRunResult } from "./page_tick.ts";
import {
  summarizeTrace,
  TRACE_CATEGORIES,
  TRACE_CATEGORIES_WITH_SAMPLER,
  type TraceEvent,
} from "./tick_trace.ts";
import { oneLine } from "./report.ts";

/** One row of the example page's frames. */
export interface FrameRow {
  rollbackFrames: number;
  frames: number;
  frameMs: Summary;
}

/** Plays one bot match per condition in the built example and times its frames. */
async function exampleFrames(dist: string, seconds: number, port: number): Promise<FrameRow[]> {
  const { chromium } = await import("playwright");
  const config = (await import("../playwright.config.ts")).default;
  const lobby = await startLobbyProcess({
    ...BENCH_LOBBY_ENV,
    PORT: String(port),
    LOG_LEVEL: "warn",
    STATIC_DIR: dist,
  });
  const browser = await chromium.launch({ ...(config.use?.launchOptions ?? {}), headless: true });
  const rows: FrameRow[] = [];
  try {
    for (const c of TICK_CONDITIONS) {
      const context = await browser.newContext({ permissions: config.use?.permissions ?? [] });
      try {
        await context.addInitScript(FRAME_TIMER);
        const pages = [await context.newPage(), await context.newPage()];
        await Promise.all(
          pages.map((p, i) => p.goto(lobby.http + "/" + examplePageQuery(c, i + 1))),
        );
        await Promise.all(pages.map((p) =>
          p.waitForFunction(
            () => (globalThis as unknown as { duet?: { state: string } }).duet?.state === "playing",
            null,
            { timeout: 30_000 },
          )
        ));
        // Past the countdown into play, then a clean window.
        await new Promise((r) => setTimeout(r, 3500));
        const reset =
          () => ((globalThis as unknown as { __duetFrameMs: number[] }).__duetFrameMs.length = 0);
        await Promise.all(pages.map((p) => p.evaluate(reset)));
        await new Promise((r) => setTimeout(r, seconds * 1000));
        const got = await Promise.all(
          pages.map((p) =>
            p.evaluate(
              () => [...(globalThis as unknown as { __duetFrameMs: number[] }).__duetFrameMs],
            )
          ),
        );
        const ms = got.flat();
        rows.push({
          rollbackFrames: c.rollbackFrames,
          frames: ms.length,
          frameMs: roundSummary(summarize(ms), 3),
        });
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await lobby.stop();
  }
  return rows;
}

/** Connects the two bench pages through the lobby and plays one condition on them. */
async function playCondition(
  p1: Page,
  p2: Page,
  ws: string,
  c: TickCondition,
  seconds: number,
  trace = false,
): Promise<TickRunResult[]> {
  try {
    await Promise.all([call(p1, "duetReady", ws), call(p2, "duetReady", ws)]);
    const code = await call(p1, "duetCreate");
    await call(p2, "duetJoin", code);
    await Promise.all([call(p1, "duetResult"), call(p2, "duetResult")]);
    await call(p1, "tickPrepare", c.delayMs, 11, trace);
    await call(p2, "tickPrepare", c.delayMs, 12, trace);
    return await Promise.all([
      call(p1, "tickRun", seconds, c.inputDelay, 11),
      call(p2, "tickRun", seconds, c.inputDelay, 12),
    ]);
  } finally {
    await Promise.all([call(p1, "duetClose"), call(p2, "duetClose")]).catch(() => {});
  }
}

/** One condition of the traced pass: its summary, or why there is none. */
export interface TraceRow {
  rollbackFrames: number;
  trace?: TracedRow;
  error?: string;
}

/**
 * The traced pass: each condition played again under a Chrome trace (the pages' marks, thread
 * time and the V8 sampler), so each frame's netcode has an on-CPU time beside its wall time.
 * Tracing costs the pages a little (a mark is a few µs), so these wall figures sit a bit above
 * the untraced run's, which the target is judged on.
 */
async function tracedPass(
  b: BenchBrowser,
  ws: string,
  seconds: number,
  callees: boolean,
): Promise<TraceRow[]> {
  const rows: TraceRow[] = [];
  const [p1, p2] = [await b.newPage(), await b.newPage()];
  for (const c of TICK_CONDITIONS) {
    try {
      await b.browser.startTracing(undefined, {
        categories: callees ? TRACE_CATEGORIES_WITH_SAMPLER : TRACE_CATEGORIES,
      });
      let buf: Uint8Array | null = null;
      let pages: TickRunResult[] = [];
      try {
        pages = await playCondition(p1, p2, ws, c, seconds, true);
      } finally {
        buf = await b.browser.stopTracing();
      }
      const json = JSON.parse(new TextDecoder().decode(buf));
      const events = (Array.isArray(json) ? json : json.traceEvents ?? []) as TraceEvent[];
      const markUs = round(pages.reduce((a, p) => a + p.markUs, 0) / pages.length, 2);
      const t = { ...summarizeTrace(events), markUs, sampler: callees };
      if (t.frames === 0) {
        throw new Error(`no marked frames in the trace (${events.length} events)`);
      }
      rows.push({ rollbackFrames: c.rollbackFrames, trace: t });
      console.error(
        `  tick traced ${c.rollbackFrames} frames: wall p50 ${t.wallMs.p50} p99 ${t.wallMs.p99}, ` +
          `on-CPU p50 ${t.cpuMs.p50} p99 ${t.cpuMs.p99} ms over ${t.frames} frames (thread time ` +
          `${t.threadTime}); sends on-CPU p50 ${t.sendCpuMsP50} ms; slowest 1%: ${t.tail.frames} ` +
          `frames, wall ${t.tail.meanWallMs} on-CPU ${t.tail.meanCpuMs} sends ` +
          `${t.tail.meanSendCpuMs} ms each; a mark ${markUs} µs, ${t.marksPerFrameP50} per frame ` +
          `in netcode (p50); sampled: ` +
          t.tail.top.map((x) => `${x.fn} ${x.ms}`).join(", "),
      );
    } catch (e) {
      rows.push({ rollbackFrames: c.rollbackFrames, error: oneLine((e as Error).message) });
    }
  }
  return rows;
}

/** Runs every condition on one browser and one lobby, then the traced pass. */
export async function runTickBudget(quick: boolean, port = 18_900, callees = false) {
  const seconds = quick ? 3 : 15;
  const rows: TickRow[] = [];
  const errors: string[] = [];
  const b = await openBrowser();
  const lobby = await startLobbyProcess({
    ...BENCH_LOBBY_ENV,
    PORT: String(port),
    LOG_LEVEL: "warn",
  });
  let traced: TraceRow[] = [];
  try {
    const [p1, p2] = [await b.newPage(), await b.newPage()];
    for (const c of TICK_CONDITIONS) {
      try {
        const pages = await playCondition(p1, p2, lobby.ws, c, seconds);
        const row = tickRow(c, seconds, pages);
        rows.push(row);
        console.error(
          `  tick ${c.rollbackFrames} frames: netcode p50 ${row.netcodeMs.p50} p99 ` +
            `${row.netcodeMs.p99} max ${row.netcodeMs.max} ms over ${row.frames} frames; rollback ` +
            `depth mean ${row.meanRollbackDepth} max ${row.maxRollbackDepth}, ` +
            `${row.rollbacksPerS}/s; stalls ${row.stalls}; GC frames ${row.gcFrames}, p99 without ` +
            `them ${row.noGcP99}, p99 of each page's second half ${row.warmP99}; slowest 1%: ` +
            `${row.tail.frames} frames, ${row.tail.meanTicks} ticks and ${row.tail.meanHandlerMs} ` +
            `ms in packet handlers and ${row.tail.meanSendMs} ms in sends each, ` +
            `${row.tail.gcFrames} with a GC; sends p50 ${row.sendMsP50} ms per frame`,
        );
      } catch (e) {
        errors.push(`${c.rollbackFrames} frames: ${(e as Error).message}`);
      }
    }
    traced = await tracedPass(b, lobby.ws, seconds, callees).catch((e) =>
      TICK_CONDITIONS.map((c) => ({
        rollbackFrames: c.rollbackFrames,
        error: oneLine((e as Error).message),
      }))
    );
    for (const t of traced) {
      if (t.error) errors.push(`traced pass, ${t.rollbackFrames} frames: ${t.error}`);
    }
  } finally {
    await lobby.stop();
    await b.close();
  }
  const dist = Deno.env.get("BENCH_GAME_DIST");
  let example: FrameRow[] = [];
  if (!dist) errors.push("example frames: not measured (no built game: BENCH_GAME_DIST unset)");
  else {
    example = await exampleFrames(dist, seconds, port + 1).catch((e) => {
      errors.push(`example frames: ${(e as Error).message}`);
      return [];
    });
    for (const f of example) {
      console.error(
        `  tick example page ${f.rollbackFrames} frames: frame p50 ${f.frameMs.p50} p99 ` +
          `${f.frameMs.p99} ms over ${f.frames} frames`,
      );
    }
  }
  for (const row of rows) {
    const t = traced.find((x) => x.rollbackFrames === row.rollbackFrames);
    if (t?.trace) row.traced = t.trace;
    const f = example.find((x) => x.rollbackFrames === row.rollbackFrames);
    if (!f) continue;
    Object.assign(row, {
      frameMs: f.frameMs,
      renderMsP50: round(Math.max(0, f.frameMs.p50 - row.netcodeMs.p50), 3),
    });
  }
  return {
    tick: {
      conditions: `headless Chromium ${b.version}, two pages of one browser, loopback; a bot ` +
        `match of the example (the package runner, game/net/match/, playing air hockey) driven from ` +
        `requestAnimationFrame for ${seconds} s of play per condition; netcode per frame = the ` +
        `runner's update plus the packet handlers since the previous frame; both pages pooled. ` +
        `Deep rollback: input packets delayed by the seeded simulator, input delay 0. Whole ` +
        `frames: the built example game (Phaser, Canvas renderer, bots, same conditions through ` +
        `?delay and ?sim), every requestAnimationFrame callback timed (100 µs clock there); ` +
        `rendering = frame p50 minus netcode p50. Traced pass: each condition played again under ` +
        `a Chrome trace (CDP Tracing), the pages marking every netcode stretch and send with ` +
        `console.timeStamp; wall = the marks' ts, on-CPU = their tts (the main thread's CPU ` +
        `clock), summed per frame` +
        (callees
          ? `; the slowest 1% of traced frames' callees from the V8 sampler in the same trace ` +
            `(wall-weighted; the sampler makes each mark dearer).`
          : ` (V8 sampler off: run tick_budget.ts --callees for the slowest frames' callees).`),
      chromium: b.version,
      rows,
      errors,
    },
  };
}

if (import.meta.main) {
  // --callees is this benchmark's own flag, not the shared command line's.
  const a = parseArgs(Deno.args.filter((x) => x !== "--callees"));
  await writeJson(a.out, await runTickBudget(a.quick, undefined, Deno.args.includes("--callees")));
}
