// The `lobbyTail` benchmark: what ran on the machine while the slowest 1% of the 100-pair relay's
// round trips were in flight, for duet, the `ws` floor and PeerJS.
//
// The relay's p99 at 100 pairs is the slowest 50 round trips of a 5 s window, each ~1-5 ms where
// the median is ~0.4 ms. A CPU profile of the server cannot say why those 50 waited: the wait may
// be another process on the server's core, the server's own GC helper threads (pinned to the same
// core as its main thread), the generator, or nobody running at all. So this samples both cores
// with `perf record -a` (cpu-clock, every thread of every process, no symbols), runs the lobby
// benchmark's 100-pair level with its round-trip timeline (BENCH_RTT_TIMELINE), and for each
// server splits each core's time inside the slow round trips' windows, beside the same split over
// the whole measured window. A category whose share rises in the slow windows is what the tail
// waits on.
//
// usage (127.0.0.1 only; needs `perf` and permission to sample every CPU, i.e. root or
// kernel.perf_event_paranoid <= 0): deno run -A bench/relay_tail_profile.ts [--quick] [--out FILE]
import { parseArgs, writeJson } from "./cli.ts";
import { runLobbyLoadWith } from "./lobby_load.ts";
import type { ServerKind } from "./load_protocol.ts";
import { hasCommand } from "./proc.ts";
import { firstAtOrAfter } from "./stats.ts";

/** Sampling rate per CPU: ~2,500 samples per core in one server's slow windows of 6 rounds. */
export const SAMPLE_HZ = 5000;

/** One cpu-clock sample of `perf script -F comm,pid,tid,cpu,time`. */
export interface PerfSample {
  comm: string;
  pid: number;
  tid: number;
  cpu: number;
  /** CLOCK_MONOTONIC seconds (perf record -k mono). */
  t: number;
}

const LINE = /^\s*(.*?)\s+(-?\d+)\/(-?\d+)\s+\[(\d+)\]\s+(\d+\.\d+):/;

/** Parses `perf script -F comm,pid,tid,cpu,time` output; other lines are skipped. */
export function parsePerfSamples(text: string): PerfSample[] {
  const out: PerfSample[] = [];
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    out.push({ comm: m[1], pid: Number(m[2]), tid: Number(m[3]), cpu: Number(m[4]), t: +m[5] });
  }
  return out.sort((a, b) => a.t - b.t);
}

/** One measured round of one server, from the generator's timeline file. */
export interface TimelineRound {
  server: string;
  serverPids: number[];
  generatorPid: number;
  /** Each round trip's send time, Unix ms. */
  at: number[];
  /** Each round trip's RTT, ms (same order). */
  rtt: number[];
}

/** Who a sample is: the server's or generator's main thread, GC helpers, other threads, ... */
export function whoOf(s: PerfSample, round: TimelineRound): string {
  if (s.pid === 0) return "idle";
  const side = round.serverPids.includes(s.pid)
    ? "server"
    : s.pid === round.generatorPid
    ? "generator"
    : "";
  if (!side) return "other processes";
  if (s.tid === s.pid) return `${side} main thread`;
  // Deno's V8 platform workers ("V8 DefaultWorker", cut to 15 characters by the kernel) do its
  // parallel scavenges and concurrent marking and sweeping. Node leaves its own unnamed ("node"),
  // so PeerJS's count among its other threads.
  if (s.comm.startsWith("V8 ")) return `${side} V8 GC helpers`;
  return `${side} other threads`;
}

/** One row of the split: a core, who ran on it, and its share there. */
export interface TailRow {
  core: number;
  who: string;
  /** % of this core's samples inside the slow round trips' windows. */
  slowPct: number;
  /** % of this core's samples over the whole measured windows. */
  allPct: number;
}

/** One server's split, pooled over its rounds. */
export interface TailServer {
  server: string;
  rounds: number;
  /** The p99 RTT of each round, ms. */
  p99ByRoundMs: number[];
  /** The slow round trips' windows (merged where they overlap), ms in all. */
  slowMs: number;
  /** The measured windows, ms in all. */
  windowMs: number;
  rows: TailRow[];
  /** The other processes that ran most inside the slow windows, by name, ms of CPU. */
  others: { comm: string; ms: number }[];
  /** Samples per second per core, measured (the time one sample stands for). */
  sampleHz: number;
}

