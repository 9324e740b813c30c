import assert from "node:assert/strict";
import { checkLimits, DEFAULT_CONFIG, loadConfig, SETTINGS, usage } from "./config.ts";

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

Deno.test("TURN, Redis, per-IP limits, origins, proxy, shutdown and log level are read", () => {
  const c = loadConfig(envOf({
    TURN_URLS: "turn:t.example:3478?transport=udp,turns:t.example:5349",
    TURN_SECRET: "s3cret",
    TURN_TTL_SECONDS: "600",
    REDIS_URL: "redis://10.0.0.5:6379/2",
    REDIS_PREFIX: "duet-eu",
    REDIS_PROCESS_TTL_MS: "3000",
    MAX_CONNECTIONS_PER_IP: "0",
    IP_RATE_LIMIT_PER_SECOND: "50",
    IP_RATE_LIMIT_BURST: "80",
    ALLOWED_ORIGINS: "https://game.example.com, https://*.example.net",
    TRUST_PROXY: "yes",
    SHUTDOWN_DEADLINE_MS: "2500",
    LOG_LEVEL: "WARN",
  }));
  assert.deepEqual(c.turn, {
    urls: ["turn:t.example:3478?transport=udp", "turns:t.example:5349"],
    secret: "s3cret",
    ttlSeconds: 600,
  });
  assert.equal(c.redisUrl, "redis://10.0.0.5:6379/2");
  assert.equal(c.redisPrefix, "duet-eu");
  assert.equal(c.redisProcessTtlMs, 3000);
  assert.deepEqual(
    [c.maxConnectionsPerIp, c.ipMessagesPerSecond, c.ipMessageBurst],
    [0, 50, 80],
  );
  assert.deepEqual(c.allowedOrigins, ["https://game.example.com", "https://*.example.net"]);
  assert.equal(c.trustProxy, true);
  assert.equal(c.shutdownDeadlineMs, 2500);
  assert.equal(c.logLevel, "warn");
});

Deno.test("flags mirror the variables and win over them", () => {
  const c = loadConfig(envOf({ PORT: "9000", LOG_LEVEL: "debug" }), [
    "--port",
    "9100",
    "--redis-url=redis://127.0.0.1:6380",
    "--trust-proxy",
    "--allowed-origins",
    "https://a.example",
    "--static-dir=",
  ]);
  assert.equal(c.port, 9100);
  assert.equal(c.redisUrl, "redis://127.0.0.1:6380");
  assert.equal(c.trustProxy, true);
  assert.deepEqual(c.allowedOrigins, ["https://a.example"]);
  assert.equal(c.staticDir, null);
  assert.equal(c.logLevel, "debug");
  assert.equal(
    loadConfig(envOf({ TRUST_PROXY: "true" }), ["--trust-proxy=false"]).trustProxy,
    false,
  );
});

Deno.test("bad flags fail clearly", () => {
  assert.throws(() => loadConfig(envOf({}), ["--prot", "1"]), /unknown flag --prot/);
  assert.throws(() => loadConfig(envOf({}), ["--port"]), /--port needs a value/);
  assert.throws(() => loadConfig(envOf({}), ["8000"]), /unexpected argument/);
  assert.throws(() => loadConfig(envOf({}), ["--port=x"]), /PORT must be an integer/);
});

Deno.test("TURN and other settings are checked together", () => {
  const bad: [Record<string, string>, RegExp][] = [
    [{ TURN_URLS: "turn:t.example:3478" }, /TURN_URLS needs TURN_SECRET/],
    [{ TURN_SECRET: "s" }, /TURN_SECRET is set but TURN_URLS is empty/],
    [{ TURN_URLS: "stun:t.example", TURN_SECRET: "s" }, /TURN_URLS entries/],
    [{ TURN_URLS: "turn:t", TURN_SECRET: "s", TURN_TTL_SECONDS: "5" }, /TURN_TTL_SECONDS/],
    [{ REDIS_URL: "localhost:6379" }, /REDIS_URL/],
    [{ REDIS_PREFIX: "bad prefix" }, /REDIS_PREFIX/],
    [{ ALLOWED_ORIGINS: "game.example.com" }, /ALLOWED_ORIGINS/],
    [{ TRUST_PROXY: "maybe" }, /TRUST_PROXY/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL/],
    [{ REDIS_PROCESS_TTL_MS: "10" }, /REDIS_PROCESS_TTL_MS/],
  ];
  for (const [vars, pattern] of bad) {
    assert.throws(() => loadConfig(envOf(vars)), pattern, JSON.stringify(vars));
  }
});

Deno.test("the settings table lists every variable loadConfig reads, and --help shows each", () => {
  const read = new Set<string>();
  loadConfig((name) => (read.add(name), undefined));
  assert.deepEqual([...read].sort(), SETTINGS.map((s) => s.env).sort());
  const help = usage();
  for (const s of SETTINGS) {
    assert.match(help, new RegExp(`${s.flag}\\b`));
    assert.ok(help.includes(s.env), s.env);
    assert.equal(s.flag, `--${s.env.toLowerCase().replaceAll("_", "-")}`);
  }
});

