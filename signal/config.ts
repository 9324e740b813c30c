/**
 * Server configuration from the environment. Every variable is optional:
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | PORT | 8000 | TCP port (0 picks a free one) |
 * | HOST | 0.0.0.0 | interface to listen on |
 * | STATIC_DIR | dist | the built game, served at `/`; empty disables static files |
 * | ICE_STUN_URLS | (none) | STUN urls for `welcome.iceServers`, comma-separated, e.g. `stun:stun.l.google.com:19302` |
 * | MAX_CONNECTIONS | 4000 | concurrent WebSockets; more get HTTP 503 (keep below `ulimit -Hn`) |
 * | MAX_ROOMS | 5000 | rooms at once |
 * | HEARTBEAT_TIMEOUT_MS | 10000 | silent connections are closed after this; 0 disables |
 * | RATE_LIMIT_PER_SECOND | 20 | sustained lobby messages per connection |
 * | RATE_LIMIT_BURST | 60 | burst of lobby messages per connection |
 */
import type { IceServer } from "../shared/lobby_protocol.ts";
import {
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_ROOMS,
  DEFAULT_MESSAGE_BURST,
  DEFAULT_MESSAGES_PER_SECOND,
  DEFAULT_RATE_LIMIT_STRIKES,
} from "../shared/limits.ts";

/** Everything the lobby server needs to run. */
export interface ServerConfig {
  port: number;
  hostname: string;
  /** Directory of the built game served at `/`, or null for none. */
  staticDir: string | null;
  /** Sent to clients in `welcome`. */
  iceServers: IceServer[];
  /** Concurrent WebSocket connections; beyond it `/ws` answers 503 before upgrading. */
  maxConnections: number;
  maxRooms: number;
  /** A connection silent (no frame, no pong) for this long is closed; pinged at half. 0 disables. */
  heartbeatTimeoutMs: number;
  messagesPerSecond: number;
  messageBurst: number;
  /** Excess dropped messages tolerated before closing a flooding connection. */
  rateLimitStrikes: number;
  /** Bytes queued to one client before it counts as not reading and is closed. */
  maxBufferedBytes: number;
}

/** The defaults, from shared/limits.ts. */
export const DEFAULT_CONFIG: Readonly<ServerConfig> = {
  port: 8000,
  hostname: "0.0.0.0",
  staticDir: "dist",
  iceServers: [],
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  maxRooms: DEFAULT_MAX_ROOMS,
  heartbeatTimeoutMs: DEFAULT_HEARTBEAT_TIMEOUT_MS,
  messagesPerSecond: DEFAULT_MESSAGES_PER_SECOND,
  messageBurst: DEFAULT_MESSAGE_BURST,
  rateLimitStrikes: DEFAULT_RATE_LIMIT_STRIKES,
  maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES,
};

function integer(
  env: (name: string) => string | undefined,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = env(name)?.trim();
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function stunUrls(raw: string | undefined): IceServer[] {
  const urls = (raw ?? "").split(/[\s,]+/).filter((u) => u !== "");
  for (const url of urls) {
    if (!/^stuns?:[^\s]+$/.test(url)) {
      throw new Error(
        `ICE_STUN_URLS entries must look like stun:host:port, got ${JSON.stringify(url)}`,
      );
    }
  }
  return urls.length === 0 ? [] : [{ urls }];
}

/**
 * Reads the configuration. `env` looks a variable up (e.g. `(n) => Deno.env.get(n)`), so this is
 * pure and tested without touching the process environment. Throws an Error naming the variable
 * when a value is invalid.
 */
export function loadConfig(env: (name: string) => string | undefined): ServerConfig {
  const staticDir = env("STATIC_DIR");
  return {
    ...DEFAULT_CONFIG,
    port: integer(env, "PORT", DEFAULT_CONFIG.port, 0, 65535),
    hostname: env("HOST")?.trim() || DEFAULT_CONFIG.hostname,
    staticDir: staticDir === undefined ? DEFAULT_CONFIG.staticDir : staticDir.trim() || null,
    iceServers: stunUrls(env("ICE_STUN_URLS")),
    maxConnections: integer(env, "MAX_CONNECTIONS", DEFAULT_CONFIG.maxConnections, 1),
    maxRooms: integer(env, "MAX_ROOMS", DEFAULT_CONFIG.maxRooms, 1),
    heartbeatTimeoutMs: integer(env, "HEARTBEAT_TIMEOUT_MS", DEFAULT_CONFIG.heartbeatTimeoutMs, 0),
    messagesPerSecond: integer(env, "RATE_LIMIT_PER_SECOND", DEFAULT_CONFIG.messagesPerSecond, 1),
    messageBurst: integer(env, "RATE_LIMIT_BURST", DEFAULT_CONFIG.messageBurst, 1),
  };
}
