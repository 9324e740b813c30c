/**
 * The lobby's HTTP server (Deno.serve):
 *
 * - `GET /ws`: the lobby WebSocket (protocol in shared/lobby_protocol.ts). Before upgrading it
 *   refuses: a page Origin not in `allowedOrigins` (403), more than `maxConnections` open sockets
 *   (503: Deno.serve exits the process when it runs out of file descriptors, so the cap must bite
 *   first), more than `maxConnectionsPerIp` from one address (429), and anything while shutting
 *   down (503).
 * - `GET /api/rooms`: `{rooms: RoomInfo[]}`, every public room.
 * - `GET /healthz`: liveness, 200 `{status, connections, players, rooms}` (local counts; rooms are
 *   the public rooms listed) while the process serves, whatever Redis does.
 * - `GET /readyz`: readiness, 200 when it accepts players (the registry, Redis included, is up);
 *   503 otherwise and while shutting down, so a load balancer stops sending new players.
 * - `GET /metrics`: Prometheus text (lobby_metrics.ts plus connection, player and room gauges).
 * - anything else: the built game from `staticDir`.
 *
 * The registry is in-memory, or shared through Redis when `redisUrl` is set (lobby_registry.ts).
 *
 * Liveness uses WebSocket ping frames (Deno's `idleTimeout`): after half the heartbeat timeout of
 * silence the server pings; a connection that sends nothing, pong included, for the whole timeout is
 * closed (1001) and its player leaves its room, so the peer gets `peer-left`.
 *
 * Shutdown (`close()`): stop accepting (503, not ready), tell every client `error shutting-down`
 * (`close: true`) and close with 1001, release the registry (with Redis: this process's players
 * leave their rooms at once, so peers elsewhere hear `peer-left`), and finish within
 * `shutdownDeadlineMs`; connections still open then are abandoned.
 */
import { CLOSE_CODES, type RoomState } from "../shared/lobby_protocol.ts";
import { DEFAULT_CONFIG, type ServerConfig } from "./config.ts";
import { createIpLimits, type IpTicket } from "./ip_limits.ts";
import { createLobbyHub } from "./lobby_hub.ts";
import type { LobbyHooks } from "./lobby_hooks.ts";
import { createLobbyMetrics, type LobbyMetrics, type RejectReason } from "./lobby_metrics.ts";
import type { LobbyRegistry } from "./lobby_registry.ts";
import { type LobbySession, type LobbySocket, openLobbySession } from "./lobby_session.ts";
import { createLogger, type Logger } from "./log.ts";
import { createMemoryRegistry } from "./memory_registry.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./metrics.ts";
import { createOriginPolicy } from "./origin_policy.ts";
import { createQuietCloser, type QuietCloser } from "./quiet_close.ts";
import { createStaticHandler } from "./static_files.ts";
import { iceRefreshMs, iceServersFor } from "./turn_credentials.ts";

/** A started server. */
export interface RunningServer {
  /** The port actually bound (useful with `port: 0`). */
  readonly port: number;
  readonly hostname: string;
  /** Base URL for clients on this machine, e.g. `http://localhost:8000/`. */
  readonly url: string;
  readonly registry: LobbyRegistry;
  readonly metrics: LobbyMetrics;
  /** Open WebSockets, local players and public rooms right now. */
  stats(): { connections: number; players: number; rooms: number };
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
  /** Pairing and match-end observers, handed to the registry (lobby_hooks.ts). */
  hooks?: LobbyHooks;
}

