// The traced pass of the tick-budget benchmark (tick_budget.ts), its pure part: from a Chrome trace
// of the two bench pages, each frame's netcode wall time AND the main thread's on-CPU time over
// the same stretches. The page (page_tick.ts, `tickPrepare(..., trace)`) brackets every netcode
// stretch (the runner's update, each packet handler) and every DataChannel send with
// `console.timeStamp` marks and ends each frame with one; the trace gives each mark its wall
// time (`ts`) and the thread's CPU clock (`tts`, ThreadTicks). Wall minus on-CPU is the time the
// main thread was runnable (or blocked) but not running: on 2 cores beside the browser's WebRTC
// threads that is waiting for a core, which no change to duet's code removes.
//
// The V8 sampling profiler in the same trace names what the slowest 1% of frames ran: every
// sample whose time falls inside one of their netcode stretches counts for its leaf function,
// weighted by the time since the sample before it. The sampler ticks by wall clock, so a
// stretch where the thread waited for a core still lends its time to whatever it was preempted
// in: the per-function figures are wall-weighted, their sum near the tail's wall time.
import {
  firstAtOrAfter,
  percentile,
  round,
  roundSummary,
  summarize,
  type Summary,
} from "./stats.ts";

/** The marks page_tick.ts writes with `console.timeStamp` while a traced pass runs. */
export const TRACE_MARKS = {
  /** A netcode stretch begins (the runner's update or a packet handler). */
  netStart: "duet:n<",
  netEnd: "duet:n>",
  /** A DataChannel send begins (inside a netcode stretch or from the resend timer). */
  sendStart: "duet:s<",
  sendEnd: "duet:s>",
  /** A measured frame ends: the stretches since the previous frame mark are its netcode. */
  frame: "duet:f1",
  /** A frame that is not measured ends (before play, or after the window). */
  skip: "duet:f0",
} as const;

/**
 * The trace categories of the pass: the marks only. With the V8 sampler on as well
 * (`TRACE_CATEGORIES_WITH_SAMPLER`) a mark cost ~12-15 µs instead of ~3 (measured here in a traced
 * page) and the sampler's own interrupts land in the stretches, so the callees come from a
 * separate run (tick_budget.ts --callees), never from the figures' own.
 */
export const TRACE_CATEGORIES = ["-*", "devtools.timeline"];

/** The marks and the V8 sampler (for the slowest frames' callees). */
export const TRACE_CATEGORIES_WITH_SAMPLER = [
  ...TRACE_CATEGORIES,
  "disabled-by-default-v8.cpu_profiler",
];

/** The fields of a Chrome trace event this module reads (the trace's JSON has many more). */
export interface TraceEvent {
  name: string;
  ph?: string;
  pid: number;
  tid: number;
  /** Wall clock, µs. */
  ts: number;
  /** The thread's CPU clock, µs; absent where the platform has no thread time. */
  tts?: number;
  id?: string;
  // deno-lint-ignore no-explicit-any
  args?: { data?: any };
}

/** One measured frame of one page, from its marks. */
export interface TracedFrame {
  pid: number;
  /** Sum of the frame's netcode stretches, wall clock (ms). */
  wallMs: number;
  /** The same stretches on the main thread's CPU clock (ms); NaN without thread time. */
  cpuMs: number;
  /** On-CPU time in DataChannel sends since the previous frame (resend timer's too), ms. */
  sendCpuMs: number;
  /** The netcode stretches, [start, end] in trace µs (for the sampler's attribution). */
  stretches: [number, number][];
  /**
   * Marks whose cost lands inside the frame's netcode: about one per stretch (the end of its
   * opening mark and the start of its closing one) plus the send marks within stretches.
   */
  marks: number;
}

/** What the traced pass reports for one condition. */
export interface TraceSummary {
  frames: number;
  /** Netcode per frame, wall clock, from the marks. */
  wallMs: Summary;
  /** Netcode per frame, the main thread's on-CPU time over the same stretches. */
  cpuMs: Summary;
  /** False when the trace had no thread time (`tts`): on-CPU figures are then NaN. */
  threadTime: boolean;
  /** Median per frame of the on-CPU time in DataChannel sends. */
  sendCpuMsP50: number;
  /** Median per frame of the marks inside netcode (times a mark's cost: what tracing adds). */
  marksPerFrameP50: number;
  /** The slowest 1% of frames by wall time (at or above the wall p99). */
  tail: {
    frames: number;
    meanWallMs: number;
    meanCpuMs: number;
    meanSendCpuMs: number;
    /**
     * Leaf functions the V8 sampler found in the tail's netcode stretches, largest first: ms per
     * tail frame, wall-weighted (see the file's comment). Empty without profiler samples.
     */
    top: { fn: string; ms: number }[];
  };
}

/** The page a mark came from: its process, thread and frame token (pages may share a thread). */
function pageKey(e: TraceEvent): string {
  return `${e.pid}:${e.tid}:${e.args?.data?.frame ?? ""}`;
}

