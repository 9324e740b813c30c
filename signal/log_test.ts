import assert from "node:assert/strict";
import { createLogger, isLogLevel, type LogLevel } from "./log.ts";

function capture(level: LogLevel) {
  const lines: { record: Record<string, unknown>; stream: string }[] = [];
  const log = createLogger(
    level,
    (line, stream) => lines.push({ record: JSON.parse(line), stream }),
    () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
  );
  return { log, lines };
}

Deno.test("one JSON object per line with time, level, event and the fields", () => {
  const { log, lines } = capture("info");
  log.info("listening", { port: 8000, url: "http://localhost:8000/", skipped: undefined });
  assert.deepEqual(lines, [{
    record: {
      time: "2026-01-02T03:04:05.000Z",
      level: "info",
      event: "listening",
      port: 8000,
      url: "http://localhost:8000/",
    },
    stream: "out",
  }]);
});

Deno.test("the level filters; warn and error go to stderr", () => {
  const { log, lines } = capture("warn");
  log.debug("a");
  log.info("b");
  log.warn("c");
  log.error("d", { error: new Error("boom") });
  assert.deepEqual(lines.map((l) => [l.record.event, l.stream]), [["c", "err"], ["d", "err"]]);
  assert.equal(lines[1].record.error, "boom");
  assert.equal(log.enabled("info"), false);
  assert.equal(log.enabled("error"), true);
});

Deno.test("silent logs nothing; fields cannot overwrite the envelope or crash it", () => {
  const silent = capture("silent");
  silent.log.error("x");
  assert.equal(silent.lines.length, 0);
  const { log, lines } = capture("debug");
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  log.info("e", { level: "fake", event: "fake" });
  log.info("f", { cyclic });
  assert.deepEqual(lines[0].record, { time: lines[0].record.time, level: "info", event: "e" });
  assert.equal(lines[1].record.error, "unserializable fields");
});

Deno.test("isLogLevel", () => {
  assert.ok(isLogLevel("debug"));
  assert.ok(isLogLevel("silent"));
  assert.equal(isLogLevel("verbose"), false);
});
