// Investigation tool (not part of `npm run bench`): where duet's lobby spends CPU per relayed
// `signal` above the bare `ws` relay (bench/floor_relay.ts), in µs per message by phase.
//
// Each server kind runs under lobby_alloc.ts's fixed-count relay (a child process, clients here)
// with V8's CPU profiler on its main thread for a window of a known number of messages. The
// profile gives each phase's share of the main thread's samples; the child's schedstat gives the
// main thread's CPU time over the same window (time on a CPU, not wall time, so other processes
// on the machine do not inflate it). Share × CPU time ÷ messages is the phase's µs per message.
// Idle samples are left out. The young generation is emptied before the window and is large
// enough to hold it, so GC is not in it: allocation is lobby_alloc.ts's bytes per message.
//
// A phase is the nearest JavaScript frame of the sample (a builtin such as JSON.parse counts
// towards the function that called it): the server's own code (duet's lobby, or the floor's
// handler) by function, the `ws` package and Deno's node compatibility layer by file, the rest
// of Deno's runtime, GC and V8's (program).
//
// usage (127.0.0.1 only):
//   deno run -A bench/relay_cpu_profile.ts [pairs=1000] [windows=5] [runs=3] [--out FILE]
import { parseArgs, writeJson } from "./cli.ts";
import type { ProfiledWindow } from "./lobby_alloc.ts";

/** The fields of a V8 CPU profile (Profiler.stop) this reads. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
}

/** A phase of the relay and its cost. */
export interface PhaseRow {
  phase: string;
  /** µs of main-thread CPU per relayed message. */
  us: number;
}

