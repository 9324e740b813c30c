// Benchmark: recovery after a hitch. Two sessions over the seeded simulator (30 ms one-way) on a
// manual clock; side B freezes for 400 ms (or ticks at 1 Hz for 10 s, a background tab). Figures:
// seconds until |skew| <= 1 for good, rollbacks on both sides in the 5 s after and their mean
// depth, and steady-state rollbacks per second. Deterministic: the same on every machine.
//
// usage: deno run -A bench/recovery.ts [--quick] [--out FILE]
import { measureRecovery, type RecoveryResult } from "./recovery_core.ts";
import { round } from "./stats.ts";
import { parseArgs, writeJson } from "./cli.ts";

/** One row: a kind of hitch, one seed. */
export interface RecoveryRow extends RecoveryResult {
  kind: "freeze" | "background";
  hitchMs: number;
  seed: number;
}

/** Runs the freeze (and, unless quick, the background) case over a few seeds. */
export function runRecovery(quick: boolean) {
  const seeds = quick ? [1] : [1, 2, 3, 4, 5];
  const cases = [
    { kind: "freeze" as const, hitchMs: 400 },
    ...(quick ? [] : [{ kind: "background" as const, hitchMs: 10_000 }]),
  ];
  const rows: RecoveryRow[] = [];
  for (const c of cases) {
    for (const seed of seeds) {
      const r = measureRecovery({ ...c, seed, delayMs: 30 });
      rows.push({
        ...c,
        seed,
        secondsToSync: round(r.secondsToSync, 3),
        rollbacks: r.rollbacks,
        meanDepth: round(r.meanDepth, 2),
        maxSkew: r.maxSkew,
        steadyRollbacksPerSecond: round(r.steadyRollbacksPerSecond, 2),
      });
    }
  }
  for (const r of rows) {
    console.error(
      `  recovery ${r.kind} ${r.hitchMs} ms seed ${r.seed}: |skew| <= 1 after ${r.secondsToSync} s, ` +
        `${r.rollbacks} rollbacks (mean depth ${r.meanDepth}) in the 5 s after, ` +
        `steady ${r.steadyRollbacksPerSecond}/s`,
    );
  }
  return {
    recovery: {
      conditions: "two P2P sessions (test game, scripted bots) over the seeded simulator, 30 ms " +
        "one-way on both channels, manual clock; B frozen 400 ms (freeze) or ticking at 1 Hz for " +
        "10 s (background) after 5 s of play; skew = A's frame - B's frame (same tick schedule)",
      rows,
    },
  };
}

if (import.meta.main) {
  const a = parseArgs(Deno.args);
  await writeJson(a.out, runRecovery(a.quick));
}
