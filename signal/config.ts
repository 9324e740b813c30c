/**
 * Server configuration from environment variables and command-line flags. Every setting has both:
 * the variable `FOO_BAR` is also the flag `--foo-bar VALUE` (or `--foo-bar=VALUE`); a flag wins
 * over the variable, and either wins over the default. Boolean flags may be given bare
 * (`--trust-proxy`). {@link SETTINGS} is the table (the README's and `--help`'s source).
 *
 * | variable / flag | default | meaning |
 * |---|---|---|
 * | PORT / --port | 8000 | TCP port (0 picks a free one) |
 * | HOST / --host | 0.0.0.0 | interface to listen on |
 * | STATIC_DIR / --static-dir | dist | the built game, served at `/`; empty disables static files |
 * | ICE_STUN_URLS / --ice-stun-urls | (none) | STUN urls for `welcome.iceServers`, comma-separated |
 * | TURN_URLS / --turn-urls | (none) | TURN urls, comma-separated; needs TURN_SECRET |
 * | TURN_SECRET / --turn-secret | (none) | secret shared with the TURN server (coturn static-auth-secret) |
 * | TURN_TTL_SECONDS / --turn-ttl-seconds | 3600 | lifetime of a TURN credential; refreshed at half |
 * | REDIS_URL / --redis-url | (none) | share rooms with other lobby processes through this Redis |
 * | REDIS_PREFIX / --redis-prefix | duet | key and channel prefix in Redis |
 * | REDIS_PROCESS_TTL_MS / --redis-process-ttl-ms | 5000 | a silent process is reaped after this |
 * | MAX_CONNECTIONS / --max-connections | 4000 | concurrent TCP sockets (HTTP and WebSocket); more get 503 |
 * | MAX_CONNECTIONS_PER_IP / --max-connections-per-ip | 64 | per address (IPv6 /64); more get 429; 0 = off |
 * | MAX_ROOMS / --max-rooms | 5000 | rooms at once (the whole lobby with Redis) |
 * | RESUME_GRACE_MS / --resume-grace-ms | 20000 | a player who drops mid-match keeps its seat this long; 0 = off |
 * | HEARTBEAT_TIMEOUT_MS / --heartbeat-timeout-ms | 10000 | silent connections are closed; 0 disables |
 * | RATE_LIMIT_PER_SECOND / --rate-limit-per-second | 20 | sustained messages per connection |
 * | RATE_LIMIT_BURST / --rate-limit-burst | 60 | burst of messages per connection |
 * | IP_RATE_LIMIT_PER_SECOND / --ip-rate-limit-per-second | 200 | sustained messages per address; 0 = off |
 * | IP_RATE_LIMIT_BURST / --ip-rate-limit-burst | 400 | burst of messages per address |
 * | CHURN_PER_SECOND / --churn-per-second | 0.5 | sustained room changes (create, join, quick) per connection; 0 = off |
 * | CHURN_BURST / --churn-burst | 8 | burst of room changes per connection |
 * | IP_CHURN_PER_SECOND / --ip-churn-per-second | 5 | sustained room changes per address; 0 = off |
 * | IP_CHURN_BURST / --ip-churn-burst | 40 | burst of room changes per address |
 * | PASSWORD_FREE_ATTEMPTS / --password-free-attempts | 5 | wrong room passwords (per room, per address) before backoff |
 * | PASSWORD_BACKOFF_MS / --password-backoff-ms | 1000 | first wait after them, doubling per wrong one; 0 = off |
 * | PASSWORD_BACKOFF_MAX_MS / --password-backoff-max-ms | 60000 | longest wait between password attempts |
 * | ALLOWED_ORIGINS / --allowed-origins | (all) | page origins allowed to open `/ws`, comma-separated |
 * | TRUST_PROXY / --trust-proxy | false | take the client address from X-Forwarded-For's last hop |
 * | SHUTDOWN_DEADLINE_MS / --shutdown-deadline-ms | 5000 | SIGTERM: every connection closed within this |
 * | REQUEST_TIMEOUT_MS / --request-timeout-ms | 5000 | a socket must send a whole request head (or upgrade) within this |
 * | KEEP_ALIVE_TIMEOUT_MS / --keep-alive-timeout-ms | 5000 | an idle keep-alive HTTP socket is closed after this |
 * | METRICS_TOKEN / --metrics-token | (none) | `/metrics` on the public port needs `Authorization: Bearer TOKEN` |
 * | METRICS_PORT / --metrics-port | (none) | serve `/metrics` without a token on 127.0.0.1:PORT instead |
 * | LOG_LEVEL / --log-level | info | debug, info, warn, error or silent |
 */
