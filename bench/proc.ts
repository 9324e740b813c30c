// Process helpers for benchmarks: CPU time and RSS of another process from /proc, core pinning,
// and a bounded line reader for a child's stdout. Linux-only by nature; every reader returns NaN
// (never throws) where /proc is missing, so a benchmark degrades to "not measured".

/** CPU time (user+system, ms) and resident memory (KiB) of one process. */
export interface ProcSample {
  cpuMs: number;
  rssKiB: number;
  /** Time its threads were runnable but waiting for a CPU (ms): other load on the machine. */
  runDelayMs: number;
  at: number;
}

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this targets. */
export const CLK_TCK = 100;

/** Parses utime+stime (fields 14 and 15) of a /proc/<pid>/stat line into milliseconds. */
export function parseStatCpuMs(stat: string): number {
  // The command name (field 2) may contain spaces and parentheses: split after the last ")".
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(rest[11]), stime = Number(rest[12]);
  return ((utime + stime) * 1000) / CLK_TCK;
}

/** Parses VmRSS (KiB) out of /proc/<pid>/status text. */
export function parseStatusRssKiB(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : NaN;
}

/** Run-queue wait (ms) from /proc/<pid>/task/<tid>/schedstat text (second field, ns). */
export function parseSchedstatDelayMs(schedstat: string): number {
  return Number(schedstat.trim().split(/\s+/)[1]) / 1e6;
}

/** One sample of `pid` (NaN fields if the process or /proc is gone). */
export function sampleProc(pid: number): ProcSample {
  let cpuMs = NaN, rssKiB = NaN, runDelayMs = NaN;
  try {
    cpuMs = parseStatCpuMs(Deno.readTextFileSync(`/proc/${pid}/stat`));
    rssKiB = parseStatusRssKiB(Deno.readTextFileSync(`/proc/${pid}/status`));
    runDelayMs = 0;
    for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
      try {
        runDelayMs += parseSchedstatDelayMs(
          Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/schedstat`),
        );
      } catch { /* the thread exited meanwhile */ }
    }
  } catch { /* not Linux, or the process exited */ }
  return { cpuMs, rssKiB, runDelayMs, at: performance.now() };
}

/** Number of online CPUs (1 if unknown). */
export function cpuCount(): number {
  try {
    const t = Deno.readTextFileSync("/sys/devices/system/cpu/online").trim();
    let n = 0;
    for (const part of t.split(",")) {
      const [a, b] = part.split("-").map(Number);
      n += b === undefined ? 1 : b - a + 1;
    }
    return n || 1;
  } catch {
    return navigator.hardwareConcurrency || 1;
  }
}

/** Whether an executable is on PATH (or an absolute path that exists). */
export function hasCommand(name: string): boolean {
  const dirs = name.includes("/") ? [""] : (Deno.env.get("PATH") ?? "").split(":");
  for (const d of dirs) {
    try {
      const st = Deno.statSync(d ? `${d}/${name}` : name);
      if (st.isFile) return true;
    } catch { /* keep looking */ }
  }
  return false;
}

/** Whether this process runs as root (may raise priority, limits, create namespaces). */
export function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

/**
 * argv that runs `cmd` on CPU `core` via taskset when pinning is possible (taskset present and
 * more than one core), else `cmd` unchanged; `pinned` says which happened, for the report. As
 * root the process also gets nice -10, the same for every server and generator, so background
 * jobs on a shared machine disturb the measured processes less.
 */
export function pinned(cmd: string[], core: number): { argv: string[]; pinned: boolean } {
  const nice = isRoot() && hasCommand("nice") ? ["nice", "-n", "-10"] : [];
  if (cpuCount() > core && cpuCount() > 1 && hasCommand("taskset")) {
    return { argv: [...nice, "taskset", "-c", String(core), ...cmd], pinned: true };
  }
  return { argv: [...nice, ...cmd], pinned: false };
}

/** Reads newline-separated JSON objects from a stream, with a bounded wait for each. */
export function jsonLines(stream: ReadableStream<Uint8Array>) {
  const queue: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  (async () => {
    let buf = "";
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      buf += dec.decode(chunk, { stream: true });
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line.startsWith("{")) continue;
        try {
          queue.push(JSON.parse(line));
        } catch { /* a stray log line */ }
        waiters.splice(0).forEach((w) => w());
      }
    }
    ended = true;
    waiters.splice(0).forEach((w) => w());
  })();
  return {
    /** The next object whose `ev` is `ev` (earlier others are dropped); rejects after `ms`. */
    async next(ev: string, ms: number): Promise<Record<string, unknown>> {
      const deadline = performance.now() + ms;
      while (true) {
        const i = queue.findIndex((o) => o.ev === ev);
        if (i >= 0) return queue.splice(0, i + 1)[i];
        if (ended) throw new Error(`stream ended before "${ev}"`);
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`no "${ev}" within ${ms} ms`);
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((r) => {
          waiters.push(r);
          timer = setTimeout(r, left);
        });
        clearTimeout(timer);
      }
    },
  };
}

/** Polls `url` until it answers 2xx, for at most `ms`; false if it never did. */
export async function waitForHttp(url: string, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await r.body?.cancel();
      if (r.ok) return true;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
