/**
 * The lobby's HTTP server (Deno.serve):
 *
 * - `GET /ws`: the lobby WebSocket (protocol in shared/lobby_protocol.ts). Beyond
 *   `maxConnections` open sockets it answers 503 before upgrading: Deno.serve exits the process when
 *   it runs out of file descriptors, so the cap must bite first.
 * - `GET /api/rooms`: `{rooms: RoomInfo[]}`, every public room.
 * - `GET /healthz`: 200 `{status: "ok", connections, players, rooms}` (503 while shutting down).
 * - anything else: the built game from `staticDir`.
 *
 * Liveness uses WebSocket ping frames (Deno's `idleTimeout`): after half the heartbeat timeout of
 * silence the server pings; a connection that sends nothing, pong included, for the whole timeout is
 * closed (1001) and its player leaves its room, so the peer gets `peer-left`.
 */
import { CLOSE_CODES } from "../shared/lobby_protocol.ts";
import { DEFAULT_CONFIG, type ServerConfig } from "./config.ts";
import { createLobbyHub } from "./lobby_hub.ts";
import { type LobbySession, type LobbySocket, openLobbySession } from "./lobby_session.ts";
import { createQuietCloser, type QuietCloser } from "./quiet_close.ts";
import { createRoomRegistry } from "./room_registry.ts";
import { createStaticHandler } from "./static_files.ts";

/** A started server. */
export interface RunningServer {
  /** The port actually bound (useful with `port: 0`). */
  readonly port: number;
  readonly hostname: string;
  /** Base URL for clients on this machine, e.g. `http://localhost:8000/`. */
  readonly url: string;
  /** Open WebSockets, players and rooms right now. */
  stats(): { connections: number; players: number; rooms: number };
  /**
   * Shuts down: every client gets `error` `shutting-down` and a 1001 close, the listener stops,
   * and the promise resolves once in-flight requests are done. Idempotent.
   */
  close(): Promise<void>;
}

/** Server lifecycle. */
type ServerState = "running" | "closing" | "closed";

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

/**
 * Starts the lobby. Missing config fields take {@link DEFAULT_CONFIG}'s values; tests pass
 * `{ port: 0, hostname: "127.0.0.1" }` and read the bound port from the result.
 */
export function startServer(overrides: Partial<ServerConfig> = {}): Promise<RunningServer> {
  const config: ServerConfig = { ...DEFAULT_CONFIG, ...overrides };
  const registry = createRoomRegistry({ maxRooms: config.maxRooms });
  const hub = createLobbyHub(registry);
  const serveStatic = config.staticDir === null ? null : createStaticHandler(config.staticDir);
  const sessions = new Set<LobbySession>();
  const closers = new Set<QuietCloser>();
  let connections = 0;
  let state: ServerState = "running";

  const stats = () => {
    const { players, rooms } = registry.counts();
    return { connections, players, rooms };
  };

  const upgrade = (req: Request): Response => {
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("the lobby speaks WebSocket here\n", {
        status: 426,
        headers: { upgrade: "websocket", "content-type": "text/plain; charset=utf-8" },
      });
    }
    if (state !== "running") return new Response("shutting down\n", { status: 503 });
    if (connections >= config.maxConnections) {
      return new Response("lobby full, try again shortly\n", {
        status: 503,
        headers: { "retry-after": "5", "content-type": "text/plain; charset=utf-8" },
      });
    }
    let upgraded: { socket: WebSocket; response: Response };
    try {
      upgraded = Deno.upgradeWebSocket(req, { idleTimeout: config.heartbeatTimeoutMs / 1000 });
    } catch {
      return new Response("bad WebSocket handshake\n", { status: 400 });
    }
    const { socket, response } = upgraded;
    socket.binaryType = "arraybuffer";
    connections++;
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
      session = openLobbySession({
        hub,
        socket: lobbySocket,
        iceServers: config.iceServers,
        messagesPerSecond: config.messagesPerSecond,
        messageBurst: config.messageBurst,
        rateLimitStrikes: config.rateLimitStrikes,
        maxBufferedBytes: config.maxBufferedBytes,
        onEnd: () => {
          if (session !== null) sessions.delete(session);
        },
      });
      if (session.state === "open") sessions.add(session);
    };
    socket.onmessage = (event) => {
      closer.noteFrame();
      session?.receive(event.data);
    };
    // Deno may report a close twice (e.g. after a missed heartbeat); count it once.
    socket.onclose = () => {
      closer.cancel();
      closers.delete(closer);
      session?.dropped();
      if (counted) {
        counted = false;
        connections--;
      }
    };
    socket.onerror = () => {
      // A close event follows every error; the session is released there.
    };
    return response;
  };

  const handler = async (req: Request): Promise<Response> => {
    const { pathname } = new URL(req.url);
    if (pathname === "/ws") return upgrade(req);
    if (pathname === "/api/rooms" && (req.method === "GET" || req.method === "HEAD")) {
      return json(200, hub.roomsJson(), { "access-control-allow-origin": "*" });
    }
    if (pathname === "/healthz") {
      if (state !== "running") return json(503, '{"status":"shutting-down"}');
      return json(200, JSON.stringify({ status: "ok", ...stats() }));
    }
    if (serveStatic !== null) return await serveStatic(req);
    return new Response("not found\n", { status: 404 });
  };

  return new Promise((resolve, reject) => {
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({
        port: config.port,
        hostname: config.hostname,
        onListen: (addr) => {
          const host = ["0.0.0.0", "::", "127.0.0.1", "::1"].includes(addr.hostname)
            ? "localhost"
            : addr.hostname.includes(":")
            ? `[${addr.hostname}]`
            : addr.hostname;
          resolve({
            port: addr.port,
            hostname: addr.hostname,
            url: `http://${host}:${addr.port}/`,
            stats,
            close,
          });
        },
        onError: (err) => {
          console.error("lobby: request failed", err);
          return new Response("internal server error\n", { status: 500 });
        },
      }, handler);
    } catch (err) {
      reject(err);
      return;
    }

    let closing: Promise<void> | null = null;
    function close(): Promise<void> {
      return closing ??= (async () => {
        state = "closing";
        for (const s of [...sessions]) {
          s.end(CLOSE_CODES.goingAway, "server shutting down", {
            code: "shutting-down",
            message: "the lobby is shutting down",
          });
        }
        // Shutting down does not wait for clients to go quiet.
        for (const c of closers) c.flush();
        await server.shutdown();
        state = "closed";
      })();
    }
  });
}
