import assert from "node:assert/strict";
import { deliveries, parseImpair, sendRates, STALL_AFTER_MS } from "./input_analysis.ts";

Deno.test("deliveries measures latency per frame, counts lost frames and stall episodes", () => {
  const sent = [0, 100, 200, 300, 400, 500, NaN];
  const late = 200; // past STALL_AFTER_MS
  assert.ok(late > STALL_AFTER_MS);
  const recv = [20, 100 + late, 200 + late, 330, NaN, 500 + late, 700];
  const d = deliveries(sent, recv);
  assert.deepEqual(d.latencies, [20, late, late, 30, late]);
  assert.equal(d.lost, 1);
  assert.equal(d.stalledFrames, 3);
  assert.equal(d.stalls, 2); // frames 1-2 are one episode, frame 5 another
});

Deno.test("parseImpair reads DELAY,LOSS and rejects anything else clearly", () => {
  assert.deepEqual(parseImpair("20,5"), { delayMs: 20, lossPct: 5 });
  assert.deepEqual(parseImpair(null), { delayMs: 0, lossPct: 0 });
  assert.throws(() => parseImpair("20ms"), /DELAY_MS,LOSS_PCT/);
});

Deno.test("sendRates averages both pages' counters per second and tolerates missing ones", () => {
  const r = sendRates([
    { stats: { packetsSent: 2400, resends: 1200, bytesSent: 40_000 } },
    { stats: { packetsSent: 2200, bytesSent: 36_000 } }, // a transport without the resend counter
  ], 20);
  assert.deepEqual(r, { packetsPerS: 115, resendsPerS: 60, bytesPerS: 1900 });
  assert.ok(Number.isNaN(sendRates([{ stats: {} }], 20).bytesPerS));
  assert.throws(() => sendRates([], 0), /seconds/);
});
