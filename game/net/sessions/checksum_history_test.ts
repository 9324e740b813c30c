import assert from "node:assert/strict";
import { createChecksumHistory } from "./checksum_history.ts";

Deno.test("the history answers for every frame pushed while within the limit", () => {
  const h = createChecksumHistory(10_000);
  for (let f = 0; f < 9000; f++) h.push(f, (f * 2654435761) >>> 0);
  for (let f = 0; f < 9000; f++) assert.equal(h.get(f), (f * 2654435761) >>> 0);
  assert.equal(h.get(9000), undefined, "a frame not pushed yet");
  assert.equal(h.get(-1), undefined);
  assert.equal(h.get(1.5), undefined);
});

Deno.test("the history drops whole old chunks but always keeps the newest limit frames", () => {
  const h = createChecksumHistory(5000);
  for (let f = 0; f < 20_000; f++) h.push(f, f);
  for (let f = 15_000; f < 20_000; f++) assert.equal(h.get(f), f);
  assert.equal(h.get(0), undefined, "the oldest chunk is gone");
});

Deno.test("pushing a frame out of order is a bug in the caller and throws", () => {
  const h = createChecksumHistory(10);
  h.push(0, 1);
  assert.throws(() => h.push(2, 1), /expected 1/);
});
