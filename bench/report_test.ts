import assert from "node:assert/strict";
import {
  bestStrategy,
  markdown,
  mdTable,
  MISS_REASONS,
  oneLine,
  relayMissReason,
  relayProfileSection,
  relayTailSection,
  type Results,
  roundSpread,
  sizeMissReason,
  staleSections,
  tailWords,
  textTable,
  verdicts,
  whyNot,
} from "./report.ts";

const results = (): Results => ({
  recovery: {
    rows: [
      { kind: "freeze", hitchMs: 400, seed: 1, secondsToSync: 0.28, rollbacks: 3, meanDepth: 2.3 },
      { kind: "freeze", hitchMs: 400, seed: 2, secondsToSync: 0.31, rollbacks: 5, meanDepth: 2.1 },
    ],
  },
  meta: { date: "d", quick: false },
  lobby: {
    duetStack: "deno",
    duet: {
      relay: [
        { pairs: 100, serverCpuUsPerMsg: 30, rttMs: { p50: 1, p99: 2, max: 9 } },
        { pairs: 1000, serverCpuUsPerMsg: 10, rttMs: { p50: 1, p99: 5, max: 9 } },
      ],
      idle: [{ target: 1000, held: 1000, failed: 0, rssKiB: 1, rssKiBPerConn: 30 }, {
        target: 10000,
        held: 10000,
        failed: 0,
        rssKiB: 1,
        rssKiBPerConn: 21,
      }],
    },
    "floor-deno": {
      relay: [
        { pairs: 100, serverCpuUsPerMsg: 28, rttMs: { p50: 1, p99: 2, max: 9 } },
        { pairs: 1000, serverCpuUsPerMsg: 9.5, rttMs: { p50: 1, p99: 4.5, max: 9 } },
      ],
      idle: [{ target: 10000, held: 10000, failed: 0, rssKiB: 1, rssKiBPerConn: 20 }],
    },
    "floor-ws": {
      relay: [{ pairs: 1000, serverCpuUsPerMsg: 5, rttMs: { p50: 1, p99: 1, max: 9 } }],
      idle: [{ target: 10000, held: 10000, failed: 0, rssKiB: 1, rssKiBPerConn: 5 }],
    },
    peerjs: {
      relay: [
        { pairs: 100, serverCpuUsPerMsg: 40, rttMs: { p50: 1, p99: 3, max: 9 } },
        { pairs: 1000, serverCpuUsPerMsg: 20, rttMs: { p50: 1, p99: 4, max: 9 } },
      ],
    },
  },
  connect: { duet: { n: 20, p50: 20, p95: 40 }, bare: { n: 20, p50: 18, p95: 35 } },
  input: {
    impaired: { delayMs: 20, lossPct: 5, realImpairment: true },
    duet: { latencyMs: { p99: 26 }, framesLost: 0, framesSent: 2400, stalls: 0 },
    reliable: { latencyMs: { p99: 120 }, framesLost: 0, stalls: 3 },
    baseline: { duet: { latencyMs: { p99: 24 } } },
    runs: [{
      delayMs: 20,
      lossPct: 5,
      duet: { latencyMs: { p99: 26 }, framesLost: 0 },
      duetSend: { packetsPerS: 120, resendsPerS: 60, bytesPerS: 1700 },
      strategies: [
        {
          strategy: { resendAfterMs: 1 },
          latencyMs: { p99: 24.5 },
          framesLost: 0,
          packetsPerS: 120,
        },
        { strategy: { resendAfterMs: 0 }, latencyMs: { p99: 20 }, framesLost: 2, packetsPerS: 60 },
      ],
    }],
  },
  size: {
    entries: [{ role: "client", label: "c", gzipBytes: 29_000 }, {
      role: "peerjs",
      label: "p",
      error: "peerjs is not installed",
    }],
  },
  tick: {
    rows: [{
      rollbackFrames: 8,
      delayMs: 118,
      inputDelay: 0,
      frames: 900,
      netcodeMs: { p50: 0.1, p99: 0.4, max: 1 },
      meanRollbackDepth: 7.5,
      maxRollbackDepth: 8,
      rollbacksPerS: 10,
      stalls: 0,
    }],
  },
  wire: {
    packets: [{ frames: 8, msgpackBytes: 20, msgpackBytesWorstFrameNumbers: 22, jsonBytes: 69 }],
  },
  rollback: { rows: [{ runtime: "chromium", depth: 8, usPerTick: { p50: 9, p99: 12 } }] },
});

