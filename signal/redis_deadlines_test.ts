import assert from "node:assert/strict";
import { createDeadlines } from "./redis_deadlines.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("a deadline fires once after its time unless cancelled, in order", async () => {
  // Wide margins: under a parallel test run on 2 cores a 5 ms sleep can take 20 ms or more.
  const d = createDeadlines(250);
  const fired: string[] = [];
  d.add(() => fired.push("a"));
  const b = d.add(() => fired.push("b"));
  await sleep(5);
  d.add(() => fired.push("c"));
  b.cancel();
  b.cancel();
  assert.equal(d.size, 2);
  await sleep(15);
  assert.deepEqual(fired, []);
  await sleep(400);
  assert.deepEqual(fired, ["a", "c"]);
  assert.equal(d.size, 0);
});

Deno.test("bound resolves with the promise, or rejects once the time is up", async () => {
  const d = createDeadlines(20);
  assert.equal(await d.bound(Promise.resolve(7), "x"), 7);
  await assert.rejects(d.bound(Promise.reject(new Error("boom")), "x"), /boom/);
  await assert.rejects(d.bound(new Promise(() => {}), "inbox"), /inbox: no answer from Redis/);
  assert.equal(d.size, 0);
});

Deno.test("many cancelled waits cost no timer each and are dropped", async () => {
  const d = createDeadlines(10);
  for (let i = 0; i < 5000; i++) d.add(() => assert.fail("cancelled")).cancel();
  let late = false;
  d.add(() => (late = true));
  assert.equal(d.size, 1);
  await sleep(40);
  assert.ok(late);
  d.add(() => assert.fail("cleared"));
  d.clear();
  assert.equal(d.size, 0);
  await sleep(20);
});
