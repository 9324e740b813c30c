// Shared command line of every benchmark file: `--quick`, `--out FILE`, `--only NAME`,
// `--impair DELAY,LOSS`, `--strategies A,B`, and (bench/run.ts only) `--render`.

import type { InputStrategy } from "./page_input.ts";

/** Parsed benchmark flags. */
export interface BenchArgs {
  quick: boolean;
  /** Rewrite the report from the saved figures (the notes and reasons changed), measuring nothing. */
  render: boolean;
  out: string | null;
  only: string | null;
  impair: string | null;
  /** Input-transport strategies to compare (resendAfterMs values, comma-separated). */
  strategies: string | null;
  rest: string[];
}

/** Parses benchmark flags; unknown flags are a clear error (a typo must not run the full bench). */
export function parseArgs(args: readonly string[]): BenchArgs {
  const r: BenchArgs = {
    quick: false,
    render: false,
    out: null,
    only: null,
    impair: null,
    strategies: null,
    rest: [],
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--quick") r.quick = true;
    else if (a === "--render") r.render = true;
    else if (a === "--out" || a === "--only" || a === "--impair" || a === "--strategies") {
      const v = args[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value`);
      if (a === "--out") r.out = v;
      else if (a === "--only") r.only = v;
      else if (a === "--impair") r.impair = v;
      else r.strategies = v;
    } else if (a.startsWith("--")) throw new Error(`unknown flag ${a}`);
    else r.rest.push(a);
  }
  return r;
}

/** Writes `value` as JSON to `path`, or to stdout when `path` is null. */
export async function writeJson(path: string | null, value: unknown): Promise<void> {
  const text = JSON.stringify(value, null, 1) + "\n";
  if (path) await Deno.writeTextFile(path, text);
  else console.log(text);
}

/**
 * Parses `--strategies 4,2,1,timeout`: resendAfterMs values to compare with the default, and
 * `timeout` for the default transport driven from a page `setTimeout` chain instead of a worker.
 */
export function parseStrategies(text: string | undefined): InputStrategy[] {
  if (!text) return [];
  return text.split(",").map((x): InputStrategy => {
    if (x === "timeout") return { driver: "timeout" };
    const n = Number(x);
    if (!(n >= 0) || !Number.isFinite(n)) throw new Error(`--strategies: bad resendAfterMs "${x}"`);
    return { resendAfterMs: n };
  });
}