import type { IceServer } from "../shared/lobby_protocol.ts";
import {
  DEFAULT_CHURN_BURST,
  DEFAULT_CHURN_PER_SECOND,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_IP_CHURN_BURST,
  DEFAULT_IP_CHURN_PER_SECOND,
  DEFAULT_IP_MESSAGE_BURST,
  DEFAULT_IP_MESSAGES_PER_SECOND,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_IP,
  DEFAULT_MAX_ROOMS,
  DEFAULT_MESSAGE_BURST,
  DEFAULT_MESSAGES_PER_SECOND,
  DEFAULT_RATE_LIMIT_STRIKES,
  DEFAULT_RESUME_GRACE_MS,
  PASSWORD_BACKOFF_BASE_MS,
  PASSWORD_BACKOFF_MAX_MS,
  PASSWORD_FREE_ATTEMPTS,
} from "../shared/limits.ts";
import { isLogLevel, type LogLevel } from "./log.ts";
import { createOriginPolicy } from "./origin_policy.ts";
import type { TurnConfig } from "./turn_credentials.ts";

/** Everything the lobby server needs to run. */
export interface ServerConfig {
  port: number;
  hostname: string;
  /** Directory of the built game served at `/`, or null for none. */
  staticDir: string | null;
  /** Sent to clients in `welcome` as they are (STUN). */
  iceServers: IceServer[];
  /** TURN with short-lived credentials, or null. */
  turn: TurnConfig | null;
  /** Redis for several lobby processes, or null for the in-memory lobby. */
  redisUrl: string | null;
  /** Prefix of every Redis key and channel (several lobbies may share one Redis). */
  redisPrefix: string;
  /** A lobby process whose heartbeat key is this old is dead; the others clean up after it. */
  redisProcessTtlMs: number;
  /**
   * Concurrent TCP sockets, HTTP and WebSocket alike, counted from accept; beyond it a socket gets
   * 503 and is closed. Clamped at start-up to fit the open-file limit (fd_budget.ts).
   */
  maxConnections: number;
  /** Concurrent connections per address; beyond it 429. 0 disables. */
  maxConnectionsPerIp: number;
  maxRooms: number;
  /** A player who drops mid-match keeps its seat this long for a `resume`; 0 frees it at once. */
  resumeGraceMs: number;
  /** A connection silent (no frame, no pong) for this long is closed; pinged at half. 0 disables. */
  heartbeatTimeoutMs: number;
  messagesPerSecond: number;
  messageBurst: number;
  /** Messages per second over all connections of one address. 0 disables. */
  ipMessagesPerSecond: number;
  ipMessageBurst: number;
  /** Room changes (`create`, `join`, `quick`) per second per connection; may be fractional. 0 disables. */
  churnPerSecond: number;
  churnBurst: number;
  /** Room changes per second over all connections of one address. 0 disables. */
  ipChurnPerSecond: number;
  ipChurnBurst: number;
  /** Wrong room passwords (per room and per address) before the backoff starts. */
  passwordFreeAttempts: number;
  /** First wait after the free attempts, doubling with each wrong one. 0 disables the backoff. */
  passwordBackoffMs: number;
  /** Longest wait between password attempts. */
  passwordBackoffMaxMs: number;
  /** Excess dropped messages tolerated before closing a flooding connection. */
  rateLimitStrikes: number;
  /** Bytes queued to one client before it counts as not reading and is closed. */
  maxBufferedBytes: number;
  /** Page origins allowed to open `/ws`; empty allows all. */
  allowedOrigins: string[];
  /** Whether to take the client address from `X-Forwarded-For` (behind a reverse proxy). */
  trustProxy: boolean;
  /** On shutdown, connections still open after this are dropped and the process exits. */
  shutdownDeadlineMs: number;
  /** A socket must deliver a whole request head (or its upgrade request) within this. */
  requestTimeoutMs: number;
  /** An HTTP keep-alive socket with no request is closed after this. */
  keepAliveTimeoutMs: number;
  /** With a token, `/metrics` on the public port answers `Authorization: Bearer <token>` only. */
  metricsToken: string | null;
  /** A port on 127.0.0.1 serving `/metrics` without a token (0 = any free one). */
  metricsPort: number | null;
  logLevel: LogLevel;
}

