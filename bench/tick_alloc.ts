// Bytes allocated per 60 Hz tick by the netcode, without a browser (issue 15's tick budget): two
// match runners of the example (air hockey, bots) over the seeded simulator with the real input
// transport, on a manual clock, at 0 and ~8 frames of rollback. The browser's netcode p99 is young-
// generation GC, so the allocation rate is the figure to cut; this measures it in seconds.
//
//   deno run --v8-flags=--expose-gc,--min-semi-space-size=64 --allow-read --allow-env \
//     bench/tick_alloc.ts [--ticks N] [--json]
//
// Each window forces a full GC, reads heapUsed, runs its ticks and reads heapUsed again; the large
// semi-space keeps a scavenge out of the window (a window whose delta is negative had one and is
// dropped). Without --expose-gc it still runs but says the figures are unreliable.
import { createBot } from "../game/examples/air_hockey/app/bot.ts";
import { createHockeyMatch, hockeyIsOver } from "../game/examples/air_hockey/app/hockey_match.ts";
import type { Hockey } from "../game/examples/air_hockey/sim/hockey.ts";
import { createManualClock } from "../game/net/clock.ts";
import { createLocalMatch } from "../game/testing/local_match.ts";
import { decodeInputPacket, encodeInputPacket } from "../shared/peer_protocol.ts";

/** One condition's result: bytes allocated per tick of one side (both sides' total / 2). */
export interface TickAllocRow {
  rollbackFrames: 0 | 8;
  ticks: number;
  /** Windows measured (dropped ones excluded). */
  windows: number;
  /** Median over windows of bytes per tick per side. */
  bytesPerTick: number;
  meanRollbackDepth: number;
}

/** The whole measurement. */
export interface TickAllocReport {
  gcExposed: boolean;
  rows: TickAllocRow[];
  /** The input-packet codec alone: bytes per encode + decode of an 8-frame packet. */
  codecBytesPerPacket: number;
}

const TICK_MS = 1000 / 60;
const WINDOW_TICKS = 100;

type Gc = () => void;
const gcOf = (): Gc | null => {
  const g = (globalThis as { gc?: Gc }).gc;
  return typeof g === "function" ? g : null;
};

/** Median bytes per unit of `run(units)` over windows of `perWindow` units. */
function measure(run: (units: number) => void, total: number, perWindow: number): {
  median: number;
  windows: number;
} {
  const gc = gcOf();
  const samples: number[] = [];
  for (let done = 0; done < total; done += perWindow) {
    gc?.();
    const before = Deno.memoryUsage().heapUsed;
    run(perWindow);
    const delta = Deno.memoryUsage().heapUsed - before;
    if (delta >= 0) samples.push(delta / perWindow);
  }
  samples.sort((a, b) => a - b);
  return { median: samples.length ? samples[samples.length >> 1] : NaN, windows: samples.length };
}

/**
 * A bot match of the example on a manual clock at the condition's delays (~8 frames late with no
 * input delay, the tick benchmark's deep condition, or loopback), played until both sides play
 * and then 600 ticks more, so every code path is optimised and every buffer grown.
 */
export function warmBotMatch(rollbackFrames: 0 | 8) {
  const clock = createManualClock(0);
  const bots = [createBot(1), createBot(2)];
  const local = createLocalMatch<Hockey>({
    createGame: createHockeyMatch,
    readInput: (game, p) => bots[p].input(game.view(), p),
    isOver: hockeyIsOver,
    sim: rollbackFrames === 8 ? { delayMs: 118, seed: 7 } : {},
    inputDelay: rollbackFrames === 8 ? 0 : 2,
    options: [{ bot: true }, { bot: true }],
    clock,
  });
  const step = (n: number): void => {
    for (let i = 0; i < n; i++) {
      clock.advance(TICK_MS);
      local.update(TICK_MS);
    }
  };
  for (let i = 0; i < 2000 && local.runners[1].lifecycle.phase !== "playing"; i++) step(1);
  if (local.runners[0].lifecycle.phase !== "playing") {
    throw new Error(`match did not start (phase ${local.runners[0].lifecycle.phase})`);
  }
  step(600);
  return { local, step };
}

/** Plays a bot match at the condition's delays and measures allocation per tick per side. */
export function measureMatch(rollbackFrames: 0 | 8, ticks: number): TickAllocRow {
  const { local, step } = warmBotMatch(rollbackFrames);
  const before = local.runners[0].stats();
  const m = measure(step, ticks, WINDOW_TICKS);
  const after = local.runners[0].stats();
  const rollbacks = after.rollbacks - before.rollbacks;
  local.leave();
  return {
    rollbackFrames,
    ticks,
    windows: m.windows,
    bytesPerTick: Math.round(m.median / 2),
    meanRollbackDepth: rollbacks
      ? Math.round((after.rollbackFrames - before.rollbackFrames) / rollbacks * 100) / 100
      : 0,
  };
}

/** Bytes allocated per encode + decode of a typical 8-frame input packet. */
export function measureCodec(packets: number): number {
  const inputs = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  let seq = 0;
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) {
      seq = (seq + 1) & 0xffff;
      const start = 3600 + i;
      const bytes = encodeInputPacket({
        start,
        ack: start - 5,
        inputs,
        seq,
        echo: seq & 127,
        holdMs: 3,
        frame: start + 8,
      });
      const d = decodeInputPacket(bytes);
      if (!d.ok) throw new Error(d.error);
    }
  };
  run(1000);
  return Math.round(measure(run, packets, 500).median);
}

/** Runs both conditions and the codec. */
export function tickAlloc(ticks: number): TickAllocReport {
  return {
    gcExposed: gcOf() !== null,
    rows: [measureMatch(0, ticks), measureMatch(8, ticks)],
    codecBytesPerPacket: measureCodec(Math.max(1000, ticks)),
  };
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--ticks");
  const ticks = i >= 0 ? Number(Deno.args[i + 1]) : 6000;
  if (!Number.isInteger(ticks) || ticks < WINDOW_TICKS) {
    console.error(`--ticks must be an integer >= ${WINDOW_TICKS}`);
    Deno.exit(2);
  }
  const report = tickAlloc(ticks);
  if (Deno.args.includes("--json")) console.log(JSON.stringify(report));
  else {
    if (!report.gcExposed) console.log("(no --v8-flags=--expose-gc: figures include GC noise)");
    for (const r of report.rows) {
      console.log(
        `${r.rollbackFrames} frames: ${r.bytesPerTick} B per tick per side ` +
          `(${r.windows} windows of ${WINDOW_TICKS} ticks, mean rollback depth ${r.meanRollbackDepth})`,
      );
    }
    console.log(`input packet codec: ${report.codecBytesPerPacket} B per encode + decode`);
  }
}