/** Merged [start, end] intervals (seconds) of the round trips at or above the round's p99. */
export function slowWindows(at: number[], rtt: number[], toSeconds: (ms: number) => number) {
  const p99 = [...rtt].sort((a, b) => a - b)[Math.floor(0.99 * rtt.length)];
  const iv = at.map((a, i) => [a, rtt[i]]).filter(([, r]) => r >= p99)
    .map(([a, r]) => [toSeconds(a), toSeconds(a + r)]).sort((x, y) => x[0] - y[0]);
  const merged: number[][] = [];
  for (const [a, b] of iv) {
    const last = merged.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return { p99, windows: merged };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** A thread's name without its instance: "kworker/0:1" and "kdamond.0" are kworker, kdamond. */
export function processName(comm: string): string {
  return comm.split(/[/:]/)[0].replace(/[.\d-]+$/, "") || comm;
}

/** Who ran on one core, counted in samples. */
type Tally = Map<string, number>;

const bump = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);

/**
 * Splits each core's time by who ran, inside each round's slow windows and over its whole window,
 * pooled per server. `offsetS` is Unix seconds minus CLOCK_MONOTONIC seconds.
 *
 * Idle is what is left of a core's time once everyone who ran is counted, not its idle samples:
 * a tickless idle core may take none (the generator's core here takes none at all), so counting
 * them would make the busy shares shares of busy time. The time a sample stands for is measured,
 * not assumed: the samples per second of the core that took the most, idle ones included.
 */
export function attribute(
  samples: PerfSample[],
  rounds: TimelineRound[],
  offsetS: number,
): TailServer[] {
  const toS = (unixMs: number) => unixMs / 1000 - offsetS;
  interface Entry {
    slow: Tally;
    all: Tally;
    others: Tally;
    p99s: number[];
    slowS: number;
    windowS: number;
  }
  const by = new Map<string, Entry>();
  const cores = new Set<number>();
  const perCoreAll = new Map<number, number>();
  let measuredS = 0;
  const tally = (r: TimelineRound, a: number, b: number, into: Tally, others?: Tally) => {
    for (let i = firstAtOrAfter(samples, a); i < samples.length && samples[i].t < b; i++) {
      const s = samples[i];
      cores.add(s.cpu);
      if (!others) bump(perCoreAll, s.cpu);
      const who = whoOf(s, r);
      if (who === "idle") continue;
      bump(into, `${s.cpu}\t${who}`);
      if (others && who === "other processes") bump(others, processName(s.comm));
    }
  };
  for (const r of rounds) {
    if (r.rtt.length === 0) continue;
    const e: Entry = by.get(r.server) ??
      { slow: new Map(), all: new Map(), others: new Map(), p99s: [], slowS: 0, windowS: 0 };
    by.set(r.server, e);
    const { p99, windows } = slowWindows(r.at, r.rtt, toS);
    e.p99s.push(round2(p99));
    for (const [a, b] of windows) {
      tally(r, a, b, e.slow, e.others);
      e.slowS += b - a;
    }
    const w0 = toS(Math.min(...r.at)), w1 = toS(Math.max(...r.at));
    tally(r, w0, w1, e.all);
    e.windowS += w1 - w0;
    measuredS += w1 - w0;
  }
  const hz = Math.max(0, ...perCoreAll.values()) / (measuredS || 1);
  return [...by].map(([server, e]) => {
    const rows: TailRow[] = [];
    for (const core of [...cores].sort()) {
      const share = (m: Tally, who: string, s: number) =>
        round2(100 * (m.get(`${core}\t${who}`) ?? 0) / (s * hz || 1));
      const whos = new Set(
        [...e.slow.keys(), ...e.all.keys()].filter((k) => k.startsWith(`${core}\t`))
          .map((k) => k.split("\t")[1]),
      );
      const mine = [...whos].map((who) => ({
        core,
        who,
        slowPct: share(e.slow, who, e.slowS),
        allPct: share(e.all, who, e.windowS),
      }));
      const rest = (k: "slowPct" | "allPct") =>
        round2(Math.max(0, 100 - mine.reduce((a, x) => a + x[k], 0)));
      rows.push(
        ...mine.sort((a, b) => b.slowPct - a.slowPct),
        { core, who: "idle", slowPct: rest("slowPct"), allPct: rest("allPct") },
      );
    }
    const others = [...e.others].sort((a, b) => b[1] - a[1]).slice(0, 4)
      .map(([comm, n]) => ({ comm, ms: round2(n * 1000 / (hz || 1)) }));
    return {
      server,
      rounds: e.p99s.length,
      p99ByRoundMs: e.p99s,
      slowMs: round2(e.slowS * 1000),
      windowMs: Math.round(e.windowS * 1000),
      rows,
      others,
      sampleHz: Math.round(hz),
    };
  });
}

/** Unix seconds minus CLOCK_MONOTONIC seconds, read through libc (the tightest of a few reads). */
export function monotonicOffsetS(): number {
  const libc = Deno.dlopen("libc.so.6", {
    clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  });
  try {
    const ts = new BigInt64Array(2);
    let best = { span: Infinity, offset: NaN };
    for (let i = 0; i < 20; i++) {
      const before = performance.timeOrigin + performance.now();
      if (libc.symbols.clock_gettime(1, new Uint8Array(ts.buffer)) !== 0) continue;
      const after = performance.timeOrigin + performance.now();
      const mono = Number(ts[0]) + Number(ts[1]) / 1e9;
      if (after - before < best.span) {
        best = { span: after - before, offset: (before + after) / 2000 - mono };
      }
    }
    return best.offset;
  } finally {
    libc.close();
  }
}

const PERF_RECORD = [
  "record",
  "-q",
  "-e",
  "cpu-clock",
  "-F",
  String(SAMPLE_HZ),
  "-a",
  "-k",
  "mono",
  // Room for ~20 s of samples per CPU between perf's reads, so it wakes (and runs) rarely.
  "-m",
  "16M",
];

/** Why `perf record -a` cannot run here, or "" when it can. */
export async function perfUnavailable(dir: string): Promise<string> {
  if (!hasCommand("perf")) return "perf is missing (apt-get install linux-perf)";
  const r = await new Deno.Command("perf", {
    args: [...PERF_RECORD, "-o", `${dir}/probe.data`, "--", "true"],
    stdout: "null",
    stderr: "piped",
  }).output().catch((e) => ({ success: false, stderr: new TextEncoder().encode(String(e)) }));
  if (r.success) return "";
  const why = new TextDecoder().decode(r.stderr).trim().split("\n").slice(-2).join(" ");
  return `perf cannot sample every CPU here (root or kernel.perf_event_paranoid <= 0): ${why}`;
}

/** The 100-pair relay level of the lobby benchmark under `perf record -a`, split per server. */
export async function profileTail(quick: boolean, log: (s: string) => void) {
  const dir = await Deno.makeTempDir({ prefix: "duet-tail-" });
  try {
    const unavailable = await perfUnavailable(dir);
    if (unavailable) return { error: `cannot run: ${unavailable}` };
    await Deno.mkdir(`${dir}/tl`);
    let offsetS: number;
    try {
      offsetS = monotonicOffsetS();
    } catch (e) {
      // perf runs, but this is not a glibc Linux: no way here to line up perf's clock.
      return { error: `cannot run: clock_gettime from libc.so.6: ${(e as Error).message}` };
    }
    const perf = new Deno.Command("perf", {
      args: [...PERF_RECORD, "-o", `${dir}/perf.data`],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    // The generator processes inherit the variable and write one file per round.
    Deno.env.set("BENCH_RTT_TIMELINE", `${dir}/tl`);
    const kinds: ServerKind[] = ["duet", "floor-ws", "peerjs"];
    const rounds = quick ? 1 : 4;
    try {
      await new Promise((r) => setTimeout(r, 500));
      await runLobbyLoadWith(
        {
          idleLevels: [],
          relayPairs: [100],
          rateHz: 10,
          warmupMs: quick ? 300 : 1000,
          durationMs: quick ? 1000 : 5000,
          pairingPairs: 1,
          rounds,
          redisRelayPairs: [],
          budgetMs: quick ? 60_000 : 200_000,
        },
        kinds,
        log,
      );
    } finally {
      Deno.env.delete("BENCH_RTT_TIMELINE");
      try {
        perf.kill("SIGINT");
      } catch { /* perf already stopped: its status below says why */ }
    }
    const status = await perf.status;
    if (!status.success && status.code !== 130) {
      throw new Error(
        `perf record failed: ${
          new TextDecoder().decode(await new Response(perf.stderr).arrayBuffer())
        }`,
      );
    }
    const script = await new Deno.Command("perf", {
      args: ["script", "-i", `${dir}/perf.data`, "-F", "comm,pid,tid,cpu,time"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const samples = parsePerfSamples(new TextDecoder().decode(script.stdout));
    const timeline: TimelineRound[] = [];
    for await (const f of Deno.readDir(`${dir}/tl`)) {
      timeline.push(JSON.parse(await Deno.readTextFile(`${dir}/tl/${f.name}`)));
    }
    timeline.sort((a, b) => (a.at[0] ?? 0) - (b.at[0] ?? 0));
    const servers = attribute(samples, timeline, offsetS);
    // A server that relayed 2,000 messages a second and never ran in its own windows means the
    // two clocks were not lined up: fail, rather than report another process's time as the tail.
    for (const s of servers) {
      const main = s.rows.find((r) => r.who === "server main thread")?.allPct ?? 0;
      if (main < 0.5) {
        throw new Error(`${s.server}'s main thread ran ${main}% of its own windows: clocks apart?`);
      }
    }
    return { pairs: 100, rounds, samples: samples.length, servers };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const a = parseArgs(Deno.args);
  const tail = await profileTail(a.quick, (l) => console.error(l));
  for (const s of (tail as { servers?: TailServer[] }).servers ?? []) {
    console.error(
      `\n${s.server}: round p99s ${s.p99ByRoundMs.join(", ")} ms; slow windows ` +
        `${s.slowMs.toFixed(0)} ms of ${s.windowMs} ms`,
    );
    for (const r of s.rows) {
      console.error(
        `  core ${r.core} ${r.who.padEnd(22)} slow ${r.slowPct.toFixed(1).padStart(5)}%  all ${
          r.allPct.toFixed(1).padStart(5)
        }%`,
      );
    }
    console.error(`  others: ${s.others.map((o) => `${o.comm} ${o.ms} ms`).join(", ")}`);
  }
  if ("error" in tail) console.error(tail.error);
  await writeJson(a.out, { lobbyTail: tail });
}
