/**
 * duet's lobby as a library (`duet-netcode/lobby`): the same server as the `duet-lobby` command,
 * started from code, with hooks for the game server around it.
 *
 * ```ts
 * import { startLobby } from "duet-netcode/lobby";
 *
 * const lobby = await startLobby({
 *   port: 8000,
 *   staticDir: "dist",
 *   // Refuse a connection before the WebSocket upgrade, with a status of your choice.
 *   authorize: (_request, { url }) =>
 *     url.searchParams.get("token") === "letmein" || { status: 401, body: "token required\n" },
 * });
 * console.log(`lobby at ${lobby.url}`);
 * // ... later
 * await lobby.close();
 * ```
 *
 * Runs under Deno (`--allow-net --allow-env --allow-read --allow-sys`).
 *
 * @module
 */
import { DEFAULT_CONFIG, type ServerConfig } from "./config.ts";
import type { LobbyHooks } from "./lobby_hooks.ts";
import type { LobbyRegistry } from "./lobby_registry.ts";
import { startServer } from "./server.ts";

export { DEFAULT_CONFIG, loadConfig, type ServerConfig, SETTINGS, usage } from "./config.ts";
export type { AuthorizeInfo, AuthorizeResult, LobbyHooks } from "./lobby_hooks.ts";

/**
 * Options of {@link startLobby}: any of the command line's settings (see {@link ServerConfig};
 * missing ones take {@link DEFAULT_CONFIG}'s values), plus the hooks.
 */
export interface LobbyOptions extends Partial<ServerConfig>, LobbyHooks {}

/** A running lobby. */
export interface Lobby {
  /** Base URL for clients on this machine, e.g. `http://localhost:8000/`. */
  readonly url: string;
  /** The lobby WebSocket's URL, e.g. `ws://localhost:8000/ws`. */
  readonly wsUrl: string;
  /** The port actually bound (useful with `port: 0`). */
  readonly port: number;
  /** The port of the token-free metrics listener on 127.0.0.1, if `metricsPort` was set. */
  readonly metricsPort: number | null;
  /** Concurrent TCP sockets accepted: `maxConnections`, or less to fit the open-file limit. */
  readonly maxSockets: number;
  /** The settings in force (defaults filled in). */
  readonly config: Readonly<ServerConfig>;
  /** Where rooms and players live (in memory, or Redis). */
  readonly registry: LobbyRegistry;
  /** Open WebSockets, open TCP sockets, local players and public rooms right now. */
  stats(): { connections: number; sockets: number; players: number; rooms: number };
  /**
   * Shuts down: every client is told `shutting-down` and closed (1001), everything is closed
   * within `shutdownDeadlineMs`. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Starts a lobby.
 *
 * @example
 * ```ts
 * const lobby = await startLobby({ port: 0, hostname: "127.0.0.1", staticDir: null });
 * const ws = new WebSocket(lobby.wsUrl);
 * ```
 */
export async function startLobby(options: LobbyOptions = {}): Promise<Lobby> {
  const config: ServerConfig = { ...DEFAULT_CONFIG };
  for (const key of Object.keys(DEFAULT_CONFIG) as (keyof ServerConfig)[]) {
    if (options[key] !== undefined) {
      (config as unknown as Record<string, unknown>)[key] = options[key];
    }
  }
  // Every other field of the options is a hook; the server picks the ones it knows.
  const server = await startServer(config, { hooks: options });
  return {
    url: server.url,
    wsUrl: `${server.url.replace(/^http/, "ws")}ws`,
    port: server.port,
    metricsPort: server.metricsPort,
    maxSockets: server.maxSockets,
    config,
    registry: server.registry,
    stats: server.stats,
    close: server.close,
  };
}