const byId = (r: Results) => Object.fromEntries(verdicts(r).map((v) => [v.id, v.pass]));

Deno.test("verdicts judge each target of issues 6 and 15 against its figure", () => {
  assert.deepEqual(byId(results()), {
    "relay-cpu-floor": true, // 10 <= 1.1 x 9.5
    "relay-cpu-peerjs": true, // 10 <= 0.9 x 20
    "relay-p99-100": true, // 2 <= 3 and <= 1.2 x 2
    "relay-p99-1000": false, // 5 ms vs PeerJS 4 ms
    "idle-rss": true, // 21 <= 20 + 2 at 10k
    "input-packets": true,
    "client-size": true,
    "tick-netcode": true,
    "connect-p50": true,
    "connect-p95": true,
    "input-p99": true,
    "input-lost": true,
    "wire-bytes": true,
    "rollback-8": true,
    "recovery-freeze": true, // 0.31 s <= 1 s
  });
});

Deno.test("missing figures are 'not measured', and unimpaired input runs are never a pass", () => {
  const r = results();
  delete r.connect;
  r.input.impaired.realImpairment = false;
  r.lobby.duet.relay[1].serverCpuUsPerMsg = 19; // > 0.9 x 20 and > 1.1 x 9.5
  r.lobby.duetStack = "ws"; // the floor is now floor-ws: 21 KiB > 5 + 2
  delete r.tick;
  const v = byId(r);
  assert.equal(v["connect-p50"], null);
  assert.equal(v["input-p99"], null);
  assert.equal(v["input-lost"], null);
  assert.equal(v["relay-cpu-peerjs"], false);
  assert.equal(v["relay-cpu-floor"], false);
  assert.equal(v["idle-rss"], false);
  assert.equal(v["tick-netcode"], null);
  assert.match(verdicts(r).find((x) => x.id === "input-p99")!.figure, /NO REAL IMPAIRMENT/);
});