/** Every measured frame of every page in the trace, in each page's order. */
export function tracedFrames(events: readonly TraceEvent[]): TracedFrame[] {
  const marks = new Map<string, TraceEvent[]>();
  const names = new Set<string>(Object.values(TRACE_MARKS));
  for (const e of events) {
    if (e.name !== "TimeStamp") continue;
    const m = e.args?.data?.message;
    if (typeof m !== "string" || !names.has(m)) continue;
    const k = pageKey(e);
    const list = marks.get(k) ?? [];
    list.push(e);
    marks.set(k, list);
  }
  const out: TracedFrame[] = [];
  for (const list of marks.values()) {
    list.sort((a, b) => a.ts - b.ts);
    let net: TraceEvent | null = null, send: TraceEvent | null = null;
    let wall = 0, cpu = 0, sendCpu = 0, inside = 0;
    let stretches: [number, number][] = [];
    const cpuOf = (a: TraceEvent, b: TraceEvent) =>
      typeof a.tts === "number" && typeof b.tts === "number" ? b.tts - a.tts : NaN;
    for (const e of list) {
      const m = e.args!.data!.message as string;
      if (m === TRACE_MARKS.netStart) net = e;
      else if (m === TRACE_MARKS.netEnd && net) {
        wall += e.ts - net.ts;
        cpu += cpuOf(net, e);
        stretches.push([net.ts, e.ts]);
        inside++;
        net = null;
      } else if (m === TRACE_MARKS.sendStart) send = e;
      else if (m === TRACE_MARKS.sendEnd && send) {
        sendCpu += cpuOf(send, e);
        if (net) inside += 2;
        send = null;
      } else if (m === TRACE_MARKS.frame || m === TRACE_MARKS.skip) {
        if (m === TRACE_MARKS.frame) {
          out.push({
            pid: e.pid,
            wallMs: wall / 1000,
            cpuMs: cpu / 1000,
            sendCpuMs: sendCpu / 1000,
            stretches,
            marks: inside,
          });
        }
        wall = 0, cpu = 0, sendCpu = 0, inside = 0, stretches = [];
        net = null, send = null;
      }
    }
  }
  return out;
}

/** One profiler sample: when (trace µs), how long since the one before (µs), its leaf. */
interface Sample {
  t: number;
  dt: number;
  fn: string;
}

/**
 * The V8 sampler's samples per process, in time order, from the trace's `Profile` and
 * `ProfileChunk` events (a profile's chunks carry its nodes and the samples' time deltas).
 */
export function profileSamples(events: readonly TraceEvent[]): Map<number, Sample[]> {
  const profiles = new Map<string, {
    pid: number;
    t: number;
    nodes: Map<number, string>;
    chunks: TraceEvent[];
  }>();
  for (const e of events) {
    if (e.name !== "Profile" && e.name !== "ProfileChunk") continue;
    const k = `${e.pid}:${e.id}`;
    let p = profiles.get(k);
    if (!p) profiles.set(k, p = { pid: e.pid, t: NaN, nodes: new Map(), chunks: [] });
    if (e.name === "Profile") p.t = Number(e.args?.data?.startTime);
    else p.chunks.push(e);
  }
  const out = new Map<number, Sample[]>();
  for (const p of profiles.values()) {
    if (!Number.isFinite(p.t)) continue;
    p.chunks.sort((a, b) => a.ts - b.ts);
    const list = out.get(p.pid) ?? [];
    out.set(p.pid, list);
    for (const c of p.chunks) {
      const prof = c.args?.data?.cpuProfile ?? {};
      for (const n of prof.nodes ?? []) {
        const f = n.callFrame ?? {};
        const line = typeof f.lineNumber === "number" ? `:${f.lineNumber + 1}` : "";
        p.nodes.set(n.id, `${f.functionName || "(anonymous)"}${line}`);
      }
      const samples: number[] = prof.samples ?? [];
      const deltas: number[] = c.args?.data?.timeDeltas ?? [];
      for (let i = 0; i < samples.length && i < deltas.length; i++) {
        p.t += deltas[i];
        list.push({ t: p.t, dt: deltas[i], fn: p.nodes.get(samples[i]) ?? "(unknown)" });
      }
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.t - b.t);
  return out;
}

/** The traced pass's figures for one condition, from its whole trace. */
export function summarizeTrace(events: readonly TraceEvent[], topN = 6): TraceSummary {
  const frames = tracedFrames(events);
  const wall = frames.map((f) => f.wallMs);
  const threadTime = frames.length > 0 && frames.every((f) => Number.isFinite(f.cpuMs));
  const cut = percentile(Float64Array.from(wall).sort(), 99);
  const tail = frames.filter((f) => f.wallMs >= cut);
  const samples = profileSamples(events);
  const byFn = new Map<string, number>();
  for (const f of tail) {
    const list = samples.get(f.pid) ?? [];
    for (const [a, b] of f.stretches) {
      for (let i = firstAtOrAfter(list, a); i < list.length && list[i].t <= b; i++) {
        byFn.set(list[i].fn, (byFn.get(list[i].fn) ?? 0) + list[i].dt);
      }
    }
  }
  const mean = (xs: number[]) =>
    xs.length ? round(xs.reduce((s, x) => s + x, 0) / xs.length, 3) : NaN;
  return {
    frames: frames.length,
    wallMs: roundSummary(summarize(wall), 3),
    cpuMs: roundSummary(summarize(threadTime ? frames.map((f) => f.cpuMs) : []), 3),
    threadTime,
    sendCpuMsP50: round(summarize(frames.map((f) => f.sendCpuMs)).p50, 3),
    marksPerFrameP50: summarize(frames.map((f) => f.marks)).p50,
    tail: {
      frames: tail.length,
      meanWallMs: mean(tail.map((f) => f.wallMs)),
      meanCpuMs: mean(tail.map((f) => f.cpuMs)),
      meanSendCpuMs: mean(tail.map((f) => f.sendCpuMs)),
      top: [...byFn].sort((a, b) => b[1] - a[1]).slice(0, topN).map(([fn, us]) => ({
        fn,
        ms: round(us / 1000 / tail.length, 3),
      })),
    },
  };
}
