import assert from "node:assert/strict";
import { EventQueue } from "./event_queue.ts";

Deno.test("events wait for flush and reach every listener in order; removed ones get nothing", () => {
  const q = new EventQueue<number>("test");
  const a: number[] = [], b: number[] = [];
  q.on((e) => a.push(e));
  const off = q.on((e) => b.push(e));
  q.push(1);
  q.push(2);
  assert.deepEqual(a, []);
  q.flush();
  assert.deepEqual([a, b], [[1, 2], [1, 2]]);
  off();
  q.push(3);
  q.flush();
  assert.deepEqual([a, b], [[1, 2, 3], [1, 2]]);
});

Deno.test("a throwing listener costs only itself; events it causes come after, to everyone", () => {
  const q = new EventQueue<string>("test");
  const seen: string[] = [];
  const realError = console.error;
  console.error = () => {};
  try {
    q.on((e) => {
      if (e === "first") {
        q.push("caused");
        q.flush(); // from inside a listener: nothing yet
        throw new Error("a listener bug");
      }
    });
    q.on((e) => seen.push(e));
    q.push("first");
    q.flush();
  } finally {
    console.error = realError;
  }
  assert.deepEqual(seen, ["first", "caused"]);
});
