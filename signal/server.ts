/**
 * The lobby's HTTP and WebSocket server: `node:http` with the `ws` package, under Deno.
 *
 * Why not `Deno.serve`: it exits the process when accept() runs out of file descriptors, never
 * times out an idle TCP connection, and its WebSocket assembles messages of up to 64 MiB before
 * the lobby can look at them (denoland/deno#15809). Here every accepted TCP socket is the
 * server's to count and close:
 *
 * - Sockets, HTTP and WebSocket alike, are counted from `connection` and capped at
 *   `maxConnections` (clamped at start-up to the open-file limit, fd_budget.ts); over the cap, or
 *   over twice the per-address WebSocket cap from one address, a socket gets 503 and is closed
 *   before any HTTP is parsed.
 * - Deadlines (socket_guard.ts): a socket that has not sent a whole request head or upgrade
 *   request within `requestTimeoutMs` is closed, as is an idle keep-alive socket after
 *   `keepAliveTimeoutMs`, and a response that stalls. Request bodies are never read.
 * - If accept() fails anyway, the watchdog (accept_watchdog.ts) notices that the listener went
 *   deaf and replaces it: the process sheds load and recovers instead of exiting.
 * - WebSocket messages are limited while they arrive: `ws` closes with 1009 as soon as a frame
 *   header (or the running total of a fragmented message) passes 16 KiB, and with 1007 on invalid
 *   UTF-8 in a text message.
 * - A WebSocket's slot and per-address ticket are released when its TCP socket closes, whatever
 *   the WebSocket layer saw, so a reset right after the upgrade leaks nothing.
 *
 * Routes:
 * - `GET /ws`: the lobby WebSocket (protocol in shared/lobby_protocol.ts). Before upgrading it
 *   refuses: a page Origin not in `allowedOrigins` (403), more than `maxConnections` open
 *   WebSockets (503), more than `maxConnectionsPerIp` from one address (429), anything while
 *   shutting down (503), and whatever the `authorize` hook refuses (its status).
 * - `GET /api/rooms`: `{rooms: RoomInfo[]}`, every public room; rendered at most once a second and
 *   limited per address (429).
 * - `GET /healthz`: liveness, 200 `{status, connections, sockets, players, rooms}` (local counts)
 *   while the process serves, whatever Redis does.
 * - `GET /readyz`: readiness, 200 when it accepts players (the registry, Redis included, is up);
 *   503 otherwise and while shutting down.
 * - `GET /metrics`: Prometheus text, only with `Authorization: Bearer <metricsToken>` (404 without
 *   a token configured); or without a token on `127.0.0.1:<metricsPort>`.
 * - anything else: the built game from `staticDir`, with security headers (security_headers.ts).
 *
 * Liveness: WebSocket ping frames (heartbeat.ts); a connection silent for the heartbeat timeout is
 * closed and its player leaves its room, so the peer gets `peer-left`.
 *
 * Shutdown (`close()`): stop accepting (503, not ready), tell every client `error shutting-down`
 * (`close: true`) and close with 1001, release the registry, and finish within
 * `shutdownDeadlineMs`; every socket still open then is destroyed, so the deadline holds.
 */
import http from "node:http";
import net from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { type WebSocket as WsSocket, WebSocketServer } from "ws";
import { CLOSE_CODES, type RoomState } from "../shared/lobby_protocol.ts";
import { MAX_LOBBY_MESSAGE_BYTES } from "../shared/limits.ts";
import { WATCHDOG_START, type WatchdogEvent, watchdogStep } from "./accept_watchdog.ts";
import { createAddressRateLimit } from "./address_rate_limit.ts";
import { checkLimits, DEFAULT_CONFIG, type ServerConfig } from "./config.ts";
import { fdsNeeded, planSocketBudget, probeFreeFds } from "./fd_budget.ts";
import { heartbeatStep, SWEEPS_PER_TIMEOUT } from "./heartbeat.ts";
import { createIpLimits, ipKey, type IpTicket } from "./ip_limits.ts";
import type { AuthorizeResult, LobbyHooks } from "./lobby_hooks.ts";
import { createLobbyHub } from "./lobby_hub.ts";
import { createLobbyMetrics, type LobbyMetrics, type RejectReason } from "./lobby_metrics.ts";
import type { LobbyRegistry } from "./lobby_registry.ts";
import { createLobbySessions, type LobbySession, type LobbySocket } from "./lobby_session.ts";
import { createLogger, type Logger } from "./log.ts";
import { createMemoryRegistry } from "./memory_registry.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./metrics.ts";
import { createOriginPolicy } from "./origin_policy.ts";
import {
  acceptedSocket,
  checkSocket,
  type GuardedSocket,
  requestArrived,
  responseDone,
  upgraded,
} from "./socket_guard.ts";
import { SECURITY_HEADERS } from "./security_headers.ts";
import { createStaticHandler } from "./static_files.ts";
import { iceRefreshMs, iceServersFor } from "./turn_credentials.ts";
import { refuseSocket, sendWebResponse, webRequest } from "./web_response.ts";

