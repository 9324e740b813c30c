import assert from "node:assert/strict";
import { createMetrics } from "./metrics.ts";
import { parsePrometheusText } from "./testing/prometheus_text.ts";

Deno.test("counters and gauges render as Prometheus text that parses back", async () => {
  const m = createMetrics();
  const errors = m.counter("duet_errors_total", "Errors by code.", {
    labels: ["code"],
    initial: [{ code: "room-full" }],
  });
  const conns = m.gauge("duet_connections", "Open connections.");
  m.gaugeFrom("duet_rooms", "Rooms by state.", () => [
    { labels: { state: "open" }, value: 2 },
    { labels: { state: "playing" }, value: 1 },
  ]);
  errors.inc({ code: "bad-message" });
  errors.inc({ code: "bad-message" }, 2);
  conns.set(5);
  const text = await m.render();
  assert.equal(
    text,
    [
      "# HELP duet_errors_total Errors by code.",
      "# TYPE duet_errors_total counter",
      'duet_errors_total{code="room-full"} 0',
      'duet_errors_total{code="bad-message"} 3',
      "# HELP duet_connections Open connections.",
      "# TYPE duet_connections gauge",
      "duet_connections 5",
      "# HELP duet_rooms Rooms by state.",
      "# TYPE duet_rooms gauge",
      'duet_rooms{state="open"} 2',
      'duet_rooms{state="playing"} 1',
      "",
    ].join("\n"),
  );
  const parsed = parsePrometheusText(text);
  assert.equal(parsed.value("duet_errors_total", { code: "bad-message" }), 3);
  assert.equal(parsed.types.get("duet_rooms"), "gauge");
  assert.equal(errors.get({ code: "bad-message" }), 3);
});

Deno.test("label values and help are escaped; odd numbers are spelled the Prometheus way", async () => {
  const m = createMetrics();
  m.gauge("g", "help with \\ and\nnewline", { labels: ["v"] }).set(NaN, { v: 'a"b\\c\nd' });
  m.gaugeFrom("h", "h", () => [{ value: Infinity }, { labels: { x: "1" }, value: -Infinity }]);
  const text = await m.render();
  assert.match(text, /# HELP g help with \\\\ and\\nnewline\n/);
  assert.match(text, /g\{v="a\\"b\\\\c\\nd"\} NaN\n/);
  assert.match(text, /h \+Inf\nh\{x="1"\} -Inf\n/);
  const parsed = parsePrometheusText(text);
  assert.equal(parsed.samples[0].labels.v, 'a"b\\c\nd');
});

Deno.test("misuse is an error, not a corrupt exposition", () => {
  const m = createMetrics();
  const c = m.counter("c_total", "c", { labels: ["code"] });
  assert.throws(() => m.counter("c_total", "again"), /twice/);
  assert.throws(() => m.gauge("bad-name", "x"), /bad metric name/);
  assert.throws(() => m.gauge("g", "x", { labels: ["__reserved"] }), /bad label/);
  assert.throws(() => c.inc({ other: "x" }), /takes labels \[code\]/);
  assert.throws(() => c.inc(), /takes labels/);
  assert.throws(() => c.inc({ code: "x" }, -1), /only goes up/);
});

Deno.test("a failing collector drops only its own metric", async () => {
  const m = createMetrics();
  m.gaugeFrom("broken", "x", () => Promise.reject(new Error("redis down")));
  m.gauge("ok", "y").set(1);
  const parsed = parsePrometheusText(await m.render());
  assert.equal(parsed.value("broken"), undefined);
  assert.equal(parsed.value("ok"), 1);
});

Deno.test("the test parser rejects what Prometheus would", () => {
  const bad = [
    "x 1\n", // no TYPE
    '# TYPE x gauge\nx{a="1"} one\n',
    "# TYPE x gauge\nx{a=1} 1\n",
    "# TYPE x gauge\nx 1\nx 2\n",
    '# TYPE x gauge\nx{a="\\q"} 1\n',
    "# TYPE x gauge\nx 1", // no final newline
    "# TYPE x gauge\nx 1\n# TYPE x gauge\n",
  ];
  for (const text of bad) assert.throws(() => parsePrometheusText(text), Error, text);
});
