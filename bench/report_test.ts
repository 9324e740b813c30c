import assert from "node:assert/strict";
import { markdown, mdTable, oneLine, type Results, textTable, verdicts } from "./report.ts";

const results = (): Results => ({
  meta: { date: "d", quick: false },
  lobby: {
    duet: { relay: [{ pairs: 1000, serverCpuUsPerMsg: 10, rttMs: { p50: 1, p99: 5, max: 9 } }] },
    peerjs: { relay: [{ pairs: 1000, serverCpuUsPerMsg: 20, rttMs: { p50: 1, p99: 4, max: 9 } }] },
  },
  connect: { duet: { n: 20, p50: 20, p95: 40 }, bare: { n: 20, p50: 18, p95: 35 } },
  input: {
    impaired: { delayMs: 20, lossPct: 5, realImpairment: true },
    duet: { latencyMs: { p99: 30 }, framesLost: 0, framesSent: 2400, stalls: 0 },
    reliable: { latencyMs: { p99: 120 }, framesLost: 0, stalls: 3 },
  },
  wire: {
    packets: [{ frames: 8, msgpackBytes: 20, msgpackBytesWorstFrameNumbers: 22, jsonBytes: 69 }],
  },
  rollback: { rows: [{ runtime: "chromium", depth: 8, usPerTick: { p50: 9, p99: 12 } }] },
});

const byId = (r: Results) => Object.fromEntries(verdicts(r).map((v) => [v.id, v.pass]));

Deno.test("verdicts judge each target of issue 6 against its figure", () => {
  assert.deepEqual(byId(results()), {
    "relay-cpu": true,
    "relay-p99": false, // 5 ms vs PeerJS 4 ms
    "connect-p50": true,
    "connect-p95": true,
    "input-p99": true,
    "input-lost": true,
    "wire-bytes": true,
    "rollback-8": true,
  });
});

Deno.test("missing figures are 'not measured', and unimpaired input runs are never a pass", () => {
  const r = results();
  delete r.connect;
  r.input.impaired.realImpairment = false;
  r.lobby.duet.relay[0].serverCpuUsPerMsg = 17; // > 0.8 x 20
  const v = byId(r);
  assert.equal(v["connect-p50"], null);
  assert.equal(v["input-p99"], null);
  assert.equal(v["input-lost"], null);
  assert.equal(v["relay-cpu"], false);
  assert.match(verdicts(r).find((x) => x.id === "input-p99")!.figure, /NO REAL IMPAIRMENT/);
});

Deno.test("markdown shows the targets with verdicts and links the figures", () => {
  const md = markdown({ ...results(), note: "why" }, { connect: "connect_cdf.svg" });
  assert.match(md, /\| relay: RTT p99 at 1000 pairs no worse than PeerJS's \| .* \| MISS \|/);
  assert.match(md, /!\[Connect time CDF[^\]]*\]\(connect_cdf\.svg\)/);
  assert.match(md, /## Closing note\n\nwhy/);
  assert.ok(!md.includes("undefined"));
});

Deno.test("tables and one-line errors render plainly", () => {
  assert.equal(mdTable(["a", "b"], [[1, "x|y"]]), "| a | b |\n|---|---|\n| 1 | x\\|y |");
  assert.equal(textTable(["a", "bb"], [["ccc", 1]]), "a    bb\n---  --\nccc  1");
  assert.equal(
    oneLine("\x1b[31merror\x1b[0m: boom\n  at x\nStack backtrace:\n 0: <unknown>"),
    "error: boom at x",
  );
});
