import assert from "node:assert/strict";
import {
  attribute,
  parsePerfSamples,
  type PerfSample,
  processName,
  slowWindows,
  type TimelineRound,
  whoOf,
} from "./relay_tail_profile.ts";

function near(actual: number, expected: number, tolerance: number) {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${actual} is not ${expected} ± ${tolerance}`,
  );
}

Deno.test("parsePerfSamples reads comm with spaces, pid/tid, cpu and time, and skips the rest", () => {
  const text = [
    "         swapper     0/0     [000] 68309.639527: ",
    " V8 DefaultWorke 25078/25081 [000] 68309.639727: ",
    "            deno 25078/25078 [001] 68309.639627: ",
    "not a sample line",
    "",
  ].join("\n");
  assert.deepEqual(parsePerfSamples(text), [
    { comm: "swapper", pid: 0, tid: 0, cpu: 0, t: 68309.639527 },
    { comm: "deno", pid: 25078, tid: 25078, cpu: 1, t: 68309.639627 },
    { comm: "V8 DefaultWorke", pid: 25078, tid: 25081, cpu: 0, t: 68309.639727 },
  ]);
});

const round: TimelineRound = {
  server: "duet",
  serverPids: [10],
  generatorPid: 20,
  at: [],
  rtt: [],
};
const sample = (pid: number, tid: number, comm = "deno", cpu = 0, t = 0): PerfSample => ({
  comm,
  pid,
  tid,
  cpu,
  t,
});

Deno.test("whoOf tells the server's main thread, its V8 helpers and other threads apart", () => {
  assert.deepEqual(whoOf(sample(0, 0, "swapper"), round), "idle");
  assert.deepEqual(whoOf(sample(10, 10), round), "server main thread");
  assert.deepEqual(whoOf(sample(10, 11, "V8 DefaultWorke"), round), "server V8 GC helpers");
  assert.deepEqual(whoOf(sample(10, 12, "tokio-runtime-w"), round), "server other threads");
  assert.deepEqual(whoOf(sample(20, 20), round), "generator main thread");
  assert.deepEqual(whoOf(sample(20, 22, "V8 DefaultWorke"), round), "generator V8 GC helpers");
  assert.deepEqual(whoOf(sample(20, 21, "tokio-runtime-w"), round), "generator other threads");
  assert.deepEqual(whoOf(sample(30, 30, "kdamond.0"), round), "other processes");
});

Deno.test("processName drops a kernel thread's instance", () => {
  assert.deepEqual(
    ["kworker/0:1", "kworker/u8:3-ev", "kdamond.0", "memfd:sealed-91", "deno"].map(processName),
    ["kworker", "kworker", "kdamond", "memfd", "deno"],
  );
});

Deno.test("slowWindows keeps the round trips at or above p99 and merges overlapping ones", () => {
  const at = Array.from({ length: 200 }, (_, i) => i * 10);
  const rtt = at.map(() => 1);
  rtt[50] = 30; // 500..530
  rtt[51] = 30; // 510..540: overlaps the one before
  rtt[150] = 30; // 1500..1530
  const { p99, windows } = slowWindows(at, rtt, (ms) => ms / 1000);
  assert.deepEqual(p99, 30);
  assert.deepEqual(windows, [[0.5, 0.54], [1.5, 1.53]]);
});

Deno.test("attribute splits each core's time inside the slow windows from the whole window", () => {
  // 1 s of round trips every 10 ms, one slow (100 ms) from 0.5 s; offset 1000 s between clocks.
  const at = Array.from({ length: 100 }, (_, i) => 1_000_000 + i * 10);
  const rtt = at.map((_, i) => (i === 50 ? 100 : 0.5));
  const r = { ...round, at, rtt };
  const samples: PerfSample[] = [];
  // 1 kHz on two cores: core 0 runs the server's main thread 20% of the time, and its V8 helper
  // the whole slow window; core 1 runs the generator 10% and takes no idle samples at all (a
  // tickless idle core), plus another process inside the slow window.
  for (let ms = 0; ms < 1000; ms++) {
    const t = ms / 1000;
    const slow = ms >= 500 && ms < 600;
    if (slow) samples.push(sample(10, 11, "V8 DefaultWorke", 0, t));
    else if (ms % 5 === 0) samples.push(sample(10, 10, "deno", 0, t));
    else samples.push(sample(0, 0, "swapper", 0, t));
    if (slow && ms % 2 === 0) samples.push(sample(30, 30, "kworker/0:1", 1, t));
    else if (ms % 10 === 0) samples.push(sample(20, 20, "deno", 1, t));
  }
  samples.sort((a, b) => a.t - b.t);
  const [s] = attribute(samples, [r], 1000);
  assert.deepEqual(s.server, "duet");
  assert.deepEqual(s.p99ByRoundMs, [100]);
  near(s.slowMs, 100, 1e-6);
  near(s.sampleHz, 1000, 2); // 1 kHz: measured from core 0, which takes its idle samples
  const row = (core: number, who: string) => s.rows.find((x) => x.core === core && x.who === who)!;
  near(row(0, "server V8 GC helpers").slowPct, 99, 1);
  near(row(0, "server V8 GC helpers").allPct, 10, 0.5);
  near(row(0, "server main thread").slowPct, 0, 1.5); // the window's edge sample
  near(row(0, "idle").allPct, 72, 1);
  // Core 1's idle is what is left, not its (missing) idle samples.
  near(row(1, "other processes").slowPct, 50, 1);
  near(row(1, "idle").slowPct, 50, 1);
  near(row(1, "generator main thread").allPct, 9, 1);
  assert.deepEqual(s.others.map((o) => o.comm), ["kworker"]);
});
