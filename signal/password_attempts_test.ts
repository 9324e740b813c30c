import assert from "node:assert/strict";
import { createPasswordAttempts } from "./password_attempts.ts";

Deno.test("the first wrong passwords are free, then each one doubles the wait", () => {
  const a = createPasswordAttempts({ freeAttempts: 3, baseMs: 1000, maxMs: 8000 });
  const keys = ["room:r", "ip:1.2.3.4"];
  for (let i = 0; i < 3; i++) {
    assert.equal(a.wait(keys, 0), 0);
    a.failed(keys, 0);
  }
  assert.equal(a.wait(keys, 0), 0, "three free attempts, the fourth is still allowed");
  a.failed(keys, 0);
  assert.equal(a.wait(keys, 0), 1000);
  a.failed(keys, 1000);
  assert.equal(a.wait(keys, 1000), 2000);
  a.failed(keys, 3000);
  assert.equal(a.wait(keys, 3000), 4000);
  a.failed(keys, 7000);
  a.failed(keys, 15000);
  assert.equal(a.wait(keys, 15000), 8000, "capped at the maximum");
});

Deno.test("a room's count holds against guesses from many addresses", () => {
  const a = createPasswordAttempts({ freeAttempts: 2, baseMs: 500, maxMs: 4000 });
  for (let i = 0; i < 4; i++) a.failed(["room:r", `ip:10.0.0.${i}`], 0);
  assert.ok(a.wait(["room:r", "ip:10.0.0.99"], 0) > 0, "a fresh address still waits");
  assert.equal(a.wait(["room:other", "ip:10.0.0.99"], 0), 0, "other rooms are not affected");
});

Deno.test("an address's count holds across rooms", () => {
  const a = createPasswordAttempts({ freeAttempts: 2, baseMs: 500, maxMs: 4000 });
  for (let i = 0; i < 4; i++) a.failed([`room:${i}`, "ip:x"], 0);
  assert.ok(a.wait(["room:new", "ip:x"], 0) > 0);
});

Deno.test("idle entries are forgotten after twice the longest wait", () => {
  const a = createPasswordAttempts({ freeAttempts: 1, baseMs: 100, maxMs: 1000 });
  a.failed(["k"], 0);
  a.failed(["k"], 0);
  assert.equal(a.size, 1);
  assert.equal(a.wait(["k"], 2001), 0);
  assert.equal(a.size, 0);
});

Deno.test("a first wait of 0 turns the backoff off and keeps nothing", () => {
  const a = createPasswordAttempts({ freeAttempts: 0, baseMs: 0, maxMs: 1000 });
  for (let i = 0; i < 50; i++) a.failed(["room:r", "ip:x"], i);
  assert.equal(a.wait(["room:r", "ip:x"], 50), 0);
  assert.equal(a.size, 0);
});
