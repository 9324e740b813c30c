/**
 * Hooks a game server plugs into the lobby (`startLobby({ hooks })`, signal/mod.ts). Each is
 * optional; a hook that throws costs only the connection it was called for.
 */

/** What the lobby knows about a connection it is about to accept. */
export interface AuthorizeInfo {
  /** The client's address (behind a trusted proxy: X-Forwarded-For's last hop). */
  address: string;
  /** The request URL, e.g. `http://lobby.example/ws?token=...`. */
  url: URL;
  /** The page's Origin header, if any. */
  origin: string | null;
}

/**
 * The answer of {@link LobbyHooks.authorize}: `true` or nothing accepts; `false` refuses with 403;
 * an object refuses with its status (4xx/5xx), an optional plain-text body and headers.
 */
export type AuthorizeResult =
  | boolean
  | void
  | { status: number; body?: string; headers?: Record<string, string> };

/** The lobby's hooks. */
export interface LobbyHooks {
  /**
   * Called for every WebSocket handshake that passed the lobby's own checks (origin, capacity,
   * per-address cap), before the upgrade: refuse it by returning `false` or a status. May be
   * asynchronous; the handshake is closed if it takes longer than the request timeout.
   *
   * @example Require a token in the query string
   * ```ts
   * authorize: (_req, { url }) =>
   *   url.searchParams.get("token") === "letmein" || { status: 401, body: "token required\n" }
   * ```
   */
  authorize?(request: Request, info: AuthorizeInfo): AuthorizeResult | Promise<AuthorizeResult>;
}
