import assert from "node:assert/strict";
import { loadConfig } from "../signal/config.ts";
import { BENCH_LOBBY_ENV } from "./lobby_env.ts";

Deno.test("the bench lobby's settings are valid and turn every per-address and churn limit off", () => {
  const c = loadConfig((name) => BENCH_LOBBY_ENV[name]);
  assert.deepEqual(
    [
      c.maxConnectionsPerIp,
      c.ipMessagesPerSecond,
      c.ipChurnPerSecond,
      c.churnPerSecond,
      c.passwordBackoffMs,
    ],
    [0, 0, 0, 0, 0],
  );
});
