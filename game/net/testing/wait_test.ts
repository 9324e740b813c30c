import assert from "node:assert/strict";
import { sleep, until } from "./wait.ts";

Deno.test("until: returns once the condition holds", async () => {
  let done = false;
  setTimeout(() => (done = true), 20);
  await until("the flag", () => done, 1_000, 2);
  assert.equal(done, true);
});

Deno.test("until: names what it waited for when it times out", async () => {
  await assert.rejects(
    () => until("the impossible", () => false, 30),
    /waiting for the impossible/,
  );
});

Deno.test("sleep: waits at least its time", async () => {
  const t = performance.now();
  await sleep(15);
  assert.ok(performance.now() - t >= 14);
});