Deno.test("--help names the command the lobby was started with", () => {
  assert.match(usage(), /^duet lobby: deno run .* signal\/main\.ts \[flags\]$/m);
  assert.match(usage("duet-lobby"), /^duet lobby: duet-lobby \[flags\]$/m);
  assert.doesNotMatch(usage("duet-lobby"), /signal\/main\.ts/);
});

Deno.test("the table's defaults are the defaults loadConfig uses", () => {
  const d = loadConfig(envOf({}));
  const byEnv = Object.fromEntries(SETTINGS.map((s) => [s.env, s.default]));
  assert.equal(String(d.port), byEnv.PORT);
  assert.equal(d.hostname, byEnv.HOST);
  assert.equal(d.staticDir, byEnv.STATIC_DIR);
  assert.equal(String(d.maxConnections), byEnv.MAX_CONNECTIONS);
  assert.equal(String(d.maxConnectionsPerIp), byEnv.MAX_CONNECTIONS_PER_IP);
  assert.equal(String(d.maxRooms), byEnv.MAX_ROOMS);
  assert.equal(String(d.resumeGraceMs), byEnv.RESUME_GRACE_MS);
  assert.equal(String(d.heartbeatTimeoutMs), byEnv.HEARTBEAT_TIMEOUT_MS);
  assert.equal(String(d.messagesPerSecond), byEnv.RATE_LIMIT_PER_SECOND);
  assert.equal(String(d.messageBurst), byEnv.RATE_LIMIT_BURST);
  assert.equal(String(d.ipMessagesPerSecond), byEnv.IP_RATE_LIMIT_PER_SECOND);
  assert.equal(String(d.ipMessageBurst), byEnv.IP_RATE_LIMIT_BURST);
  assert.equal(String(d.churnPerSecond), byEnv.CHURN_PER_SECOND);
  assert.equal(String(d.churnBurst), byEnv.CHURN_BURST);
  assert.equal(String(d.ipChurnPerSecond), byEnv.IP_CHURN_PER_SECOND);
  assert.equal(String(d.ipChurnBurst), byEnv.IP_CHURN_BURST);
  assert.equal(String(d.passwordFreeAttempts), byEnv.PASSWORD_FREE_ATTEMPTS);
  assert.equal(String(d.passwordBackoffMs), byEnv.PASSWORD_BACKOFF_MS);
  assert.equal(String(d.passwordBackoffMaxMs), byEnv.PASSWORD_BACKOFF_MAX_MS);
  assert.equal(String(d.redisProcessTtlMs), byEnv.REDIS_PROCESS_TTL_MS);
  assert.equal(d.redisPrefix, byEnv.REDIS_PREFIX);
  assert.equal(String(d.trustProxy), byEnv.TRUST_PROXY);
  assert.equal(String(d.shutdownDeadlineMs), byEnv.SHUTDOWN_DEADLINE_MS);
  assert.equal(d.logLevel, byEnv.LOG_LEVEL);
  assert.equal(
    String(loadConfig(envOf({ TURN_URLS: "turn:t", TURN_SECRET: "s" })).turn?.ttlSeconds),
    byEnv.TURN_TTL_SECONDS,
  );
});

Deno.test("room-churn and password-backoff limits are settings; 0 turns them off", () => {
  const c = loadConfig(envOf({ CHURN_PER_SECOND: "0", IP_CHURN_PER_SECOND: "12.5" }), [
    "--ip-churn-burst",
    "100",
    "--password-backoff-ms=0",
  ]);
  assert.deepEqual(
    [c.churnPerSecond, c.churnBurst, c.ipChurnPerSecond, c.ipChurnBurst, c.passwordBackoffMs],
    [0, DEFAULT_CONFIG.churnBurst, 12.5, 100, 0],
  );
  for (
    const [name, value] of [
      ["CHURN_PER_SECOND", "-1"],
      ["CHURN_PER_SECOND", "fast"],
      ["IP_CHURN_PER_SECOND", "1e3"],
      ["CHURN_BURST", "0"],
      ["PASSWORD_FREE_ATTEMPTS", "1.5"],
      ["PASSWORD_BACKOFF_MAX_MS", "0"],
    ]
  ) {
    assert.throws(() => loadConfig(envOf({ [name]: value })), new RegExp(name));
  }
  assert.throws(
    () => loadConfig(envOf({ PASSWORD_BACKOFF_MS: "5000", PASSWORD_BACKOFF_MAX_MS: "1000" })),
    /passwordBackoffMaxMs/,
  );
});

Deno.test("checkLimits refuses bad limits passed from code (startLobby)", () => {
  checkLimits(DEFAULT_CONFIG);
  for (
    const bad of [
      { churnPerSecond: -1 },
      { churnPerSecond: Number.NaN },
      { ipChurnPerSecond: Infinity },
      { churnBurst: 0.5 },
      { ipChurnBurst: 0 },
      { passwordFreeAttempts: -1 },
      { passwordBackoffMs: 10, passwordBackoffMaxMs: 5 },
    ]
  ) {
    assert.throws(() => checkLimits({ ...DEFAULT_CONFIG, ...bad }), Error, JSON.stringify(bad));
  }
});
