import assert from "node:assert/strict";
import {
  compare,
  type CpuProfile,
  groups,
  medianRows,
  phaseCosts,
  phaseOf,
  type ProfileRun,
  summarize,
} from "./relay_cpu_profile.ts";

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });

Deno.test("phaseOf: the server's code by function, ws and node compat by file", () => {
  assert.equal(
    phaseOf("readRelaySignal", "file:///work/wt/x/signal/relay_signal.ts"),
    "app readRelaySignal relay_signal.ts",
  );
  assert.equal(phaseOf("", "file:///a/b.ts"), "app (anonymous) b.ts");
  assert.equal(phaseOf("f", "file:///work/main/node_modules/ws/lib/sender.js"), "ws lib/sender.js");
  assert.equal(
    phaseOf("f", "file:///x/node_modules/.deno/ws@8.23.0/node_modules/ws/lib/receiver.js"),
    "ws lib/receiver.js",
  );
  assert.equal(phaseOf("f", "ext:deno_node/net.ts"), "node-compat net.ts");
  assert.equal(phaseOf("f", "ext:core/01_core.js"), "deno runtime (other)");
  assert.equal(phaseOf("parse", ""), null);
});

Deno.test("phaseCosts: builtins count for their caller, idle is left out, scaled to CPU time", () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame("(root)", ""), children: [2, 3, 5, 6] },
      { id: 2, callFrame: frame("relay", "file:///r/signal/memory_registry.ts"), children: [4] },
      { id: 3, callFrame: frame("(idle)", "") },
      { id: 4, callFrame: frame("parse", "") },
      { id: 5, callFrame: frame("(garbage collector)", "") },
      { id: 6, callFrame: frame("writev", ""), children: [] },
    ],
    // relay 1, parse (in relay) 2, idle 5 (not counted), GC 1, writev under root 1 → 5 samples.
    samples: [2, 4, 4, 3, 3, 3, 3, 3, 5, 6],
  };
  const rows = phaseCosts(profile, { messages: 10, mainCpuUs: 500, cpuUs: 900 });
  // 500 µs over 10 messages, 5 samples: 10 µs per sample per message.
  assert.deepEqual(rows, [
    { phase: "app relay memory_registry.ts", us: 30 },
    { phase: "GC", us: 10 },
    { phase: "(program)", us: 10 },
  ]);
  assert.deepEqual(groups(rows), [
    { phase: "app", us: 30 },
    { phase: "GC", us: 10 },
    { phase: "(program)", us: 10 },
  ]);
});

Deno.test("compare: differences first, small phases summed; medianRows counts a missing phase as 0", () => {
  const duet = [{ phase: "a", us: 5 }, { phase: "b", us: 1 }, { phase: "t", us: 0.01 }];
  const floor = [{ phase: "b", us: 2 }, { phase: "u", us: 0.02 }];
  assert.deepEqual(compare(duet, floor, 0.1), [
    { phase: "a", duet: 5, floor: 0, delta: 5 },
    { phase: "other (2 phases)", duet: 0.01, floor: 0.02, delta: -0.01 },
    { phase: "b", duet: 1, floor: 2, delta: -1 },
  ]);
  assert.deepEqual(
    medianRows([[{ phase: "a", us: 1 }], [{ phase: "a", us: 3 }, { phase: "b", us: 4 }], []]),
    [{ phase: "a", us: 1 }, { phase: "b", us: 0 }],
  );
});

Deno.test("summarize: medians of each side's runs, groups and phases duet beside the floor", () => {
  const run = (app: number, ws: number, mainCpuUs: number, unprofiled: number): ProfileRun => ({
    rows: [{ phase: "app relay r.ts", us: app }, { phase: "ws lib/sender.js", us: ws }],
    window: { messages: 100, mainCpuUs, cpuUs: mainCpuUs * 2, unprofiledCpuUs: unprofiled },
  });
  const s = summarize(
    1000,
    [run(3, 10, 1500, 20), run(5, 12, 1300, 22), run(4, 11, 9000, 99)],
    [run(0, 11, 1200, 18), run(0, 13, 1000, 19)],
  );
  assert.equal(s.pairs, 1000);
  assert.equal(s.runs, 2);
  assert.deepEqual(s.mainUs, { duet: 15, floor: 11 });
  assert.deepEqual(s.allThreadsUs, { duet: 22, floor: 18.5 });
  assert.deepEqual(s.groups, [
    { phase: "app", duet: 4, floor: 0, delta: 4 },
    { phase: "ws", duet: 11, floor: 12, delta: -1 },
  ]);
  assert.deepEqual(s.phases.map((r) => r.phase), ["app relay r.ts", "ws lib/sender.js"]);
});