/** A started server. */
export interface RunningServer {
  /** The port actually bound (useful with `port: 0`). */
  readonly port: number;
  readonly hostname: string;
  /** Base URL for clients on this machine, e.g. `http://localhost:8000/`. */
  readonly url: string;
  /** The port of the token-free metrics listener on 127.0.0.1, if `metricsPort` is set. */
  readonly metricsPort: number | null;
  /** The socket cap in force (after fitting it to the open-file limit). */
  readonly maxSockets: number;
  readonly registry: LobbyRegistry;
  readonly metrics: LobbyMetrics;
  /** Open WebSockets, open TCP sockets, local players and public rooms right now. */
  stats(): { connections: number; sockets: number; players: number; rooms: number };
  /**
   * Shuts down (see the module docs); resolves once done or at the deadline. Idempotent.
   */
  close(): Promise<void>;
}

/** What the server needs besides its configuration (injectable for tests). */
export interface ServerDeps {
  log?: Logger;
  metrics?: LobbyMetrics;
  /** Wall clock (ms since the epoch), for TURN credential expiry. */
  now?: () => number;
  /** Hooks (lobby_hooks.ts): authorize connections, observe pairings and match ends. */
  hooks?: LobbyHooks;
  /** Free descriptors to plan for (null: unknown, no clamp); measured when absent. */
  freeFds?: number | null;
  /** How often the accept watchdog looks (ms). */
  watchdogMs?: number;
}

/** Server lifecycle. */
type ServerState = "starting" | "running" | "closing" | "closed";

/** `/api/rooms` per address: a page polling every few seconds is far below this. */
const ROOMS_API_PER_SECOND = 5;
const ROOMS_API_BURST = 20;
/** How long a rendered `/api/rooms` answer is reused. */
const ROOMS_API_CACHE_MS = 1000;
/** How long a closing WebSocket may wait for the client's close frame before it is cut. */
const CLOSE_WAIT_MS = 1000;

/** Refused sockets at once that get a 503 before they are closed (the rest are just closed). */
const MAX_POLITE_SHEDS = 32;

/**
 * One accepted TCP socket, and once upgraded the session's {@link LobbySocket}. Thousands are held
 * idle, so this is fields and prototype methods: the socket's and the WebSocket's listeners are
 * functions shared by every connection (they find the Conn from their `this`).
 */
class Conn implements LobbySocket {
  guard: GuardedSocket;
  /** Set once upgraded. */
  ws: WsSocket | null = null;
  heard = true;
  silentSweeps = 0;
  /** The per-address ticket, from the upgrade request until the TCP socket closes. */
  ticket: IpTicket | null = null;
  session: LobbySession | null = null;
  /** Counted in the server's open WebSockets. */
  counted = false;
  closeTimer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(readonly socket: Socket, readonly key: string, now: number) {
    this.guard = acceptedSocket(now);
  }

  send(text: string): void {
    this.ws!.send(text);
  }

  sendUtf8(utf8: Uint8Array): void {
    this.ws!.send(utf8, TEXT_FRAME);
  }

  close(code: number, reason: string): void {
    this.ws!.close(code, reason);
    // A client that never answers the close frame must not hold its slot for long.
    this.cutSoon();
  }

  get bufferedAmount(): number {
    return this.ws!.bufferedAmount;
  }

  /** Destroys the TCP socket in CLOSE_WAIT_MS unless it closed by then. */
  cutSoon(): void {
    const socket = this.socket;
    this.closeTimer ??= setTimeout(() => socket.destroy(), CLOSE_WAIT_MS);
  }
}

