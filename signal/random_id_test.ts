import assert from "node:assert/strict";
import { randomBase32 } from "./random_id.ts";

Deno.test("randomBase32 has the requested length and only unambiguous symbols", () => {
  for (let i = 0; i < 100; i++) {
    const s = randomBase32(16);
    assert.match(s, /^[0-9A-HJKMNP-TV-Z]{16}$/);
  }
});

Deno.test("randomBase32 draws from the given source and covers the whole alphabet", () => {
  let next = 0;
  const counting = (bytes: Uint8Array<ArrayBuffer>) => {
    for (let i = 0; i < bytes.length; i++) bytes[i] = next++;
  };
  assert.equal(randomBase32(32, counting), "0123456789ABCDEFGHJKMNPQRSTVWXYZ");
  assert.equal(randomBase32(2, () => {}), "00");
});

Deno.test("secure ids do not repeat", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 10_000; i++) seen.add(randomBase32(10));
  assert.equal(seen.size, 10_000);
});
