import assert from "node:assert/strict";
import { createQuietCloser } from "./quiet_close.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorder() {
  const calls: [number, string][] = [];
  return { calls, close: (code: number, reason: string) => void calls.push([code, reason]) };
}

Deno.test("closes after the quiet period when no frames arrive", async () => {
  const socket = recorder();
  const closer = createQuietCloser(socket, { quietMs: 10 });
  closer.close(1008, "rate limit exceeded");
  assert.deepEqual(socket.calls, []);
  await sleep(40);
  assert.deepEqual(socket.calls, [[1008, "rate limit exceeded"]]);
});

Deno.test("waits while frames keep arriving, then closes once quiet", async () => {
  // Manual time decides "quiet"; real timers only drive the checks, so load cannot flake this.
  let t = 0;
  const socket = recorder();
  const closer = createQuietCloser(socket, { quietMs: 20, maxWaitMs: 5000, now: () => t });
  closer.close(1009, "message too large");
  for (let i = 0; i < 5; i++) {
    t += 10;
    closer.noteFrame();
    await sleep(25);
    assert.deepEqual(socket.calls, [], `closed while frames were arriving (${i})`);
  }
  t += 20;
  await sleep(50);
  assert.deepEqual(socket.calls, [[1009, "message too large"]]);
});

Deno.test("a client that never goes quiet is closed at the deadline", async () => {
  let t = 0;
  const socket = recorder();
  const closer = createQuietCloser(socket, { quietMs: 5, maxWaitMs: 50, now: () => t });
  closer.close(1008, "x");
  for (let i = 0; i < 40 && socket.calls.length === 0; i++) {
    t += 5;
    closer.noteFrame();
    await sleep(6);
  }
  assert.deepEqual(socket.calls, [[1008, "x"]]);
  assert.ok(t >= 50 && t <= 70, `closed at ${t}`);
});

Deno.test("flush closes at once; cancel and repeated closes do nothing more", async () => {
  const socket = recorder();
  const closer = createQuietCloser(socket, { quietMs: 1000 });
  closer.flush();
  assert.deepEqual(socket.calls, []);
  closer.close(1001, "shutdown");
  closer.close(1008, "ignored");
  closer.flush();
  closer.flush();
  assert.deepEqual(socket.calls, [[1001, "shutdown"]]);
  const other = recorder();
  const cancelled = createQuietCloser(other, { quietMs: 5 });
  cancelled.close(1008, "x");
  cancelled.cancel();
  await sleep(20);
  assert.deepEqual(other.calls, []);
});
