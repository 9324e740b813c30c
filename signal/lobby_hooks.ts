/**
 * Hooks a game server plugs into the lobby (`startLobby({ hooks })`, signal/mod.ts): authorize a
 * connection before the upgrade, observe pairings and match ends. Each is optional. `authorize`
 * that throws costs only the connection it was called for; the observers are called exactly once
 * per pairing and per end, on one process (with Redis: the process that ran the step that caused
 * it), and one that throws or rejects is logged and otherwise ignored.
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
  /** A room got its second player (`paired` went to both). */
  onPaired?: (event: PairedEvent) => void | Promise<void>;
  /** A pairing ended: a player left or dropped, or the lobby shut down. */
  onMatchEnd?: (event: MatchEndEvent) => void | Promise<void>;
}

/** One of the two paired players. */
export interface PairedPlayer {
  id: string;
  name: string;
  role: "offerer" | "answerer";
}

/** A room got its second player: `paired` went to both. */
export interface PairedEvent {
  /** The pairing's session id (`paired.session`). */
  session: string;
  /** The room id. */
  room: string;
  /** The room's scope (`hello.game` / `hello.version`; "" in the default scope). */
  game: string;
  version: string;
  players: [PairedPlayer, PairedPlayer];
}

/** Why a pairing ended. */
export type MatchEndReason = "left" | "disconnected" | "expired" | "shutdown";

/**
 * A pairing ended: one of its players left the room, dropped (`disconnected`; or `expired` when
 * its seat was held for a resume and the grace period ran out), or the lobby shut down.
 */
export interface MatchEndEvent {
  session: string;
  room: string;
  reason: MatchEndReason;
}

/** A hook call as data (what the pure registry returns; the shell calls the hook). */
export type LobbyEvent =
  | ({ type: "paired" } & PairedEvent)
  | ({ type: "match-end" } & MatchEndEvent);

/** Calls the hook for `event`, if any; errors are reported to `onError`, never thrown. */
export function fireHook(
  hooks: LobbyHooks | undefined,
  event: LobbyEvent,
  onError: (err: unknown) => void,
): void {
  try {
    let result: void | Promise<void> = undefined;
    if (event.type === "paired" && hooks?.onPaired) {
      const { type: _, ...rest } = event;
      result = hooks.onPaired(rest);
    } else if (event.type === "match-end" && hooks?.onMatchEnd) {
      const { type: _, ...rest } = event;
      result = hooks.onMatchEnd(rest);
    }
    if (result && typeof result.then === "function") result.then(undefined, onError);
  } catch (err) {
    onError(err);
  }
}