/** The defaults, from shared/limits.ts. */
export const DEFAULT_CONFIG: Readonly<ServerConfig> = {
  port: 8000,
  hostname: "0.0.0.0",
  staticDir: "dist",
  iceServers: [],
  turn: null,
  redisUrl: null,
  redisPrefix: "duet",
  redisProcessTtlMs: 5000,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  maxConnectionsPerIp: DEFAULT_MAX_CONNECTIONS_PER_IP,
  maxRooms: DEFAULT_MAX_ROOMS,
  resumeGraceMs: DEFAULT_RESUME_GRACE_MS,
  heartbeatTimeoutMs: DEFAULT_HEARTBEAT_TIMEOUT_MS,
  messagesPerSecond: DEFAULT_MESSAGES_PER_SECOND,
  messageBurst: DEFAULT_MESSAGE_BURST,
  ipMessagesPerSecond: DEFAULT_IP_MESSAGES_PER_SECOND,
  ipMessageBurst: DEFAULT_IP_MESSAGE_BURST,
  churnPerSecond: DEFAULT_CHURN_PER_SECOND,
  churnBurst: DEFAULT_CHURN_BURST,
  ipChurnPerSecond: DEFAULT_IP_CHURN_PER_SECOND,
  ipChurnBurst: DEFAULT_IP_CHURN_BURST,
  passwordFreeAttempts: PASSWORD_FREE_ATTEMPTS,
  passwordBackoffMs: PASSWORD_BACKOFF_BASE_MS,
  passwordBackoffMaxMs: PASSWORD_BACKOFF_MAX_MS,
  rateLimitStrikes: DEFAULT_RATE_LIMIT_STRIKES,
  maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES,
  allowedOrigins: [],
  trustProxy: false,
  shutdownDeadlineMs: 5000,
  requestTimeoutMs: 5000,
  keepAliveTimeoutMs: 5000,
  metricsToken: null,
  metricsPort: null,
  logLevel: "info",
};

/** One documented setting. */
export interface Setting {
  env: string;
  /** `--` + the variable in kebab case. */
  flag: string;
  default: string;
  help: string;
  /** Whether the flag may be given without a value (meaning true). */
  boolean?: boolean;
}

const setting = (env: string, def: string, help: string, boolean = false): Setting => ({
  env,
  flag: `--${env.toLowerCase().replace(/_/g, "-")}`,
  default: def,
  help,
  boolean,
});

