import assert from "node:assert/strict";
import { cpuSelf, frameKey, heapSelf, isOverhead, type ProfileNode } from "./lobby_profile.ts";

const cf = (functionName: string, url: string, lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
});

Deno.test("frame keys cut paths to the repository and name anonymous and native frames", () => {
  assert.equal(
    frameKey(
      cf("deliver", "file:///work/wt/bench/signal/lobby_hub.ts", 45),
      "file:///work/wt/bench/",
    ),
    "deliver signal/lobby_hub.ts:46",
  );
  assert.equal(frameKey(cf("", "")), "(anonymous) (native):1");
  assert.equal(frameKey(cf("f", "ext:deno_web/02_event.js")), "f ext:deno_web/02_event.js:1");
});

Deno.test("heap self sizes add up per function across the tree, largest first", () => {
  const head: ProfileNode = {
    callFrame: cf("(root)", ""),
    selfSize: 0,
    children: [
      {
        callFrame: cf("a", "signal/x.ts"),
        selfSize: 10,
        children: [{ callFrame: cf("b", "signal/y.ts"), selfSize: 5 }],
      },
      { callFrame: cf("b", "signal/y.ts"), selfSize: 20 },
    ],
  };
  assert.deepEqual(heapSelf(head), [["b signal/y.ts:1", 25], ["a signal/x.ts:1", 10], [
    "(root) (native):1",
    0,
  ]]);
});

Deno.test("cpu self samples add up per function over the flat node list", () => {
  const nodes: ProfileNode[] = [
    { callFrame: cf("a", "shared/p.ts"), hitCount: 3 },
    { callFrame: cf("a", "shared/p.ts"), hitCount: 2 },
    { callFrame: cf("(idle)", ""), hitCount: 9 },
  ];
  assert.deepEqual(cpuSelf(nodes), [["(idle) (native):1", 9], ["a shared/p.ts:1", 5]]);
});

Deno.test("the profiler's own frames, idle and GC are not counted as the server's work", () => {
  assert.ok(isOverhead("emitFrame ext:deno_node/inspector_network_bridge.js:1"));
  assert.ok(isOverhead("op_inspector_emit_protocol_event (native):0"));
  assert.ok(isOverhead("(idle) (native):0"));
  assert.ok(isOverhead("(garbage collector) (native):0"));
  assert.ok(!isOverhead("deliver signal/lobby_hub.ts:46"));
});
