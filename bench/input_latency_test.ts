import assert from "node:assert/strict";
import { parseStrategies } from "./input_latency.ts";

Deno.test("--strategies takes resend delays and the setTimeout-chain driver", () => {
  assert.deepEqual(parseStrategies("4,1,timeout"), [
    { resendAfterMs: 4 },
    { resendAfterMs: 1 },
    { driver: "timeout" },
  ]);
  assert.deepEqual(parseStrategies(undefined), []);
});

Deno.test("--strategies refuses what is neither a delay nor a driver", () => {
  assert.throws(() => parseStrategies("2,worker"), /bad resendAfterMs "worker"/);
  assert.throws(() => parseStrategies("-1"), /bad resendAfterMs/);
});
