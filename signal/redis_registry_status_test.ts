import assert from "node:assert/strict";
import { type ProcessReadout, registryStatus, roomStateCounts } from "./redis_registry_status.ts";

const running: ProcessReadout = {
  state: "running",
  processId: "p1",
  clientReady: true,
  clientStatus: "ready/ready/ready",
  heartbeatAgeMs: 100,
  ttlMs: 3000,
};

Deno.test("ready while running on ready connections with a fresh heartbeat, else why not", () => {
  assert.deepEqual(registryStatus(running), { ready: true, detail: "redis process p1" });
  assert.deepEqual(registryStatus({ ...running, state: "lost" }), {
    ready: false,
    detail: "redis registry lost",
  });
  assert.deepEqual(
    registryStatus({ ...running, clientReady: false, clientStatus: "ready/connecting/ready" }),
    { ready: false, detail: "redis ready/connecting/ready" },
  );
  assert.deepEqual(registryStatus({ ...running, heartbeatAgeMs: 3001 }), {
    ready: false,
    detail: "heartbeat overdue",
  });
});

Deno.test("room counts read a missing, negative or damaged counter as 0", () => {
  assert.deepEqual(roomStateCounts({ open: "3", full: "-2", playing: "x" }), {
    open: 3,
    full: 0,
    playing: 0,
  });
  assert.deepEqual(roomStateCounts({}), { open: 0, full: 0, playing: 0 });
});