/** Every setting, in the order `--help` lists them. */
export const SETTINGS: readonly Setting[] = [
  setting("PORT", "8000", "TCP port to listen on (0 picks a free one)"),
  setting("HOST", "0.0.0.0", "interface to listen on"),
  setting("STATIC_DIR", "dist", "the built game served at /; empty disables static files"),
  setting("ICE_STUN_URLS", "", "STUN urls for clients, comma-separated (stun:host:port)"),
  setting("TURN_URLS", "", "TURN urls for clients, comma-separated (turn:host:port?transport=udp)"),
  setting("TURN_SECRET", "", "secret shared with the TURN server (coturn static-auth-secret)"),
  setting(
    "TURN_TTL_SECONDS",
    "3600",
    "lifetime of a TURN credential; clients get new ones at half",
  ),
  setting("REDIS_URL", "", "share rooms with other lobby processes through this Redis"),
  setting("REDIS_PREFIX", "duet", "prefix of the lobby's Redis keys and channels"),
  setting(
    "REDIS_PROCESS_TTL_MS",
    "5000",
    "a lobby process silent this long is cleaned up by others",
  ),
  setting("MAX_CONNECTIONS", "4000", "concurrent TCP sockets (HTTP and WebSocket); more get 503"),
  setting(
    "MAX_CONNECTIONS_PER_IP",
    "64",
    "concurrent WebSockets per address; more get 429; 0 = off",
  ),
  setting("MAX_ROOMS", "5000", "rooms at once (lobby-wide with Redis)"),
  setting("RESUME_GRACE_MS", "20000", "a player who drops mid-match keeps its seat this long"),
  setting("HEARTBEAT_TIMEOUT_MS", "10000", "silent connections are closed after this; 0 disables"),
  setting("RATE_LIMIT_PER_SECOND", "20", "sustained lobby messages per connection"),
  setting("RATE_LIMIT_BURST", "60", "burst of lobby messages per connection"),
  setting("IP_RATE_LIMIT_PER_SECOND", "200", "sustained lobby messages per address; 0 = off"),
  setting("IP_RATE_LIMIT_BURST", "400", "burst of lobby messages per address"),
  setting(
    "CHURN_PER_SECOND",
    String(DEFAULT_CHURN_PER_SECOND),
    "sustained room changes (create, join, quick) per connection; 0 = off",
  ),
  setting("CHURN_BURST", String(DEFAULT_CHURN_BURST), "burst of room changes per connection"),
  setting(
    "IP_CHURN_PER_SECOND",
    String(DEFAULT_IP_CHURN_PER_SECOND),
    "sustained room changes per address; 0 = off",
  ),
  setting("IP_CHURN_BURST", String(DEFAULT_IP_CHURN_BURST), "burst of room changes per address"),
  setting(
    "PASSWORD_FREE_ATTEMPTS",
    String(PASSWORD_FREE_ATTEMPTS),
    "wrong room passwords (per room, per address) before the backoff",
  ),
  setting(
    "PASSWORD_BACKOFF_MS",
    String(PASSWORD_BACKOFF_BASE_MS),
    "first wait after them, doubling per wrong one; 0 = off",
  ),
  setting(
    "PASSWORD_BACKOFF_MAX_MS",
    String(PASSWORD_BACKOFF_MAX_MS),
    "longest wait between password attempts",
  ),
  setting("ALLOWED_ORIGINS", "", "page origins allowed to open /ws, comma-separated; empty = all"),
  setting("TRUST_PROXY", "false", "client address from X-Forwarded-For (behind a proxy)", true),
  setting("SHUTDOWN_DEADLINE_MS", "5000", "on SIGTERM/SIGINT, close every connection within this"),
  setting("REQUEST_TIMEOUT_MS", "5000", "a socket must send a whole request (or upgrade) in this"),
  setting("KEEP_ALIVE_TIMEOUT_MS", "5000", "idle keep-alive HTTP sockets are closed after this"),
  setting("METRICS_TOKEN", "", "/metrics on the public port needs Authorization: Bearer TOKEN"),
  setting("METRICS_PORT", "", "serve /metrics without a token on 127.0.0.1:PORT instead"),
  setting("LOG_LEVEL", "info", "debug, info, warn, error or silent"),
];

/** A variable or flag lookup. */
export type Lookup = (name: string) => string | undefined;

/** How the lobby is started from a checkout of the repository. */
export const DENO_COMMAND =
  "deno run --allow-net --allow-env --allow-read --allow-sys signal/main.ts";

/**
 * `--help` text: usage and the settings table. `command` is how the user started the lobby: the
 * `duet-lobby` bin passes its own name, so an installed package's help does not tell its user
 * to run a signal/main.ts they do not have.
 */
export function usage(command: string = DENO_COMMAND): string {
  const rows = SETTINGS.map((s) =>
    `  ${`${s.flag}${s.boolean ? "" : " VALUE"}`.padEnd(34)} ${s.env.padEnd(25)} ${
      (s.default || "-").padEnd(8)
    } ${s.help}`
  );
  return [
    `duet lobby: ${command} [flags]`,
    "",
    "Every setting is a flag or an environment variable (the flag wins):",
    `  ${"flag".padEnd(34)} ${"variable".padEnd(25)} ${"default".padEnd(8)} meaning`,
    ...rows,
  ].join("\n");
}

/**
 * Parses `--flag VALUE` / `--flag=VALUE` / bare boolean flags into a lookup by variable name.
 * Throws on unknown flags, missing values and positional arguments. `--help` is not handled here.
 */