/** Server lifecycle. */
type ServerState = "starting" | "running" | "closing" | "closed";

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
function clientAddress(req: Request, info: Deno.ServeHandlerInfo, trustProxy: boolean): string {
  if (trustProxy) {
    // The last entry is the one our own proxy appended; earlier ones are the client's claims.
    const hops = req.headers.get("x-forwarded-for")?.split(",").map((h) => h.trim())
      .filter((h) => h !== "");
    if (hops && hops.length > 0) return hops[hops.length - 1];
  }
  const addr = info.remoteAddr as Deno.NetAddr;
  return addr.hostname ?? "unknown";
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
  const log = deps.log ?? createLogger(config.logLevel);
  const metrics = deps.metrics ?? createLobbyMetrics();
  const wallClock = deps.now ?? Date.now;
  const origins = createOriginPolicy(config.allowedOrigins);
  const ipLimits = createIpLimits({
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    messagesPerSecond: config.ipMessagesPerSecond,
    messageBurst: config.ipMessageBurst,
  });
  const serveStatic = config.staticDir === null ? null : createStaticHandler(config.staticDir);
  const sessions = new Set<LobbySession>();
  const closers = new Set<QuietCloser>();
  let connections = 0;
  let state: ServerState = "starting";

  // The hub reads the room list from the registry, which delivers through the hub.
  let registry: LobbyRegistry | null = null;
  const hub = createLobbyHub({ publicRooms: () => registry?.publicRooms() ?? [] }, log);
  if (config.redisUrl === null) {
    registry = createMemoryRegistry({
      hub,
      maxRooms: config.maxRooms,
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
    players: lobby.localPlayers(),
    rooms: lobby.publicRooms().length,
  });

  metrics.registry.gaugeFrom(
    "duet_connections",
    "Open lobby WebSocket connections on this process.",
    () => [{ value: connections }],
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

  const reject = (
    reason: RejectReason,
    response: Response,
    fields: Record<string, unknown> = {},
  ): Response => {
    metrics.connectionsRejected.inc({ reason });
    log.info("ws-rejected", { reason, status: response.status, ...fields });
    return response;
  };

  const upgrade = (req: Request, info: Deno.ServeHandlerInfo): Response => {
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return text(426, "the lobby speaks WebSocket here\n", { upgrade: "websocket" });
    }
    if (state !== "running") return reject("shutting-down", text(503, "shutting down\n"));
    const origin = req.headers.get("origin");
    if (!origins.allows(origin, req.headers.get("host"))) {
      return reject("origin", text(403, "origin not allowed\n"), { origin });
    }
    if (connections >= config.maxConnections) {
      return reject(
        "capacity",
        text(503, "lobby full, try again shortly\n", { "retry-after": "5" }),
      );
    }
    const address = clientAddress(req, info, config.trustProxy);
    const ticket: IpTicket | null = ipLimits.admit(address, performance.now());
    if (ticket === null) {
      return reject(
        "ip-limit",
        text(429, "too many connections from your network\n", { "retry-after": "5" }),
        { address },
      );
    }
    let upgraded: { socket: WebSocket; response: Response };
    try {
      upgraded = Deno.upgradeWebSocket(req, { idleTimeout: config.heartbeatTimeoutMs / 1000 });
    } catch {
      ticket.release(performance.now());
      return reject("bad-handshake", text(400, "bad WebSocket handshake\n"));
    }
    const { socket, response } = upgraded;
    socket.binaryType = "arraybuffer";
    connections++;
    metrics.connectionsAccepted.inc();
    let session: LobbySession | null = null;
    let counted = true;
    const closer = createQuietCloser(socket);
    closers.add(closer);
    // The session ends at once; the socket closes when the client has gone quiet (quiet_close.ts).
    const lobbySocket: LobbySocket = {
      send: (text) => socket.send(text),
      close: (code, reason) => closer.close(code, reason),
      get bufferedAmount() {
        return socket.bufferedAmount;
      },
    };
    socket.onopen = () => {
      if (state !== "running") {
        closer.close(CLOSE_CODES.goingAway, "server shutting down");
        closer.flush();
        return;
      }
      session = openLobbySession({
        hub,
        registry: lobby,
        socket: lobbySocket,
        iceServers: (player) => iceServersFor(config.iceServers, config.turn, player, wallClock()),
        iceRefreshMs: refreshMs,
        ipTicket: ticket,
        messagesPerSecond: config.messagesPerSecond,
        messageBurst: config.messageBurst,
        rateLimitStrikes: config.rateLimitStrikes,
        maxBufferedBytes: config.maxBufferedBytes,
        metrics,
        log,
        onEnd: () => {
          if (session !== null) sessions.delete(session);
        },
      });
      if (session.state !== "ended") sessions.add(session);
      log.debug("ws-open", { player: session.id, address: ticket.key });
    };
    socket.onmessage = (event) => {
      closer.noteFrame();
      session?.receive(event.data);
    };
    // Deno may report a close twice (e.g. after a missed heartbeat); count it once.
    socket.onclose = (event) => {
      closer.cancel();
      closers.delete(closer);
      session?.dropped();
      if (counted) {
        counted = false;
        connections--;
        ticket.release(performance.now());
        log.debug("ws-close", { player: session?.id, code: event.code });
      }
    };
    socket.onerror = () => {
      // A close event follows every error; the session is released there.
    };
    return response;
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

  const handler = async (req: Request, info: Deno.ServeHandlerInfo): Promise<Response> => {
    const url = new URL(req.url);
    const { pathname } = url;
    if (pathname === "/ws") return upgrade(req, info);
    const read = req.method === "GET" || req.method === "HEAD";
    if (pathname === "/api/rooms" && read) {
      // ?game=&version=&filter= pick the scope and name filter (room_list.ts); bounded like `rooms`.
      const q = (k: string) => (url.searchParams.get(k) ?? "").slice(0, 32);
      const view = { game: q("game"), version: q("version"), filter: q("filter") };
      return json(200, hub.roomsJson(view), { "access-control-allow-origin": "*" });
    }
    if (pathname === "/healthz") return health();
    if (pathname === "/readyz") return await ready();
    if (pathname === "/metrics" && read) {
      return new Response(await metrics.registry.render(), {
        headers: { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" },
      });
    }
    if (serveStatic !== null) return await serveStatic(req);
    return text(404, "not found\n");
  };

  let server: Deno.HttpServer<Deno.NetAddr>;
  const listening = new Promise<Deno.NetAddr>((resolve, reject) => {
    try {
      server = Deno.serve({
        port: config.port,
        hostname: config.hostname,
        onListen: resolve,
        onError: (err) => {
          log.error("request-failed", { error: err });
          return text(500, "internal server error\n");
        },
      }, handler);
    } catch (err) {
      reject(err);
    }
  });
  let addr: Deno.NetAddr;
  try {
    addr = await listening;
  } catch (err) {
    await lobby.close();
    throw err;
  }
  state = "running";

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    closing ??= (async () => {
      state = "closing";
      const started = performance.now();
      const open = sessions.size;
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
      // Shutting down does not wait for clients to go quiet.
      for (const c of closers) c.flush();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<"deadline">((resolve) => {
        timer = setTimeout(() => resolve("deadline"), config.shutdownDeadlineMs);
      });
      const outcome = await Promise.race([
        (async () => {
          await released;
          await server.shutdown();
          return "drained" as const;
        })(),
        deadline,
      ]);
      clearTimeout(timer);
      state = "closed";
      const ms = Math.round(performance.now() - started);
      if (outcome === "deadline") {
        log.warn("shutdown-deadline", {
          ms,
          stillOpen: connections,
          deadlineMs: config.shutdownDeadlineMs,
        });
      } else log.info("shutdown-complete", { ms, closed: open });
    })();

  const host = ["0.0.0.0", "::", "127.0.0.1", "::1"].includes(addr.hostname)
    ? "localhost"
    : addr.hostname.includes(":")
    ? `[${addr.hostname}]`
    : addr.hostname;
  return {
    port: addr.port,
    hostname: addr.hostname,
    url: `http://${host}:${addr.port}/`,
    registry: lobby,
    metrics,
    stats,
    close,
  };
}
