import assert from "node:assert/strict";
import { decodeStoredPassword, encodeStoredPassword } from "./redis_stored_password.ts";
import { hashPassword, verifyPassword } from "./room_password.ts";

Deno.test("a stored password reads back as the hash it was written from", () => {
  const stored = encodeStoredPassword({
    salt: new Uint8Array([0, 15, 255]),
    hash: new Uint8Array([1]),
  });
  assert.equal(stored, "000fff:01");
  assert.deepEqual(decodeStoredPassword(stored), {
    salt: new Uint8Array([0, 15, 255]),
    hash: new Uint8Array([1]),
  });
  const h = decodeStoredPassword(encodeStoredPassword(hashPassword("sesame")));
  assert.ok(h !== null && verifyPassword(h, "sesame") && !verifyPassword(h, "open"));
});

Deno.test("a damaged stored password decodes to null, not a hash", () => {
  for (const bad of ["abcdef", "ab:cd:ef", "zz:01", "ab:0", "ab:", ":01"]) {
    assert.equal(decodeStoredPassword(bad), null, bad);
  }
});

Deno.test("a stored hash of the wrong length is a wrong guess, not a thrown RangeError", () => {
  const h = hashPassword("sesame");
  assert.equal(verifyPassword({ salt: h.salt, hash: h.hash.subarray(0, 31) }, "sesame"), false);
  assert.equal(verifyPassword({ salt: h.salt, hash: new Uint8Array(0) }, "sesame"), false);
});
