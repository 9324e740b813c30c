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
  assert.ok(p.allows("https://evil.example", "lobby.example"));
  assert.ok(p.allows("null", "lobby.example"));
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
  assert.ok(p.allows("https://game.example.com", "lobby.example.com"));
  assert.ok(p.allows("https://GAME.example.com:443", "lobby.example.com"));
  assert.ok(p.allows("http://localhost:5173", "lobby.example.com"));
  assert.ok(p.allows("https://eu.cdn.example.net", "lobby.example.com"));
  assert.ok(p.allows("https://lobby.example.com", "lobby.example.com"));
  assert.ok(p.allows("http://127.0.0.1:8790", "127.0.0.1:8790"));
  assert.ok(p.allows(null, "lobby.example.com"));

  assert.equal(p.allows("https://evil.example", "lobby.example.com"), false);
  assert.equal(p.allows("http://game.example.com", "lobby.example.com"), false);
  assert.equal(p.allows("http://localhost:5174", "lobby.example.com"), false);
  assert.equal(p.allows("https://cdn.example.net", "lobby.example.com"), false);
  assert.equal(p.allows("https://evilcdn.example.net", "lobby.example.com"), false);
  assert.equal(p.allows("https://game.example.com.evil.example", "lobby.example.com"), false);
  assert.equal(p.allows("null", "lobby.example.com"), false);
  assert.equal(p.allows("https://game.example.com", null), true);
});

Deno.test("bad entries fail with the setting's name", () => {
  for (const bad of ["game.example.com", "https://x/path", "*", "ws://x"]) {
    assert.throws(() => createOriginPolicy([bad]), /ALLOWED_ORIGINS/, bad);
  }
});
