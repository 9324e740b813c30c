import assert from "node:assert/strict";
import { hashPassword, verifyPassword } from "./room_password.ts";

Deno.test("the right password verifies, others do not", () => {
  const h = hashPassword("hunter2");
  assert.equal(verifyPassword(h, "hunter2"), true);
  for (const wrong of ["", "hunter", "hunter22", "Hunter2", "hunter2 "]) {
    assert.equal(verifyPassword(h, wrong), false, wrong);
  }
});

Deno.test("the plain text is not stored and equal passwords hash differently", () => {
  const a = hashPassword("same");
  const b = hashPassword("same");
  assert.notDeepEqual(a.hash, b.hash);
  assert.notDeepEqual(a.salt, b.salt);
  const stored = new TextDecoder().decode(a.hash) + new TextDecoder().decode(a.salt);
  assert.equal(stored.includes("same"), false);
  assert.equal(a.hash.length, 32);
});

Deno.test("unicode passwords round-trip", () => {
  const h = hashPassword("пароль😀");
  assert.equal(verifyPassword(h, "пароль😀"), true);
  assert.equal(verifyPassword(h, "пароль"), false);
});
