import assert from "node:assert/strict";
import { cdfChart, escapeXml, niceTicks } from "./svg.ts";

Deno.test("niceTicks gives round, ascending values covering the range", () => {
  assert.deepEqual(niceTicks(0, 100), [0, 20, 40, 60, 80, 100]);
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(3, 3), [3]);
  const t = niceTicks(0, 37);
  assert.equal(t[0], 0);
  assert.ok(t[t.length - 1] <= 37 && t.length >= 4);
});

Deno.test("escapeXml neutralises markup in labels", () => {
  assert.equal(escapeXml(`a<b & "c"`), "a&lt;b &amp; &quot;c&quot;");
});

Deno.test("cdfChart draws one path per non-empty series, legend for all, valid-ish XML", () => {
  const svg = cdfChart([
    { label: "duet <unreliable>", samples: [21, 22, 23, 40] },
    { label: "reliable", samples: [21, 25, 80, 130] },
    { label: "missing", samples: [] },
  ], { title: "Input latency", xLabel: "ms", note: "20 ms + 5% loss, n per line" });
  assert.ok(svg.startsWith("<svg xmlns="));
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  assert.equal(svg.match(/<path /g)?.length, 2);
  assert.ok(svg.includes("duet &lt;unreliable&gt; (n=4)"));
  assert.ok(svg.includes("missing (no samples)"));
  assert.ok(svg.includes("20 ms + 5% loss"));
  assert.ok(!svg.includes("NaN"));
});

Deno.test("cdfChart on a log axis has decade ticks and no NaN even with zeros", () => {
  const svg = cdfChart([{ label: "rtt", samples: [0.5, 1, 2, 600] }], {
    title: "t",
    xLabel: "ms",
    logX: true,
  });
  assert.ok(svg.includes("(log scale)"));
  assert.ok(svg.includes(">1k<"));
  assert.ok(!svg.includes("NaN"));
  const flat = cdfChart([{ label: "zero", samples: [0, 0] }], {
    title: "t",
    xLabel: "ms",
    logX: true,
  });
  assert.ok(!flat.includes("NaN"));
});