/** ws.send's options for bytes that are UTF-8 text: one text frame, as a string would be. */
const TEXT_FRAME = { binary: false } as const;

/** Resets and timeouts end up as `close`; without an `error` listener they would kill the process. */
const ignore = () => {};

function json(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...headers,
    },
  });
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

/** The client's address: the TCP peer, or X-Forwarded-For's last hop when behind a proxy. */
function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    // The last entry is the one our own proxy appended; earlier ones are the client's claims.
    const raw = req.headers["x-forwarded-for"];
    const hops = (Array.isArray(raw) ? raw.join(",") : raw)?.split(",").map((h) => h.trim())
      .filter((h) => h !== "");
    if (hops && hops.length > 0) return hops[hops.length - 1];
  }
  return req.socket.remoteAddress ?? "unknown";
}

/** Constant-time string comparison (the metrics token). */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a), y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

function listen(server: net.Server, port: number, host: string, backlog: number) {
  return new Promise<number>((resolve, reject) => {
    const fail = (err: Error) => reject(err);
    server.once("error", fail);
    server.listen({ port, host, backlog }, () => {
      server.off("error", fail);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/**
 * Starts the lobby. Missing config fields take {@link DEFAULT_CONFIG}'s values; tests pass
 * `{ port: 0, hostname: "127.0.0.1" }` and read the bound port from the result.
 */
export async function startServer(
  overrides: Partial<ServerConfig> = {},
  deps: ServerDeps = {},
): Promise<RunningServer> {
  const config: ServerConfig = { ...DEFAULT_CONFIG, ...overrides };
  checkLimits(config);
  const passwordAttempts = {
    freeAttempts: config.passwordFreeAttempts,
    baseMs: config.passwordBackoffMs,
    maxMs: config.passwordBackoffMaxMs,
  };
  const log = deps.log ?? createLogger(config.logLevel);
  const metrics = deps.metrics ?? createLobbyMetrics();
  const wallClock = deps.now ?? Date.now;
  const hooks = deps.hooks ?? {};
  const origins = createOriginPolicy(config.allowedOrigins);
  const ipLimits = createIpLimits({
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    messagesPerSecond: config.ipMessagesPerSecond,
    messageBurst: config.ipMessageBurst,
    churnPerSecond: config.ipChurnPerSecond,
    churnBurst: config.ipChurnBurst,
  });
  const roomsApiLimit = createAddressRateLimit({
    perSecond: ROOMS_API_PER_SECOND,
    burst: ROOMS_API_BURST,
  });
  const budget = planSocketBudget(
    config.maxConnections,
    deps.freeFds !== undefined ? deps.freeFds : probeFreeFds(fdsNeeded(config.maxConnections)),
  );
  if (budget.clamped) {
    log.warn("fd-budget", {
      msg: `duet lobby: MAX_CONNECTIONS=${config.maxConnections} does not fit the ` +
        `${budget.freeFds} free file descriptors (ulimit -n); accepting at most ` +
        `${budget.maxSockets} sockets. Raise ulimit -n to allow more.`,
      freeFds: budget.freeFds,
      configured: config.maxConnections,
      maxSockets: budget.maxSockets,
    });
  }
  const maxSockets = budget.maxSockets;
  // Sockets from one address before any HTTP: room for its WebSockets plus a page's fetches.
  // Behind a proxy every socket comes from the proxy, so the per-address cap waits for the header.
  const maxSocketsPerAddress = config.trustProxy || config.maxConnectionsPerIp === 0
    ? 0
    : 2 * config.maxConnectionsPerIp + 16;
  const serveStatic = config.staticDir === null ? null : createStaticHandler(config.staticDir);
  const sessions = new Set<LobbySession>();
  const conns = new Set<Conn>();
  const connOf = new WeakMap<Socket, Conn>();
  const socketsPerAddress = new Map<string, number>();
  let connections = 0;
  let state: ServerState = "starting";

  // The hub reads the room list from the registry, which delivers through the hub.
  let registry: LobbyRegistry | null = null;
  const hub = createLobbyHub({ publicRooms: () => registry?.publicRooms() ?? [] }, log);
  if (config.redisUrl === null) {
    registry = createMemoryRegistry({
      hub,
      maxRooms: config.maxRooms,
      resumeGraceMs: config.resumeGraceMs,
      passwordAttempts,
      metrics,
      log,
      hooks: deps.hooks,
    });
  } else {
    // Loaded only when configured: the single-process lobby does not need the Redis client.
    const { createRedisRegistry } = await import("./redis_registry.ts");
    registry = await createRedisRegistry({
      url: config.redisUrl,
      prefix: config.redisPrefix,
      processTtlMs: config.redisProcessTtlMs,
      maxRooms: config.maxRooms,
      resumeGraceMs: config.resumeGraceMs,
      passwordAttempts,
      hub,
      metrics,
      log,
      hooks: deps.hooks,
      // This process was presumed dead and cleaned up: its players must reconnect.
      onLost: () => {
        for (const s of [...sessions]) {
          s.end(CLOSE_CODES.internalError, "lobby lost its registry", {
            code: "internal-error",
            message: "the lobby lost track of this connection; reconnect",
          });
        }
      },
    });
  }
  const lobby: LobbyRegistry = registry;
  const refreshMs = iceRefreshMs(config.turn);

  const stats = () => ({
    connections,
    sockets: conns.size,
    players: lobby.localPlayers(),
    rooms: lobby.publicRooms().length,
  });

  metrics.registry.gaugeFrom(
    "duet_connections",
    "Open lobby WebSocket connections on this process.",
    () => [{ value: connections }],
  );
  metrics.registry.gaugeFrom(
    "duet_sockets",
    "Open TCP sockets (HTTP and WebSocket) on this process.",
    () => [{ value: conns.size }],
  );
  metrics.registry.gaugeFrom(
    "duet_players",
    "Players connected to this process.",
    () => [{ value: lobby.localPlayers() }],
  );
  metrics.registry.gaugeFrom(
    "duet_rooms",
    "Rooms by state (public and private; lobby-wide when shared through Redis).",
    async () => {
      const states = await lobby.roomStates();
      return (Object.keys(states) as RoomState[]).map((s) => ({
        labels: { state: s },
        value: states[s],
      }));
    },
  );
  metrics.registry.gaugeFrom(
    "duet_ready",
    "1 while the lobby accepts players (its registry is up), else 0.",
    async () => [{ value: state === "running" && (await lobby.status()).ready ? 1 : 0 }],
  );
  const shedSockets = metrics.registry.counter(
    "duet_sockets_shed_total",
    "TCP sockets closed at accept (over the socket cap or the per-address cap).",
  );
  const timedOutSockets = metrics.registry.counter(
    "duet_sockets_timed_out_total",
    "TCP sockets closed for not completing a request in time, or idle keep-alive.",
  );
  const relistens = metrics.registry.counter(
    "duet_listener_restarts_total",
    "Times the accept watchdog replaced a listener that had stopped accepting.",
  );

  const refuse = (
    socket: Socket,
    reason: RejectReason,
    status: number,
    body: string,
    headers: Record<string, string> = {},
    fields: Record<string, unknown> = {},
  ) => {
    metrics.connectionsRejected.inc({ reason });
    log.info("ws-rejected", { reason, status, ...fields });
    refuseSocket(socket, status, body, headers);
  };

  // ---- sockets -------------------------------------------------------------------------------

  let watchdog = WATCHDOG_START;
  let shedding = 0;
  let probePort: number | null = null;
  const SHED_503 = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\n" +
    "content-length: 30\r\nretry-after: 5\r\nconnection: close\r\n\r\nlobby full, try again shortly\n";

  /** The socket's slot and ticket go back, and its session ends; idempotent. */
  const release = (conn: Conn) => {
    conn.ticket?.release(performance.now());
    conn.ticket = null;
    if (conn.counted) {
      conn.counted = false;
      connections--;
    }
    const session = conn.session;
    conn.session = null;
    session?.dropped();
    if (session !== null) log.debug("ws-close", { player: session.id });
  };
  function onSocketClose(this: Socket) {
    const conn = connOf.get(this);
    if (conn === undefined) return;
    clearTimeout(conn.closeTimer);
    conns.delete(conn);
    const n = (socketsPerAddress.get(conn.key) ?? 1) - 1;
    if (n <= 0) socketsPerAddress.delete(conn.key);
    else socketsPerAddress.set(conn.key, n);
    release(conn);
  }

  const onSocket = (socket: Socket) => {
    socket.on("error", ignore);
    watchdog = watchdogStep(watchdog, { type: "accepted" }, 1).state;
    if (probePort !== null && socket.remotePort === probePort) {
      socket.destroy();
      return;
    }
    const key = ipKey(socket.remoteAddress ?? "unknown");
    const fromAddress = socketsPerAddress.get(key) ?? 0;
    if (
      state !== "running" || conns.size >= maxSockets ||
      (maxSocketsPerAddress > 0 && fromAddress >= maxSocketsPerAddress)
    ) {
      shedSockets.inc();
      // A few refused sockets get a real 503 (ended, then cut after a second); in a flood the
      // descriptor must go at once, so the rest are closed without a word.
      if (shedding >= MAX_POLITE_SHEDS) return void socket.destroy();
      shedding++;
      const cut = setTimeout(() => socket.destroy(), 1000);
      socket.once("close", () => {
        shedding--;
        clearTimeout(cut);
      });
      socket.end(SHED_503);
      return;
    }
    const conn = new Conn(socket, key, performance.now());
    conns.add(conn);
    connOf.set(socket, conn);
    socketsPerAddress.set(key, fromAddress + 1);
    socket.on("close", onSocketClose);
  };

  // One sweep for every socket's deadline and every WebSocket's heartbeat.
  const heartbeatMs = config.heartbeatTimeoutMs;
  const sweepMs = Math.max(
    25,
    Math.min(
      Math.floor(Math.min(config.requestTimeoutMs, config.keepAliveTimeoutMs) / 4),
      heartbeatMs > 0 ? Math.floor(heartbeatMs / SWEEPS_PER_TIMEOUT) : Infinity,
    ),
  );
  let sinceBeat = 0;
  const sweep = () => {
    const now = performance.now();
    sinceBeat += sweepMs;
    const beat = heartbeatMs > 0 && sinceBeat >= heartbeatMs / SWEEPS_PER_TIMEOUT;
    if (beat) sinceBeat = 0;
    for (const c of conns) {
      if (c.ws !== null) {
        if (!beat) continue;
        const r = heartbeatStep(c.silentSweeps, c.heard);
        c.heard = false;
        c.silentSweeps = r.silentSweeps;
        if (r.action === "ping") {
          try {
            c.ws.ping();
          } catch { /* closing */ }
        } else if (r.action === "close") {
          c.ws.close(CLOSE_CODES.goingAway, "heartbeat timeout");
          c.socket.destroy();
        }
        continue;
      }
      const r = checkSocket(c.guard, now, c.socket.bytesWritten, config);
      c.guard = r.socket;
      if (r.close) {
        timedOutSockets.inc();
        c.socket.destroy();
      }
    }
  };
  const sweepTimer = setInterval(sweep, sweepMs);

  // ---- HTTP ----------------------------------------------------------------------------------

  // One cached body per view (scope and name filter), each rendered at most once a second; the
  // cache is bounded, so a stream of distinct filters cannot grow it.
  const roomsCache = new Map<string, { body: string; at: number }>();
  const roomsApi = (req: IncomingMessage): Response => {
    const now = performance.now();
    if (!roomsApiLimit.take(clientAddress(req, config.trustProxy), now)) {
      return text(429, "too many requests\n", { "retry-after": "1" });
    }
    // ?game=&version=&filter= pick the scope and name filter (room_list.ts); bounded like `rooms`.
    const url = new URL(req.url ?? "/", "http://lobby");
    const q = (k: string) => (url.searchParams.get(k) ?? "").slice(0, 32);
    const view = { game: q("game"), version: q("version"), filter: q("filter") };
    const key = JSON.stringify(view);
    let cached = roomsCache.get(key);
    if (cached === undefined || now - cached.at >= ROOMS_API_CACHE_MS) {
      if (roomsCache.size >= 256) roomsCache.clear();
      cached = { body: hub.roomsJson(view), at: now };
      roomsCache.set(key, cached);
    }
    return json(200, cached.body, {
      "access-control-allow-origin": "*",
      "cache-control": "public, max-age=1",
    });
  };

  // Liveness reads local state only: a Redis outage must not get a healthy process restarted.
  const health = () =>
    json(200, JSON.stringify({ status: state === "running" ? "ok" : "shutting-down", ...stats() }));

  const ready = async () => {
    if (state !== "running") return json(503, JSON.stringify({ status: "shutting-down" }));
    const s = await lobby.status();
    return json(
      s.ready ? 200 : 503,
      JSON.stringify({
        status: s.ready ? "ready" : "not-ready",
        registry: lobby.kind,
        detail: s.detail,
      }),
    );
  };

  const metricsResponse = async () =>
    new Response(await metrics.registry.render(), {
      headers: { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" },
    });

  const route = async (req: IncomingMessage): Promise<Response> => {
    const path = (req.url ?? "/").split("?")[0];
    const read = req.method === "GET" || req.method === "HEAD";
    if (path === "/ws") {
      return text(426, "the lobby speaks WebSocket here\n", { upgrade: "websocket" });
    }
    if (path === "/api/rooms" && read) return roomsApi(req);
    if (path === "/healthz") return health();
    if (path === "/readyz") return await ready();
    if (path === "/metrics" && read) {
      const auth = req.headers.authorization ?? "";
      if (config.metricsToken !== null && sameSecret(auth, `Bearer ${config.metricsToken}`)) {
        return await metricsResponse();
      }
      if (config.metricsToken !== null) {
        return text(401, "metrics need a token\n", { "www-authenticate": "Bearer" });
      }
      return text(404, "not found\n");
    }
    if (serveStatic !== null) return await serveStatic(webRequest(req));
    return text(404, "not found\n");
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const conn = connOf.get(req.socket);
    if (!conn) return; // shed: its 503 is on the way
    conn.guard = requestArrived(conn.guard, performance.now(), req.socket.bytesWritten);
    // The lobby never reads a request body: answer, and close the connection instead of
    // draining whatever the client trickles.
    const hasBody = req.headers["transfer-encoding"] !== undefined ||
      Number(req.headers["content-length"] ?? 0) > 0;
    res.on("finish", () => (conn.guard = responseDone(conn.guard, performance.now())));
    let response: Response;
    try {
      response = await route(req);
    } catch (err) {
      log.error("request-failed", { error: err });
      response = text(500, "internal server error\n");
    }
    const extra: Record<string, string> = response.headers.get("content-type")?.startsWith(
        "text/html",
      )
      ? { ...SECURITY_HEADERS }
      : { "x-content-type-options": "nosniff" };
    if (hasBody || state !== "running") extra.connection = "close";
    await sendWebResponse(res, response, extra);
  };

  // ---- WebSocket -----------------------------------------------------------------------------

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_LOBBY_MESSAGE_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  });

  const authorize = async (req: IncomingMessage, address: string): Promise<AuthorizeResult> => {
    if (!hooks.authorize) return true;
    const request = webRequest(req);
    return await hooks.authorize(request, {
      address,
      url: new URL(request.url),
      origin: req.headers.origin ?? null,
    });
  };

  const onUpgrade = async (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const conn = connOf.get(socket);
    // A shed socket (its 503 is on the way): node's parser still reports its request.
    if (!conn) return;
    conn.guard = requestArrived(conn.guard, performance.now(), socket.bytesWritten);
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/ws" || req.headers.upgrade?.toLowerCase() !== "websocket") {
      return refuseSocket(socket, 404, "not found\n");
    }
    if (state !== "running") return refuse(socket, "shutting-down", 503, "shutting down\n");
    const origin = req.headers.origin ?? null;
    if (!origins.allows(origin)) {
      return refuse(socket, "origin", 403, "origin not allowed\n", {}, { origin });
    }
    if (connections >= config.maxConnections) {
      return refuse(socket, "capacity", 503, "lobby full, try again shortly\n", {
        "retry-after": "5",
      });
    }
    const address = clientAddress(req, config.trustProxy);
    const ticket: IpTicket | null = ipLimits.admit(address, performance.now());
    if (ticket === null) {
      return refuse(socket, "ip-limit", 429, "too many connections from your network\n", {
        "retry-after": "5",
      }, { address });
    }
    // From here the ticket is the socket's: released when the TCP socket closes, whatever the
    // WebSocket layer saw (a reset right after the upgrade request included).
    conn.ticket = ticket;
    if (socket.destroyed) return release(conn);
    let verdict: AuthorizeResult;
    try {
      verdict = await authorize(req, address);
    } catch (err) {
      log.error("authorize-failed", { error: err });
      verdict = { status: 500, body: "authorization failed\n" };
    }
    if (socket.destroyed) return;
    if (verdict === false || (typeof verdict === "object" && verdict !== null)) {
      const v = verdict === false ? { status: 403 } : verdict;
      const status = Number.isInteger(v.status) && v.status >= 400 && v.status <= 599
        ? v.status
        : 403;
      metrics.connectionsRejected.inc({ reason: "authorize" });
      log.info("ws-rejected", { reason: "authorize", status, address });
      return refuseSocket(socket, status, v.body ?? "not authorized\n", v.headers ?? {});
    }
    if (state !== "running") return refuse(socket, "shutting-down", 503, "shutting down\n");
    wss.handleUpgrade(req, socket, head, (ws) => upgradedTo(conn, ws));
  };

  const connOfWs = new WeakMap<WsSocket, Conn>();
  function onWsError(this: WsSocket) {
    // ws has sent 1009 (too large) or 1007 (bad UTF-8) itself and waits for the client's close
    // frame; a client that never sends one is cut soon, not after ws's 30 s.
    connOfWs.get(this)?.cutSoon();
  }
  function onWsPong(this: WsSocket) {
    const conn = connOfWs.get(this);
    if (conn !== undefined) conn.heard = true;
  }
  function onWsMessage(this: WsSocket, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) {
    const conn = connOfWs.get(this);
    if (conn === undefined) return;
    conn.heard = true;
    // A text frame is a Buffer of valid UTF-8 (ws refuses invalid text with 1007 before this):
    // the session relays a plain candidate from its bytes, without decoding it.
    if (isBinary) conn.session?.receive(data);
    else conn.session?.receiveUtf8(data as Buffer);
  }
  const openSession = createLobbySessions({
    hub,
    registry: lobby,
    iceServers: (player) => iceServersFor(config.iceServers, config.turn, player, wallClock()),
    iceRefreshMs: refreshMs,
    messagesPerSecond: config.messagesPerSecond,
    messageBurst: config.messageBurst,
    rateLimitStrikes: config.rateLimitStrikes,
    churnPerSecond: config.churnPerSecond,
    churnBurst: config.churnBurst,
    maxBufferedBytes: config.maxBufferedBytes,
    metrics,
    log,
    onEnd: (session) => sessions.delete(session),
  });

  const upgradedTo = (conn: Conn, ws: WsSocket) => {
    if (conn.socket.destroyed || state !== "running") {
      ws.terminate();
      return;
    }
    conn.guard = upgraded(conn.guard, performance.now());
    conn.ws = ws;
    conn.counted = true;
    connections++;
    metrics.connectionsAccepted.inc();
    connOfWs.set(ws, conn);
    ws.on("error", onWsError);
    ws.on("pong", onWsPong);
    ws.on("message", onWsMessage);
    const session = openSession(conn, conn.ticket);
    conn.session = session;
    if (session.state !== "ended") sessions.add(session);
    log.debug("ws-open", { player: session.id, address: conn.ticket?.key });
  };

  // ---- listeners -----------------------------------------------------------------------------

  const server = http.createServer();
  // node:http's own header and keep-alive timers are not what bounds sockets here (the sweep
  // is), but they must not cut a WebSocket: the sweep and the heartbeat own every deadline.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = config.keepAliveTimeoutMs + 1000;
  server.on("connection", onSocket);
  server.on("request", (req: IncomingMessage, res: ServerResponse) => void onRequest(req, res));
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    void onUpgrade(req, socket, head).catch((err) => {
      log.error("upgrade-failed", { error: err });
      socket.destroy();
    });
  });
  server.on("clientError", (_err: Error, socket: Socket) => {
    if (!socket.destroyed && socket.writable) {
      refuseSocket(socket, 400, "bad request\n");
    } else socket.destroy();
  });

  let port: number;
  try {
    port = await listen(server, config.port, config.hostname, budget.backlog);
  } catch (err) {
    clearInterval(sweepTimer);
    await lobby.close();
    throw err;
  }

  let metricsServer: http.Server | null = null;
  let metricsPort: number | null = null;
  if (config.metricsPort !== null) {
    metricsServer = http.createServer((req, res) => {
      void (async () => {
        const path = (req.url ?? "/").split("?")[0];
        const response = path === "/metrics" ? await metricsResponse() : text(404, "not found\n");
        await sendWebResponse(res, response);
      })();
    });
    metricsServer.on("connection", (s: Socket) => s.on("error", () => {}));
    try {
      metricsPort = await listen(metricsServer, config.metricsPort, "127.0.0.1", 16);
    } catch (err) {
      clearInterval(sweepTimer);
      server.close();
      await lobby.close();
      throw err;
    }
  }
  state = "running";

  // The accept watchdog: probe a quiet listener, replace a deaf one.
  const probeHost = config.hostname === "0.0.0.0" || config.hostname === ""
    ? "127.0.0.1"
    : config.hostname === "::"
    ? "::1"
    : config.hostname;
  const watchdogMs = deps.watchdogMs ?? 1000;
  let relistening = false;
  const relisten = () => {
    if (relistening || state !== "running") return;
    relistening = true;
    relistens.inc();
    log.warn("listener-restart", {
      msg: "duet lobby: the listener stopped accepting (out of file descriptors?); replacing it",
      sockets: conns.size,
    });
    server.close();
    const retry = () => {
      if (state !== "running") return void (relistening = false);
      listen(server, port, config.hostname, budget.backlog).then(
        () => (relistening = false),
        (err) => {
          log.warn("listener-restart-failed", { error: err });
          setTimeout(retry, watchdogMs);
        },
      );
    };
    retry();
  };
  const watchdogEvent = (event: WatchdogEvent) => {
    const r = watchdogStep(watchdog, event, watchdogMs);
    watchdog = r.state;
    if (r.effect === "relisten") relisten();
    if (r.effect !== "probe") return;
    const probe = net.connect({ host: probeHost, port });
    probe.on("error", () => {
      probePort = null;
      if (state === "running") watchdogEvent({ type: "probe-failed", now: performance.now() });
    });
    probe.on("connect", () => {
      probePort = probe.localPort ?? null;
      // The server may already have it: it is then a counted socket to drop quietly.
      for (const c of conns) {
        if (c.socket.remotePort === probePort && c.socket.remoteAddress === probe.localAddress) {
          c.socket.destroy();
        }
      }
    });
    setTimeout(() => {
      probe.destroy();
      probePort = null;
    }, watchdogMs).unref?.();
  };
  const watchdogTimer = setInterval(
    () => watchdogEvent({ type: "tick", now: performance.now() }),
    watchdogMs,
  );

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    closing ??= (async () => {
      state = "closing";
      clearInterval(watchdogTimer);
      const started = performance.now();
      const open = sessions.size;
      server.close();
      metricsServer?.close();
      // Nothing more is delivered to anyone: no peer-left storm among players who are all leaving.
      hub.detachAll();
      // The registry releases every local player at once (Redis: a few batched scripts, so peers
      // on other processes hear peer-left now); the sessions ending below then leave it alone.
      const released = lobby.close().catch((err) =>
        log.warn("registry-close-failed", { error: err })
      );
      for (const s of [...sessions]) {
        s.end(CLOSE_CODES.goingAway, "server shutting down", {
          code: "shutting-down",
          message: "the lobby is shutting down",
        });
      }
      // Sockets that are not WebSockets have nothing to be told.
      for (const c of conns) if (c.ws === null && c.guard.phase !== "response") c.socket.destroy();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<"deadline">((resolve) => {
        timer = setTimeout(() => resolve("deadline"), config.shutdownDeadlineMs);
      });
      const drained = (async () => {
        await released;
        while (conns.size > 0) await new Promise((r) => setTimeout(r, 10));
        return "drained" as const;
      })();
      const outcome = await Promise.race([drained, deadline]);
      clearTimeout(timer);
      const stillOpen = conns.size;
      // Whatever is left is cut now: the deadline holds whatever clients do.
      for (const c of conns) c.socket.destroy();
      clearInterval(sweepTimer);
      state = "closed";
      const ms = Math.round(performance.now() - started);
      if (outcome === "deadline") {
        log.warn("shutdown-deadline", { ms, stillOpen, deadlineMs: config.shutdownDeadlineMs });
      } else log.info("shutdown-complete", { ms, closed: open });
    })();

  const host = ["0.0.0.0", "::", "127.0.0.1", "::1"].includes(config.hostname)
    ? "localhost"
    : config.hostname.includes(":")
    ? `[${config.hostname}]`
    : config.hostname;
  return {
    port,
    hostname: config.hostname,
    url: `http://${host}:${port}/`,
    metricsPort,
    maxSockets,
    registry: lobby,
    metrics,
    stats,
    close,
  };
}