Deno.test("markdown shows the targets with verdicts and links the figures", () => {
  const md = markdown({ ...results(), note: "why" }, { connect: "connect_cdf.svg" });
  assert.match(
    md,
    /\| relay: RTT p99 at 1000 pairs <= PeerJS's and <= 1\.2x the bare relay's \| .* \| MISS \|/,
  );
  assert.match(
    md,
    /Lowest p99 with nothing lost at <= 120 packets\/s in this run: \*\*resendAfterMs 1\*\*/,
  );
  assert.match(md, /not measured: peerjs is not installed/);
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

Deno.test("a figure measured at an older commit than the report's is flagged", () => {
  const r = results();
  r.meta.commit = "head1";
  r.meta.sectionCommits = { lobby: "head1", connect: "old22" };
  assert.deepEqual(staleSections(r), [{ section: "connect", commit: "old22" }]);
  const md = markdown(r, {});
  assert.match(md, /duet 20 ms vs bare 18 ms = 1\.11x \(MEASURED AT old22\)/);
  assert.match(
    md,
    /Figures from an older commit than this report's \(head1\):\*\* connect at old22/,
  );
});

Deno.test("the winning strategy lost nothing within the packet budget, with the lowest p99", () => {
  assert.deepEqual(bestStrategy(results())?.strategy, { resendAfterMs: 1 });
  const r = results();
  r.input.runs[0].strategies[0].framesLost = 1;
  assert.deepEqual(bestStrategy(r)?.strategy, { default: true });
});

Deno.test("each target that is not met says why: the benchmark's error, or the known reason", () => {
  const r = { errors: ["lobby: timed out after 600 s: floor-deno relay 1000 pairs"] };
  const missed = { id: "tick-netcode", target: "t", figure: "f", pass: false };
  const unmeasured = { id: "idle-rss", target: "t", figure: "f", pass: null };
  assert.match(whyNot(r, missed), /GC/);
  assert.match(whyNot(r, unmeasured), /^did not run: lobby: timed out after 600 s/);
  assert.equal(whyNot({}, { ...unmeasured, id: "client-size" }), "not run in this report");
  assert.equal(whyNot(r, { ...missed, pass: true }), "");
  for (const id of Object.keys(MISS_REASONS)) assert.ok(MISS_REASONS[id].length > 20, id);
});

Deno.test("the spectators section shows each condition's tick and input figures", () => {
  const row = (label: string, spectators: number, got: number | null) => ({
    label,
    spectators,
    stream: spectators >= 0,
    tickMs: { p50: 0.44, p99: 3.7 },
    rttMs: { p50: 2.9, p99: 10.5 },
    batches: 110,
    confirmedFrame: 901,
    spectatorFramesMin: got,
    stalls: 0,
  });
  const md = markdown({
    ...results(),
    spectators: {
      conditions: "two pages",
      rows: [row("no stream", 0, null), row("8 spectators", 8, 902)],
      errors: ["8 spectators: boom"],
    },
  }, {});
  assert.match(md, /## 8\. Spectators cost the players nothing/);
  assert.match(
    md,
    /\| no stream \| 0\.44 \| 3\.7(00)? \| 2\.9(0)? \| 10\.5(0)? \| 110 \| – \| 0 \|/,
  );
  assert.match(md, /\| 8 spectators \| .* \| 902 of 902 frames \| 0 \|/);
  assert.match(md, /Errors: 8 spectators: boom/);
});

Deno.test("the client-size figure puts a game's own import beside the every-export entry", () => {
  const r = results();
  r.size.entries.splice(1, 0, { role: "import", label: "a game's import", gzipBytes: 24_500 });
  const v = verdicts(r).find((x) => x.id === "client-size")!;
  assert.match(v.figure, /c 29 kB gzip; a game's import 24\.5 kB; PeerJS client/);
  assert.equal(v.pass, true); // judged on the every-export entry alone
  assert.doesNotMatch(verdicts(results()).find((x) => x.id === "client-size")!.figure, /import/);
});

Deno.test("the tick section prints the traced pass's wall and on-CPU figures, and the miss says how much was waiting", () => {
  const r = results();
  const row = r.tick.rows[0];
  row.netcodeMs.p99 = 0.9;
  row.traced = {
    frames: 1800,
    wallMs: { p50: 0.2, p99: 1.1 },
    cpuMs: { p50: 0.15, p99: 0.56 },
    threadTime: true,
    sendCpuMsP50: 0.12,
    marksPerFrameP50: 5,
    markUs: 3,
    sampler: false,
    tail: { frames: 18, meanWallMs: 1.5, meanCpuMs: 0.5, meanSendCpuMs: 0.16, top: [] },
  };
  const v = verdicts(r).find((x) => x.id === "tick-netcode")!;
  assert.equal(v.pass, false); // judged on the untraced wall p99
  assert.match(v.figure, /traced pass: wall p99 1.1 ms, on-CPU p99 0.56 ms/);
  const why = whyNot(r, v);
  assert.match(why, /1.5 ms on the wall clock but 0.5 ms on the main thread's CPU \(67% waiting/);
  const md = markdown(r, {});
  assert.match(
    md,
    /\| 8 frames \| 1800 \| 0.2\/1.1 \| 0.15\/0.56 \| 0.12 \| 18: 1.5\/0.5\/0.16 \| 3 x 5 \|/,
  );
  assert.match(md, /sampler off/);
  // Without the pass the section says so, and the reason is the standing one.
  delete row.traced;
  assert.match(markdown(r, {}), /Traced pass \(on-CPU time\): not run in this report/);
  assert.equal(whyNot(r, v), MISS_REASONS["tick-netcode"]);
});

const profiled = (): Results => ({
  ...results(),
  lobby: {
    ...results().lobby,
    duetStack: "ws",
    duet: {
      relay: [
        { pairs: 100, serverCpuUsPerMsg: 30, rttMs: { p99: 2.5 }, rttP99ByRoundMs: [0.6, 2.9, 1] },
        { pairs: 1000, serverCpuUsPerMsg: 44, rttMs: { p99: 200 }, rttP99ByRoundMs: [133, 248] },
      ],
    },
    "floor-ws": {
      relay: [
        { pairs: 100, serverCpuUsPerMsg: 28, rttMs: { p99: 1.7 }, rttP99ByRoundMs: [0.8, 4] },
        { pairs: 1000, serverCpuUsPerMsg: 40, rttMs: { p99: 400 }, rttP99ByRoundMs: [203, 484] },
      ],
    },
    peerjs: {
      relay: [
        { pairs: 100, serverCpuUsPerMsg: 40, rttMs: { p99: 1.5 }, rttP99ByRoundMs: [0.9, 1.2] },
        { pairs: 1000, serverCpuUsPerMsg: 50, rttMs: { p99: 300 }, rttP99ByRoundMs: [256, 486] },
      ],
    },
  },
  lobbyProfile: {
    pairs: 1000,
    runs: 3,
    mainUs: { duet: 63.1, floor: 52.4 },
    allThreadsUs: { duet: 50.5, floor: 47.6 },
    groups: [
      { phase: "app", duet: 8.34, floor: 1.59, delta: 6.75 },
      { phase: "node-compat", duet: 39.6, floor: 36.8, delta: 2.8 },
      { phase: "ws", duet: 10, floor: 11, delta: -1 },
    ],
    phases: [
      { phase: "app routeSignal room_signal.ts", duet: 1.85, floor: 0, delta: 1.85 },
      { phase: "app relayBytes memory_registry.ts", duet: 1.83, floor: 0, delta: 1.83 },
      { phase: "node-compat net.ts", duet: 1.66, floor: 0.94, delta: 0.72 },
      { phase: "app take rate_limit.ts", duet: 0.29, floor: 0, delta: 0.29 },
      { phase: "app other floor_relay.ts", duet: 0, floor: 0.89, delta: -0.89 },
    ],
  },
});

Deno.test("roundSpread: lowest-highest of the rounds' p99s, with their count", () => {
  assert.equal(roundSpread([0.6, 2.9, 1]), "0.6-2.9 (3)");
  assert.equal(roundSpread([1.234]), "1.23");
  assert.equal(roundSpread(undefined), "n/a");
  assert.equal(roundSpread([]), "n/a");
});

Deno.test("the relay misses say why from this run's figures and its profile", () => {
  const r = profiled();
  const peer = relayMissReason(r, "relay-cpu-peerjs");
  // The floor is 40/50 = 0.8x PeerJS, so 0.9x PeerJS leaves duet 1.13x its floor.
  assert.match(peer, /itself 0\.8x PeerJS/);
  assert.match(peer, /at or under 1\.13x its floor/);
  // duet's own rows sum to 1.85 + 1.83 + 0.29 - 0.89 (the floor's handler) = 3.08 µs.
  assert.match(peer, /own code at 3\.08 µs/);
  assert.match(peer, /routeSignal 1\.85, relayBytes 1\.83, take 0\.29/);
  assert.match(relayMissReason(r, "relay-cpu-floor"), /node layer at 2\.8 and `ws` at -1 µs/);
  assert.match(
    relayMissReason(r, "relay-p99-100"),
    /each of the 3 rounds: duet 0\.6-2\.9 \(3\), PeerJS 0\.9-1\.2 \(2\), floor-ws 0\.8-4 \(2\)/,
  );
  assert.match(relayMissReason(r, "relay-p99-1000"), /duet 1\.1x the floor's here/);
  const none = { ...r, lobbyProfile: undefined };
  assert.match(relayMissReason(none, "relay-cpu-floor"), /no relay profile in this report/);
  assert.match(
    whyNot(r, { id: "relay-cpu-peerjs", target: "t", figure: "f", pass: false }),
    /0\.8x/,
  );
});

Deno.test("the report shows the relay profile's groups and phases, and each round's p99", () => {
  const md = markdown(profiled(), {});
  assert.match(md, /### Where duet's CPU per relayed message goes/);
  assert.match(md, /3 run\(s\) of each at 1000 pairs/);
  assert.match(md, /\| app routeSignal room_signal\.ts \| 1\.85 \| 0 \| 1\.85 \|/);
  assert.match(md, /\| app \| 8\.34 \| 1\.59 \| 6\.75 \|/);
  assert.match(md, /\| 0\.6-2\.9 \(3\) \|/);
  assert.equal(relayProfileSection(results()), "");
});

const tailed = (): Results => ({
  ...profiled(),
  lobbyTail: {
    pairs: 100,
    rounds: 4,
    servers: [
      {
        server: "duet",
        rounds: 4,
        p99ByRoundMs: [1.1, 2.2],
        slowMs: 410,
        windowMs: 19988,
        sampleHz: 5000,
        others: [{ comm: "kdamond", ms: 12.5 }],
        rows: [
          { core: 0, who: "server main thread", slowPct: 30, allPct: 14 },
          { core: 0, who: "server V8 GC helpers", slowPct: 12, allPct: 1 },
          { core: 0, who: "other processes", slowPct: 8, allPct: 2 },
          { core: 0, who: "idle", slowPct: 50, allPct: 83 },
          { core: 1, who: "generator main thread", slowPct: 20, allPct: 18 },
          { core: 1, who: "idle", slowPct: 80, allPct: 82 },
        ],
      },
      {
        server: "peerjs",
        rounds: 4,
        p99ByRoundMs: [1.3],
        slowMs: 300,
        windowMs: 19990,
        sampleHz: 5000,
        others: [],
        rows: [
          { core: 0, who: "server main thread", slowPct: 25, allPct: 15 },
          { core: 0, who: "idle", slowPct: 75, allPct: 85 },
        ],
      },
    ],
  },
});

Deno.test("the tail profile: each core's split beside the whole window, per server", () => {
  const md = relayTailSection(tailed());
  assert.match(md, /### What the slowest 1% of round trips at 100 pairs waited on/);
  assert.match(
    md,
    /\| core \| who \| duet slow % \| duet all % \| peerjs slow % \| peerjs all % \|/,
  );
  // peerjs has no GC-helper row: its cells are 0, not missing.
  assert.match(md, /\| 0 \(server\) \| server V8 GC helpers \| 12 \| 1 \| 0 \| 0 \|/);
  assert.match(md, /\| 1 \(generator\) \| generator main thread \| 20 \| 18 \| 0 \| 0 \|/);
  assert.match(
    md,
    /- duet: round p99s 1\.1, 2\.2 ms; slow windows 410 ms of 20 s; .*kdamond 12\.5 ms/,
  );
  assert.match(markdown(tailed(), {}), /What the slowest 1% of round trips/);
  assert.equal(relayTailSection(results()), "");
  assert.match(
    relayTailSection({ lobbyTail: { error: "cannot run: perf is missing" } }),
    /Not measured: cannot run: perf is missing\./,
  );
});

Deno.test("the 100-pair p99 miss says what the tail waited on, from the tail profile", () => {
  const why = relayMissReason(tailed(), "relay-p99-100");
  assert.match(why, /duet main thread 30% \(14% overall\), its V8 GC helpers 12% \(1%\)/);
  assert.match(why, /idle 50% \(83%\), and the generator's core was busy 20% \(18%\)/);
  assert.match(why, /peerjs main thread 25% \(15% overall\), its V8 GC helpers 0% \(0%\)/);
  // No floor in this profile: no comparison with it.
  assert.doesNotMatch(why, /points more/);
  const withFloor = tailed();
  withFloor.lobbyTail.servers.push({
    server: "floor-ws",
    rows: [{ core: 0, who: "server main thread", slowPct: 26.5, allPct: 13 }],
  });
  assert.match(
    relayMissReason(withFloor, "relay-p99-100"),
    /duet's main thread held 3\.5 points more of its slow windows than the floor's/,
  );
  withFloor.lobbyTail.servers[2].rows[0].slowPct = 31;
  assert.match(relayMissReason(withFloor, "relay-p99-100"), /held 1 points less of its slow/);
  assert.match(tailWords(profiled()), /no tail profile in this report/);
  assert.match(
    tailWords({ lobbyTail: { error: "cannot run: x" } }),
    /did not run \(cannot run: x\)/,
  );
});

Deno.test("the client-size miss is worded from the run's own shares", () => {
  const r: Results = {
    size: {
      entries: [{
        role: "client",
        shares: [
          { input: "webrtc-adapter", gzipBytes: 13200 },
          { input: "msgpackr", gzipBytes: 10400 },
          { input: "duet's own code (all three left out)", gzipBytes: 41100 },
        ],
      }],
    },
  };
  assert.equal(
    sizeMissReason(r),
    "webrtc-adapter 13.2 kB, msgpackr 10.4 kB (all required) are 23.6 kB of it; duet's own code " +
      "alone is 41.1 kB, which 30 kB would leave 6.4 kB for (the size section's shares)",
  );
  assert.match(sizeMissReason({}), /~39 kB/, "no shares: the reason as investigated");
});