const fileOf = (url: string) => url.replace(/^.*\//, "");

/**
 * The phase of a frame with a URL: the server's own code by function, `ws` and node compat by
 * file, anything else of Deno's as one row. Null for a frame without a URL (a builtin).
 */
export function phaseOf(fn: string, url: string): string | null {
  if (url === "") return null;
  const ws = url.match(/\/node_modules\/(?:\.deno\/[^/]+\/node_modules\/)?ws\/(.*)$/);
  if (ws) return `ws ${ws[1]}`;
  if (url.startsWith("ext:deno_node/")) return `node-compat ${url.slice(14)}`;
  if (url.startsWith("ext:") || url.startsWith("node:")) return "deno runtime (other)";
  if (/inspector/.test(url)) return "inspector";
  if (url.includes("/node_modules/")) return `npm ${url.replace(/^.*\/node_modules\//, "")}`;
  return `app ${fn || "(anonymous)"} ${fileOf(url)}`;
}

/** Phases of V8's pseudo-frames; null for one that is not CPU spent (idle). */
function pseudoPhase(fn: string): string | null | undefined {
  if (fn === "(idle)") return null;
  if (fn === "(garbage collector)") return "GC";
  if (fn === "(program)" || fn === "(root)") return "(program)";
  return undefined;
}

/**
 * Main-thread µs per message by phase: each non-idle sample is charged to its nearest frame with
 * a URL (or its pseudo-frame) and the samples are scaled to `window`'s main-thread CPU time.
 * Largest first.
 */
export function phaseCosts(profile: CpuProfile, window: ProfiledWindow): PhaseRow[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const phaseCache = new Map<number, string | null>();
  const phaseOfNode = (id: number): string | null => {
    const known = phaseCache.get(id);
    if (known !== undefined) return known;
    const n = byId.get(id)!;
    const { functionName: fn, url } = n.callFrame;
    let p: string | null | undefined = pseudoPhase(fn);
    if (p === undefined) p = phaseOf(fn, url);
    if (p === null && url === "" && pseudoPhase(fn) === undefined) {
      const up = parent.get(id);
      p = up === undefined ? "(program)" : phaseOfNode(up);
      if (p === null) p = "(program)";
    }
    phaseCache.set(id, p);
    return p;
  };
  const counts = new Map<string, number>();
  let total = 0;
  for (const id of profile.samples) {
    const p = phaseOfNode(id);
    if (p === null) continue;
    counts.set(p, (counts.get(p) ?? 0) + 1);
    total++;
  }
  const scale = total === 0 ? 0 : window.mainCpuUs / window.messages / total;
  return [...counts].map(([phase, n]) => ({ phase, us: n * scale })).sort((a, b) => b.us - a.us);
}

/** Phases summed into the coarse groups (the word before the first space: app, ws, …). */
export function groups(rows: PhaseRow[]): PhaseRow[] {
  const out = new Map<string, number>();
  for (const r of rows) {
    const g = r.phase.startsWith("(") || r.phase === "GC" ? r.phase : r.phase.split(" ")[0];
    out.set(g, (out.get(g) ?? 0) + r.us);
  }
  return [...out].map(([phase, us]) => ({ phase, us })).sort((a, b) => b.us - a.us);
}

/**
 * One table of two profiles' phases: duet's µs, the floor's and the difference, the rows that
 * differ most first; phases under `minUs` on both sides are summed into one "other" row.
 */
export function compare(
  duet: PhaseRow[],
  floor: PhaseRow[],
  minUs = 0.1,
): { phase: string; duet: number; floor: number; delta: number }[] {
  const keys = new Set([...duet.map((r) => r.phase), ...floor.map((r) => r.phase)]);
  const get = (rows: PhaseRow[], k: string) => rows.find((r) => r.phase === k)?.us ?? 0;
  const rows = [...keys].map((phase) => {
    const d = get(duet, phase), f = get(floor, phase);
    return { phase, duet: d, floor: f, delta: d - f };
  });
  const big = rows.filter((r) => Math.abs(r.duet) >= minUs || Math.abs(r.floor) >= minUs);
  const small = rows.filter((r) => !big.includes(r));
  if (small.length > 0) {
    const sum = (f: (r: (typeof rows)[number]) => number) => small.reduce((s, r) => s + f(r), 0);
    big.push({
      phase: `other (${small.length} phases)`,
      duet: sum((r) => r.duet),
      floor: sum((r) => r.floor),
      delta: sum((r) => r.delta),
    });
  }
  return big.sort((a, b) => b.delta - a.delta);
}

/** The table as text, µs to two decimals. */
export function formatTable(rows: ReturnType<typeof compare>): string {
  const w = Math.max(5, ...rows.map((r) => r.phase.length));
  const n = (x: number) => x.toFixed(2).padStart(7);
  const lines = [`${"phase".padEnd(w)}    duet   floor   delta  (µs/msg)`];
  for (const r of rows) lines.push(`${r.phase.padEnd(w)} ${n(r.duet)} ${n(r.floor)} ${n(r.delta)}`);
  return lines.join("\n");
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Each phase's median over runs (a run without the phase counts as 0), largest first. */
export function medianRows(runs: PhaseRow[][]): PhaseRow[] {
  const keys = new Set(runs.flatMap((rows) => rows.map((r) => r.phase)));
  return [...keys]
    .map((phase) => ({
      phase,
      us: median(runs.map((rows) => rows.find((r) => r.phase === phase)?.us ?? 0)),
    }))
    .sort((a, b) => b.us - a.us);
}

/** A profiled run of one server kind: its phases and its window's CPU. */
export interface ProfileRun {
  rows: PhaseRow[];
  window: ProfiledWindow & { unprofiledCpuUs: number };
}

/** What the report shows of the profiles: medians over the runs, duet beside the floor. */
export interface RelayProfileSummary {
  pairs: number;
  runs: number;
  /** Main-thread CPU µs per relayed message in the profiled windows (median over runs). */
  mainUs: { duet: number; floor: number };
  /** All threads' CPU µs per message in the unprofiled windows (median), as the relay table. */
  allThreadsUs: { duet: number; floor: number };
  /** The coarse groups (app, ws, node-compat, …), the largest difference first. */
  groups: ReturnType<typeof compare>;
  /** The phases, those under 0.1 µs on both sides summed into one row. */
  phases: ReturnType<typeof compare>;
}

/** The report's summary of duet's and the floor's profiled runs. */
export function summarize(
  pairs: number,
  duet: ProfileRun[],
  floor: ProfileRun[],
): RelayProfileSummary {
  const main = (rs: ProfileRun[]) => median(rs.map((r) => r.window.mainCpuUs / r.window.messages));
  const all = (rs: ProfileRun[]) => median(rs.map((r) => r.window.unprofiledCpuUs));
  const d = duet.map((r) => r.rows), f = floor.map((r) => r.rows);
  return {
    pairs,
    runs: Math.min(duet.length, floor.length),
    mainUs: { duet: main(duet), floor: main(floor) },
    allThreadsUs: { duet: all(duet), floor: all(floor) },
    groups: compare(medianRows(d.map(groups)), medianRows(f.map(groups)), 0),
    phases: compare(medianRows(d), medianRows(f)),
  };
}

/**
 * Profiles duet and the `ws` floor `reps` times each, interleaved so that a change of the
 * machine's load falls on both alike, with `windows` relay windows per profile.
 */
export async function profileRelay(
  pairs: number,
  windows: number,
  reps: number,
  log: (line: string) => void = console.log,
): Promise<{ summary: RelayProfileSummary; runs: Record<string, ProfileRun[]>; dir: string }> {
  const { relayAlloc } = await import("./lobby_alloc.ts");
  const dir = await Deno.makeTempDir({ prefix: "relay-cpu-" });
  Deno.env.set("LOBBY_ALLOC_CPU", "1");
  Deno.env.set("LOBBY_ALLOC_PROFILE_WINDOWS", String(windows));
  Deno.env.set("LOBBY_ALLOC_PROFILE_INTERVAL", "200");
  const runs: Record<string, ProfileRun[]> = { duet: [], "floor-ws": [] };
  for (let rep = 0; rep < reps; rep++) {
    for (const kind of ["duet", "floor-ws"]) {
      const profile = `${dir}/${kind}-${rep}.cpuprofile`;
      Deno.env.set("LOBBY_ALLOC_HEAP", profile);
      const r = await relayAlloc(kind, pairs, 8000);
      if (!r.profiled) throw new Error(`${kind}: the profiled window did not run`);
      const window = { ...r.profiled, unprofiledCpuUs: r.cpuUsPerMessage };
      const rows = phaseCosts(JSON.parse(await Deno.readTextFile(profile)), window);
      runs[kind].push({ rows, window });
      const g = groups(rows).map((x) => `${x.phase} ${x.us.toFixed(2)}`).join(", ");
      log(
        `${kind} run ${rep}: main thread ${(window.mainCpuUs / window.messages).toFixed(2)} ` +
          `µs/msg profiled, all threads ${window.unprofiledCpuUs} unprofiled; ${g}`,
      );
    }
  }
  return { summary: summarize(pairs, runs.duet, runs["floor-ws"]), runs, dir };
}

if (import.meta.main) {
  const a = parseArgs(Deno.args);
  // --quick (the CI smoke run): one short run of each at 100 pairs, to prove it runs.
  const pairs = Number(a.rest[0] ?? (a.quick ? 100 : 1000));
  const windows = Number(a.rest[1] ?? (a.quick ? 1 : 5));
  const reps = Number(a.rest[2] ?? (a.quick ? 1 : 3));
  const { summary, runs, dir } = await profileRelay(pairs, windows, reps, (l) => console.error(l));
  console.error(
    `\nmedian of ${reps} runs at ${pairs} pairs, main-thread CPU µs per relayed message`,
  );
  console.error(formatTable(summary.groups));
  console.error();
  console.error(formatTable(summary.phases));
  // The bench run keeps the figures, not the megabytes of profiles.
  if (a.out) await Deno.remove(dir, { recursive: true });
  else console.error(`profiles: ${dir}`);
  await writeJson(a.out, { relayProfile: summary, windows, runs });
}
