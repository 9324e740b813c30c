import assert from "node:assert/strict";
import { createOpenRoomQueue } from "./open_room_queue.ts";

interface Item {
  seq: number;
}

Deno.test("peek returns the oldest item regardless of insertion order", () => {
  const q = createOpenRoomQueue<Item>((i) => i.seq);
  const items = [5, 1, 9, 3].map((seq) => ({ seq }));
  for (const i of items) q.add(i);
  assert.equal(q.peek()?.seq, 1);
  assert.equal(q.size, 4);
});

Deno.test("add is idempotent and remove of an absent item is a no-op", () => {
  const q = createOpenRoomQueue<Item>((i) => i.seq);
  const a = { seq: 1 };
  q.add(a);
  q.add(a);
  assert.equal(q.size, 1);
  q.remove({ seq: 1 });
  assert.equal(q.size, 1);
  q.remove(a);
  q.remove(a);
  assert.equal(q.size, 0);
  assert.equal(q.peek(), undefined);
  assert.equal(q.has(a), false);
});

Deno.test("random adds and removes keep the heap order (checked against a sorted model)", () => {
  const q = createOpenRoomQueue<Item>((i) => i.seq);
  const model = new Set<Item>();
  const all = Array.from({ length: 200 }, (_, seq) => ({ seq }));
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let step = 0; step < 5000; step++) {
    const item = all[rand(all.length)];
    if (rand(2) === 0) {
      q.add(item);
      model.add(item);
    } else {
      q.remove(item);
      model.delete(item);
    }
    const oldest = [...model].sort((a, b) => a.seq - b.seq)[0];
    assert.equal(q.peek(), oldest, `step ${step}`);
    assert.equal(q.size, model.size);
    assert.equal(q.has(item), model.has(item));
  }
});
