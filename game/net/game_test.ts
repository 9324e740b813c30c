import assert from "node:assert/strict";
import { checksumWords, isValidInput } from "./game.ts";

Deno.test("isValidInput accepts integers 0..255 only", () => {
  for (const ok of [0, 1, 128, 255]) assert.equal(isValidInput(ok), true, String(ok));
  for (const bad of [-1, 256, 1.5, NaN, Infinity, "1", null, undefined]) {
    assert.equal(isValidInput(bad), false, String(bad));
  }
});

Deno.test("checksumWords is an unsigned 32-bit hash sensitive to every word and to order", () => {
  const base = checksumWords([1, 2, 3, 4]);
  assert.ok(Number.isInteger(base) && base >= 0 && base <= 0xffff_ffff);
  assert.equal(checksumWords(new Int32Array([1, 2, 3, 4])), base);
  assert.notEqual(checksumWords([1, 2, 3, 5]), base);
  assert.notEqual(checksumWords([2, 1, 3, 4]), base);
  assert.notEqual(checksumWords([1, 2, 3, 4, 0]), base, "length matters");
  assert.notEqual(checksumWords([1, 2, 3, 4], 7), base, "seed matters");
  assert.equal(checksumWords([-1]), checksumWords([0xffff_ffff]), "words are taken as int32");
});