export function parseFlags(args: readonly string[]): Map<string, string> {
  const byFlag = new Map(SETTINGS.map((s) => [s.flag, s]));
  const out = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf("=");
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const s = byFlag.get(flag);
    if (!s) throw new Error(`unknown flag ${flag} (see --help)`);
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (s.boolean && (i + 1 >= args.length || args[i + 1].startsWith("--"))) value = "true";
    else if (i + 1 < args.length) value = args[++i];
    else throw new Error(`${flag} needs a value`);
    out.set(s.env, value);
  }
  return out;
}

function integer(
  get: Lookup,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = get(name)?.trim();
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** A non-negative decimal such as `0.5` (rates may be below one per second). */
function decimal(get: Lookup, name: string, fallback: number, max: number): number {
  const raw = get(name)?.trim();
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || n > max) {
    throw new Error(`${name} must be a number from 0 to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function list(raw: string | undefined): string[] {
  return (raw ?? "").split(/[\s,]+/).filter((u) => u !== "");
}

function urls(get: Lookup, name: string, pattern: RegExp, example: string): string[] {
  const values = list(get(name));
  for (const url of values) {
    if (!pattern.test(url)) {
      throw new Error(`${name} entries must look like ${example}, got ${JSON.stringify(url)}`);
    }
  }
  return values;
}

function boolean(get: Lookup, name: string, fallback: boolean): boolean {
  const raw = get(name)?.trim().toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new Error(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

function turnConfig(get: Lookup): TurnConfig | null {
  const turnUrls = urls(get, "TURN_URLS", /^turns?:[^\s]+$/, "turn:host:port?transport=udp");
  const secret = get("TURN_SECRET") ?? "";
  const ttlSeconds = integer(get, "TURN_TTL_SECONDS", 3600, 60, 7 * 24 * 3600);
  if (turnUrls.length === 0) {
    if (secret !== "") throw new Error("TURN_SECRET is set but TURN_URLS is empty");
    return null;
  }
  if (secret === "") throw new Error("TURN_URLS needs TURN_SECRET (coturn's static-auth-secret)");
  return { urls: turnUrls, secret, ttlSeconds };
}

function redisUrl(get: Lookup): string | null {
  const raw = get("REDIS_URL")?.trim();
  if (!raw) return null;
  if (!/^rediss?:\/\/[^\s]+$/.test(raw)) {
    throw new Error(`REDIS_URL must look like redis://host:6379/0, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

/**
 * Checks the limits a caller of `startLobby` may pass without going through {@link loadConfig}:
 * rates finite and non-negative (0 = off), bursts whole and at least 1, the password backoff's
 * maximum not below its first wait. Throws an Error naming the option.
 */
export function checkLimits(config: Readonly<ServerConfig>): void {
  const nonNegative = (name: keyof ServerConfig) => {
    const v = config[name];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new Error(`${name} must be a finite number >= 0, got ${String(v)}`);
    }
  };
  const whole = (name: keyof ServerConfig, min: number) => {
    const v = config[name];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
      throw new Error(`${name} must be an integer >= ${min}, got ${String(v)}`);
    }
  };
  nonNegative("churnPerSecond");
  nonNegative("ipChurnPerSecond");
  whole("churnBurst", 1);
  whole("ipChurnBurst", 1);
  whole("passwordFreeAttempts", 0);
  whole("passwordBackoffMs", 0);
  whole("passwordBackoffMaxMs", 1);
  if (config.passwordBackoffMaxMs < config.passwordBackoffMs) {
    throw new Error(
      `passwordBackoffMaxMs (${config.passwordBackoffMaxMs}) is below passwordBackoffMs ` +
        `(${config.passwordBackoffMs})`,
    );
  }
}

/**
 * Reads the configuration. `env` looks a variable up (e.g. `(n) => Deno.env.get(n)`), `args` are
 * command-line flags (which win), so this is pure and tested without touching the process. Throws
 * an Error naming the variable when a value is invalid.
 */
export function loadConfig(env: Lookup, args: readonly string[] = []): ServerConfig {
  const flags = parseFlags(args);
  const get: Lookup = (name) => flags.get(name) ?? env(name);
  const staticDir = get("STATIC_DIR");
  const logLevel = get("LOG_LEVEL")?.trim().toLowerCase() || DEFAULT_CONFIG.logLevel;
  if (!isLogLevel(logLevel)) {
    throw new Error(`LOG_LEVEL must be debug, info, warn, error or silent, got ${logLevel}`);
  }
  const allowedOrigins = list(get("ALLOWED_ORIGINS"));
  createOriginPolicy(allowedOrigins); // throws on a bad entry, naming ALLOWED_ORIGINS
  const stun = urls(get, "ICE_STUN_URLS", /^stuns?:[^\s]+$/, "stun:host:port");
  const prefix = get("REDIS_PREFIX")?.trim() || DEFAULT_CONFIG.redisPrefix;
  if (!/^[A-Za-z0-9_.:{}-]{1,64}$/.test(prefix)) {
    throw new Error(`REDIS_PREFIX must be 1-64 letters, digits or _.:{}-, got ${prefix}`);
  }
  const d = DEFAULT_CONFIG;
  const config: ServerConfig = {
    ...d,
    port: integer(get, "PORT", d.port, 0, 65535),
    hostname: get("HOST")?.trim() || d.hostname,
    staticDir: staticDir === undefined ? d.staticDir : staticDir.trim() || null,
    iceServers: stun.length === 0 ? [] : [{ urls: stun }],
    turn: turnConfig(get),
    redisUrl: redisUrl(get),
    redisPrefix: prefix,
    redisProcessTtlMs: integer(get, "REDIS_PROCESS_TTL_MS", d.redisProcessTtlMs, 500, 600_000),
    maxConnections: integer(get, "MAX_CONNECTIONS", d.maxConnections, 1),
    maxConnectionsPerIp: integer(get, "MAX_CONNECTIONS_PER_IP", d.maxConnectionsPerIp, 0),
    maxRooms: integer(get, "MAX_ROOMS", d.maxRooms, 1),
    resumeGraceMs: integer(get, "RESUME_GRACE_MS", d.resumeGraceMs, 0, 600_000),
    heartbeatTimeoutMs: integer(get, "HEARTBEAT_TIMEOUT_MS", d.heartbeatTimeoutMs, 0),
    messagesPerSecond: integer(get, "RATE_LIMIT_PER_SECOND", d.messagesPerSecond, 1),
    messageBurst: integer(get, "RATE_LIMIT_BURST", d.messageBurst, 1),
    ipMessagesPerSecond: integer(get, "IP_RATE_LIMIT_PER_SECOND", d.ipMessagesPerSecond, 0),
    ipMessageBurst: integer(get, "IP_RATE_LIMIT_BURST", d.ipMessageBurst, 1),
    churnPerSecond: decimal(get, "CHURN_PER_SECOND", d.churnPerSecond, 1_000_000),
    churnBurst: integer(get, "CHURN_BURST", d.churnBurst, 1),
    ipChurnPerSecond: decimal(get, "IP_CHURN_PER_SECOND", d.ipChurnPerSecond, 1_000_000),
    ipChurnBurst: integer(get, "IP_CHURN_BURST", d.ipChurnBurst, 1),
    passwordFreeAttempts: integer(get, "PASSWORD_FREE_ATTEMPTS", d.passwordFreeAttempts, 0, 1000),
    passwordBackoffMs: integer(get, "PASSWORD_BACKOFF_MS", d.passwordBackoffMs, 0, 3_600_000),
    passwordBackoffMaxMs: integer(
      get,
      "PASSWORD_BACKOFF_MAX_MS",
      d.passwordBackoffMaxMs,
      1,
      24 * 3_600_000,
    ),
    allowedOrigins,
    trustProxy: boolean(get, "TRUST_PROXY", d.trustProxy),
    shutdownDeadlineMs: integer(get, "SHUTDOWN_DEADLINE_MS", d.shutdownDeadlineMs, 0, 600_000),
    requestTimeoutMs: integer(get, "REQUEST_TIMEOUT_MS", d.requestTimeoutMs, 100, 600_000),
    keepAliveTimeoutMs: integer(get, "KEEP_ALIVE_TIMEOUT_MS", d.keepAliveTimeoutMs, 100, 600_000),
    metricsToken: get("METRICS_TOKEN")?.trim() || null,
    metricsPort: get("METRICS_PORT")?.trim() ? integer(get, "METRICS_PORT", 0, 0, 65535) : null,
    logLevel,
  };
  checkLimits(config);
  return config;
}
