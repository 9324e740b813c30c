import assert from "node:assert/strict";
import { DEFAULT_CONFIG, loadConfig } from "./config.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("no environment gives the defaults", () => {
  const c = loadConfig(envOf({}));
  assert.deepEqual(c, DEFAULT_CONFIG);
  assert.equal(c.port, 8000);
  assert.equal(c.hostname, "0.0.0.0");
  assert.equal(c.staticDir, "dist");
  assert.deepEqual(c.iceServers, []);
});

Deno.test("every variable is read", () => {
  const c = loadConfig(envOf({
    PORT: "9001",
    HOST: "127.0.0.1",
    STATIC_DIR: "build/web",
    ICE_STUN_URLS: "stun:a.example:3478, stuns:b.example:5349",
    MAX_CONNECTIONS: "50",
    MAX_ROOMS: "7",
    HEARTBEAT_TIMEOUT_MS: "0",
    RATE_LIMIT_PER_SECOND: "5",
    RATE_LIMIT_BURST: "9",
  }));
  assert.equal(c.port, 9001);
  assert.equal(c.hostname, "127.0.0.1");
  assert.equal(c.staticDir, "build/web");
  assert.deepEqual(c.iceServers, [{ urls: ["stun:a.example:3478", "stuns:b.example:5349"] }]);
  assert.deepEqual(
    [c.maxConnections, c.maxRooms, c.heartbeatTimeoutMs, c.messagesPerSecond, c.messageBurst],
    [50, 7, 0, 5, 9],
  );
});

Deno.test("an empty STATIC_DIR disables static files; PORT 0 is allowed", () => {
  const c = loadConfig(envOf({ STATIC_DIR: "", PORT: "0" }));
  assert.equal(c.staticDir, null);
  assert.equal(c.port, 0);
});

Deno.test("invalid values fail with the variable's name", () => {
  const bad: [string, string][] = [
    ["PORT", "eighty"],
    ["PORT", "70000"],
    ["PORT", "-1"],
    ["PORT", "80.5"],
    ["MAX_CONNECTIONS", "0"],
    ["MAX_ROOMS", "lots"],
    ["RATE_LIMIT_BURST", "0"],
    ["ICE_STUN_URLS", "turn:x.example"],
    ["ICE_STUN_URLS", "stun.example.com"],
  ];
  for (const [name, value] of bad) {
    assert.throws(() => loadConfig(envOf({ [name]: value })), new RegExp(name), `${name}=${value}`);
  }
});
