import assert from "node:assert/strict";
import {
  fixed,
  graphGeometry,
  overlayRows,
  type OverlayStats,
  signed,
  WARN,
} from "./network_overlay_model.ts";

const base: OverlayStats = {
  rtt: 23.456,
  rttLast: 21.7,
  loss: 0.0234,
  packetsLost: 12,
  inputDelay: 2,
  predictedFrames: 3,
  rollbacksPerSecond: 4.4,
  maxDepthLastSecond: 2,
  maxRollbackDepth: 5,
  stalls: 1,
  skippedTicks: 0,
  frameAdvantage: -0.6,
  remoteAdvantage: 1.2,
  frame: 900,
  confirmedFrame: 897,
};

const byKey = (s: OverlayStats) => Object.fromEntries(overlayRows(s).map((r) => [r.key, r]));

Deno.test("the overlay formats every number it shows with its unit", () => {
  const r = byKey(base);
  assert.deepEqual([r.rtt.value, r.rtt.detail], ["23.5 ms", "last 22"]);
  assert.deepEqual([r.loss.value, r.loss.detail], ["2.3 %", "12 lost"]);
  assert.equal(r.delay.value, "2 f");
  assert.equal(r.predicted.value, "3 f");
  assert.deepEqual([r.rollbacks.value, r.rollbacks.detail], ["4 /s", "depth 2 (max 5)"]);
  assert.deepEqual([r.stalls.value, r.stalls.detail], ["1", "skipped 0"]);
  assert.deepEqual([r.advantage.value, r.advantage.detail], ["-1 f", "peer +1"]);
  assert.deepEqual([r.frame.value, r.frame.detail], ["900", "confirmed 897"]);
  assert.ok(Object.values(r).every((row) => row.tone === "normal"));
});

Deno.test("only the required fields are needed; missing details stay empty", () => {
  const rows = overlayRows({
    rtt: Number.NaN,
    loss: 0,
    inputDelay: 2,
    predictedFrames: 0,
    rollbacksPerSecond: 0,
    maxDepthLastSecond: 0,
    stalls: 0,
    frameAdvantage: 0,
  });
  const r = Object.fromEntries(rows.map((x) => [x.key, x]));
  assert.equal(r.rtt.value, "– ms");
  assert.equal(r.rtt.detail, "");
  assert.equal(r.rollbacks.detail, "depth 0");
  assert.equal(r.advantage.value, "0 f");
  assert.equal(r.frame, undefined);
});

Deno.test("numbers that say the link struggles are marked as warnings", () => {
  const r = byKey({
    ...base,
    rtt: WARN.rttMs + 1,
    loss: 0.2,
    maxDepthLastSecond: WARN.rollbackDepth + 1,
    predictedFrames: 8,
  });
  assert.deepEqual(
    ["rtt", "loss", "rollbacks", "predicted"].map((k) => r[k].tone),
    ["warn", "warn", "warn", "warn"],
  );
});

Deno.test("signed and fixed", () => {
  assert.equal(signed(2.4), "+2");
  assert.equal(signed(-0.2), "0");
  assert.equal(signed(-3), "-3");
  assert.equal(signed(undefined), "–");
  assert.equal(fixed(Infinity), "–");
  assert.equal(fixed(1.25, 1), "1.3");
});

Deno.test("the graph fills from the right and scales to its biggest value", () => {
  const samples = [
    { t: 0, rttMs: 20, rollbackDepth: 0 },
    { t: 100, rttMs: 100, rollbackDepth: 4 },
  ];
  const g = graphGeometry(samples, 120, 50, 120);
  assert.equal(g.maxRtt, 100);
  assert.equal(g.maxDepth, 8);
  assert.deepEqual(g.line.map(([x]) => x), [118.5, 119.5]);
  assert.equal(g.line[1][1], 50 - 1 - 48, "the biggest RTT touches the top");
  assert.equal(g.bars.length, 1);
  assert.deepEqual(g.bars[0], { x: 119, y: 25, w: 1, h: 25 });
});

Deno.test("the graph keeps its floor scales when quiet and drops samples beyond capacity", () => {
  const quiet = graphGeometry([{ t: 0, rttMs: 3, rollbackDepth: 0 }], 100, 40, 10);
  assert.equal(quiet.maxRtt, 50);
  assert.equal(quiet.maxDepth, 8);
  const many = Array.from({ length: 30 }, (_, i) => ({ t: i, rttMs: i, rollbackDepth: 20 }));
  const g = graphGeometry(many, 100, 40, 10);
  assert.equal(g.line.length, 10);
  assert.equal(g.line[0][0], 5);
  assert.equal(g.maxDepth, 20);
  assert.equal(graphGeometry([], 100, 40).line.length, 0);
});

Deno.test("the overlay names the network path when the connection knows it", () => {
  const base = {
    rtt: 20,
    loss: 0,
    inputDelay: 2,
    predictedFrames: 1,
    rollbacksPerSecond: 0,
    maxDepthLastSecond: 0,
    stalls: 0,
    frameAdvantage: 0,
  };
  assert.ok(!overlayRows(base).some((r) => r.key === "path"));
  const relayed = overlayRows({
    ...base,
    path: { kind: "relay", local: "relay", remote: "prflx", protocol: "udp", relayProtocol: "tcp" },
  }).find((r) => r.key === "path");
  assert.equal(relayed?.value, "relay");
  assert.equal(relayed?.detail, "relay→prflx udp (TURN tcp)");
});
