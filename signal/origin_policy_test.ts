import assert from "node:assert/strict";
import { createOriginPolicy, normalizeOrigin } from "./origin_policy.ts";

Deno.test("normalizeOrigin lowercases, drops default ports, refuses non-origins", () => {
  assert.equal(normalizeOrigin("HTTPS://Game.Example.com:443"), "https://game.example.com");
  assert.equal(normalizeOrigin("http://localhost:5173/"), "http://localhost:5173");
  assert.equal(normalizeOrigin("http://[::1]:8000"), "http://[::1]:8000");
  for (const bad of ["null", "game.example.com", "ftp://x", "https://x/path", "https://u@x", ""]) {
    assert.equal(normalizeOrigin(bad), null, bad);
  }
});

Deno.test("an empty list allows every origin", () => {
  const p = createOriginPolicy([]);
  assert.ok(p.allows("https://evil.example"));
  assert.ok(p.allows("null"));
});

Deno.test("listed origins, subdomain wildcards, the lobby's own origin and no Origin pass", () => {
  const p = createOriginPolicy([
    "https://game.example.com",
    " http://localhost:5173 ",
    "https://*.cdn.example.net",
  ]);
  assert.deepEqual(p.entries, [
    "https://game.example.com",
    "http://localhost:5173",
    "https://*.cdn.example.net",
  ]);
  assert.ok(p.allows("https://game.example.com"));
  assert.ok(p.allows("https://GAME.example.com:443"));
  assert.ok(p.allows("http://localhost:5173"));
  assert.ok(p.allows("https://eu.cdn.example.net"));
  assert.ok(p.allows(null));

  assert.equal(p.allows("https://evil.example"), false);
  assert.equal(p.allows("http://game.example.com"), false);
  assert.equal(p.allows("http://localhost:5174"), false);
  assert.equal(p.allows("https://cdn.example.net"), false);
  assert.equal(p.allows("https://evilcdn.example.net"), false);
  assert.equal(p.allows("https://game.example.com.evil.example"), false);
  assert.equal(p.allows("null"), false);
});

Deno.test("with a list, an Origin equal to the Host header is no pass (DNS rebinding)", () => {
  const p = createOriginPolicy(["https://game.example.com"]);
  // A rebinding page at http://rebind.evil:8000 resolved to the lobby sends Host and Origin alike.
  assert.equal(p.allows("http://rebind.evil:8000"), false);
  assert.equal(p.allows("http://127.0.0.1:8790"), false);
});

Deno.test("bad entries fail with the setting's name", () => {
  for (const bad of ["game.example.com", "https://x/path", "*", "ws://x"]) {
    assert.throws(() => createOriginPolicy([bad]), /ALLOWED_ORIGINS/, bad);
  }
});
