import assert from "node:assert/strict";
import {
  profileSamples,
  summarizeTrace,
  TRACE_MARKS,
  tracedFrames,
  type TraceEvent,
} from "./tick_trace.ts";

/** A mark of page `frame` on thread 1 of process 7 at wall `ts` and thread time `tts` (µs). */
const m = (message: string, ts: number, tts: number, frame = "A"): TraceEvent => ({
  name: "TimeStamp",
  ph: "I",
  pid: 7,
  tid: 1,
  ts,
  tts,
  args: { data: { message, frame } },
});

const { netStart: N0, netEnd: N1, sendStart: S0, sendEnd: S1, frame: F, skip: X } = TRACE_MARKS;

Deno.test("a frame's netcode is the sum of its stretches, on the wall clock and on the thread's CPU clock", () => {
  const frames = tracedFrames([
    // A handler before the frame: 100 µs wall, 40 on CPU, with a send of 20 on CPU inside it.
    m(N0, 1000, 500),
    m(S0, 1010, 505),
    m(S1, 1050, 525),
    m(N1, 1100, 540),
    // A resend timer's send outside netcode: counts for sends, not for netcode.
    m(S0, 1200, 600),
    m(S1, 1210, 610),
    // The runner's update: 400 wall, 300 on CPU.
    m(N0, 2000, 700),
    m(N1, 2400, 1000),
    m(F, 2401, 1001),
  ]);
  assert.equal(frames.length, 1);
  assert.equal(frames[0].wallMs, 0.5);
  assert.equal(frames[0].cpuMs, 0.34);
  assert.equal(frames[0].sendCpuMs, 0.03);
  assert.deepEqual(frames[0].stretches, [[1000, 1100], [2000, 2400]]);
  assert.equal(frames[0].marks, 4); // two stretches, one send inside a stretch
});

Deno.test("frames before play are dropped, and two pages on one thread are told apart by their frame token", () => {
  const frames = tracedFrames([
    m(N0, 0, 0, "A"),
    m(N1, 900, 900, "A"),
    m(X, 901, 901, "A"), // before play: not measured
    m(N0, 1000, 1000, "B"),
    m(N1, 1100, 1050, "B"),
    m(N0, 1200, 1100, "A"),
    m(N1, 1300, 1200, "A"),
    m(F, 1301, 1201, "A"),
    m(F, 1400, 1300, "B"),
    // Marks that are not the pass's, and a mark of another kind of event, are ignored.
    m("duet:calibrate", 1500, 1400, "A"),
    { name: "FunctionCall", pid: 7, tid: 1, ts: 1000, args: { data: { message: N0 } } },
  ]);
  assert.deepEqual(frames.map((f) => f.wallMs).sort(), [0.1, 0.1]);
  assert.deepEqual(frames.map((f) => f.cpuMs).sort(), [0.05, 0.1]);
});

Deno.test("without thread time the on-CPU figures are NaN and the summary says so", () => {
  const events = [m(N0, 0, 0), m(N1, 100, 0), m(F, 101, 0)].map((e) => ({ ...e, tts: undefined }));
  const s = summarizeTrace(events);
  assert.equal(s.frames, 1);
  assert.equal(s.wallMs.p99, 0.1);
  assert.equal(s.threadTime, false);
  assert.ok(Number.isNaN(s.cpuMs.p99));
});

/** A V8 profile of process 7 starting at `start`, one chunk of samples at the given deltas. */
function profile(start: number, leaves: [string, number][]): TraceEvent[] {
  const names = [...new Set(leaves.map(([fn]) => fn))];
  return [
    {
      name: "Profile",
      ph: "P",
      pid: 7,
      tid: 9,
      ts: start,
      id: "0x1",
      args: { data: { startTime: start } },
    },
    {
      name: "ProfileChunk",
      ph: "P",
      pid: 7,
      tid: 9,
      ts: start + 1,
      id: "0x1",
      args: {
        data: {
          cpuProfile: {
            nodes: names.map((fn, i) => ({
              id: i + 2,
              callFrame: { functionName: fn, lineNumber: 9 },
            })),
            samples: leaves.map(([fn]) => names.indexOf(fn) + 2),
          },
          timeDeltas: leaves.map(([, dt]) => dt),
        },
      },
    },
  ];
}

Deno.test("the sampler's samples take their times from the profile's start and the deltas", () => {
  const s = profileSamples(profile(1000, [["a", 10], ["b", 20], ["a", 30]]));
  assert.deepEqual(s.get(7), [
    { t: 1010, dt: 10, fn: "a:10" },
    { t: 1030, dt: 20, fn: "b:10" },
    { t: 1060, dt: 30, fn: "a:10" },
  ]);
});

Deno.test("the slowest 1% of frames name the functions sampled inside their netcode, per tail frame", () => {
  // 100 frames of 100 µs wall and 1 slow one of 1000 µs (wall) but 300 µs on CPU.
  const events: TraceEvent[] = [];
  for (let i = 0; i < 100; i++) {
    const t = i * 10_000;
    events.push(m(N0, t, t), m(N1, t + 100, t + 100), m(F, t + 101, t + 101));
  }
  const slow = 2_000_000;
  events.push(m(N0, slow, slow), m(S0, slow + 10, slow + 10), m(S1, slow + 60, slow + 60));
  events.push(m(N1, slow + 1000, slow + 300), m(F, slow + 1001, slow + 301));
  // Samples: two inside the slow frame's stretch, one after everything.
  events.push(...profile(slow - 100, [["send", 150], ["advance", 500], ["later", 5000]]));
  const s = summarizeTrace(events);
  assert.equal(s.frames, 101);
  assert.equal(s.wallMs.p50, 0.1);
  assert.equal(s.wallMs.p99, 0.1); // nearest rank: the 100th of 101
  assert.equal(s.cpuMs.max, 0.3);
  assert.equal(s.tail.frames, 101); // every frame is at or above a p99 of 0.1
  const t = summarizeTrace(events.filter((e) => e.ts < 900_000 || e.ts >= slow - 100));
  assert.equal(t.frames, 91); // 90 fast frames and the slow one
  assert.equal(t.wallMs.p99, 1);
  assert.equal(t.tail.frames, 1);
  assert.equal(t.tail.meanWallMs, 1);
  assert.equal(t.tail.meanCpuMs, 0.3);
  assert.equal(t.tail.meanSendCpuMs, 0.05);
  assert.deepEqual(t.tail.top, [{ fn: "advance:10", ms: 0.5 }, { fn: "send:10", ms: 0.15 }]);
});
