import assert from "node:assert/strict";
import {
  lobbyConfig,
  lobbyStackOf,
  relayLevels,
  relayRow,
  roundsOf,
  withFileLimit,
} from "./lobby_load.ts";

Deno.test("the full run covers the issue's levels; quick is smaller", () => {
  const full = lobbyConfig(false), quick = lobbyConfig(true);
  assert.deepEqual(full.idleLevels, [1000, 5000, 10000]);
  assert.deepEqual(full.relayPairs, [10, 100, 1000]);
  assert.ok(quick.durationMs * quick.rounds < full.durationMs * full.rounds);
  assert.ok(Math.max(...quick.idleLevels) < 10000);
  // Inside bench/run.ts's hard limits (600 s full, 120 s quick), with time left to write.
  assert.ok(full.budgetMs <= 500_000 && quick.budgetMs <= 100_000);
});

Deno.test("relayRow pools rounds: rates over the summed window, CPU per delivered message", () => {
  const raw = (messages: number, cpu: number, rtts: number[]) => ({
    pairs: 100,
    failedPairs: 0,
    firstError: "",
    windowMs: 1000,
    messages,
    serverCpuMs: cpu,
    serverRunDelayMs: 10,
    generatorCpuMs: 100,
    rtts,
    lostOrLate: 1,
    serverErrors: 0,
    firstServerError: "",
    generatorLagMaxMs: messages / 100,
    generatorLagsOver20Ms: 1,
  });
  const row = relayRow("duet", 10, [raw(2000, 40, [1, 2]), raw(2000, 60, [3, 100])]);
  assert.equal(row.messagesPerS, 2000);
  assert.equal(row.serverCpuUsPerMsg, 25); // 100 ms of CPU for 4000 messages
  assert.equal(row.serverCpuPct, 5);
  assert.equal(row.serverRunDelayPct, 1);
  assert.equal(row.generatorCpuPct, 10);
  assert.equal(row.generatorLagMaxMs, 20);
  assert.equal(row.generatorLagsOver20Ms, 2);
  assert.equal(row.rttMs.n, 4);
  assert.equal(row.rttMs.max, 100);
  assert.deepEqual(row.rttP99ByRoundMs, [2, 100]);
  assert.equal(row.lostOrLate, 2);
  assert.equal(row.offeredRoundTripsPerS, 1000);
  assert.ok(row.messageBytes > 100);
});

Deno.test("withFileLimit raises the descriptor limit and then execs the command unchanged", () => {
  const argv = withFileLimit(["deno", "run", "x.ts"], 4096);
  assert.equal(argv[0], "sh");
  assert.match(argv[2], /ulimit -n 4096/);
  assert.deepEqual(argv.slice(-3), ["deno", "run", "x.ts"]);
});

Deno.test("the lobby's stack is ws once a source imports the ws package, else Deno's", () => {
  assert.equal(lobbyStackOf(["const s = Deno.upgradeWebSocket(req);"]), "deno");
  assert.equal(lobbyStackOf(['import { WebSocketServer } from "ws";']), "ws");
  assert.equal(lobbyStackOf(["import type { WebSocket } from 'npm:ws@8';"]), "ws");
  assert.equal(lobbyStackOf(['import { x } from "wsx";']), "deno");
});

Deno.test("the Redis lobby relays at its own subset of levels; every other kind at all", () => {
  const full = lobbyConfig(false);
  assert.deepEqual(relayLevels(full, "duet-redis"), [100, 1000]);
  assert.deepEqual(relayLevels(full, "floor-deno"), full.relayPairs);
});

Deno.test("the 100-pair level runs more rounds than the others, except in Redis mode", () => {
  const full = lobbyConfig(false), quick = lobbyConfig(true);
  assert.equal(roundsOf(full, "duet", 100), 6);
  assert.equal(roundsOf(full, "peerjs", 100), 6);
  assert.equal(roundsOf(full, "duet", 1000), full.rounds);
  assert.equal(roundsOf(full, "duet-redis", 100), full.rounds);
  assert.equal(roundsOf(quick, "duet", 100), quick.rounds);
});
