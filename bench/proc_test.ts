import assert from "node:assert/strict";
import {
  jsonLines,
  parseSchedstatDelayMs,
  parseStatCpuMs,
  parseStatusRssKiB,
  pinned,
  sampleProc,
} from "./proc.ts";

Deno.test("parseStatCpuMs adds utime and stime even when the name has spaces and parens", () => {
  const stat =
    "4242 (deno (main) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 9 0 1 2 3";
  assert.equal(parseStatCpuMs(stat), (250 + 75) * 10);
});

Deno.test("parseStatusRssKiB reads VmRSS and is NaN without it", () => {
  assert.equal(parseStatusRssKiB("Name:\tdeno\nVmRSS:\t   51234 kB\nThreads:\t9\n"), 51234);
  assert.ok(Number.isNaN(parseStatusRssKiB("Name:\tdeno\n")));
});

// Deno asks for --allow-all to read /proc/<pid>/ (the benchmarks run with -A; `deno task test`
// grants less), so this check runs only where the runner may read it.
const procReadable = (() => {
  try {
    Deno.readTextFileSync(`/proc/${Deno.pid}/stat`);
    return true;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "sampleProc of this process has CPU time and memory; a dead pid gives NaN",
  ignore: !procReadable,
}, () => {
  const s = sampleProc(Deno.pid);
  assert.ok(s.cpuMs >= 0 && s.rssKiB > 1000);
  const gone = sampleProc(2 ** 22 + 12345);
  assert.ok(Number.isNaN(gone.cpuMs) && Number.isNaN(gone.rssKiB));
});

Deno.test("pinned either prefixes taskset with the core or leaves the command alone", () => {
  const r = pinned(["deno", "run"], 0);
  const argv = r.argv[0] === "nice" ? r.argv.slice(3) : r.argv;
  if (r.pinned) assert.deepEqual(argv, ["taskset", "-c", "0", "deno", "run"]);
  else assert.deepEqual(argv, ["deno", "run"]);
  assert.deepEqual(r.argv.slice(-2), ["deno", "run"]);
  assert.equal(pinned(["x"], 4096).pinned, false);
});

Deno.test("jsonLines finds events across chunk boundaries and times out clearly", async () => {
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(enc.encode('log line\n{"ev":"a","n":1}\n{"ev":"b",'));
      c.enqueue(enc.encode('"n":2}\n'));
    },
  });
  const r = jsonLines(stream);
  assert.deepEqual(await r.next("b", 1000), { ev: "b", n: 2 });
  await assert.rejects(r.next("c", 50), /"c"/);
});

Deno.test("parseSchedstatDelayMs reads the run-queue wait in ms", () => {
  assert.equal(parseSchedstatDelayMs("123456789 2500000 77\n"), 2.5);
});
