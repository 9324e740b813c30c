/**
 * The lobby client of a page served by the lobby itself, in one call. A page reloaded mid-match
 * takes its seat back first: a valid resume ticket in `sessionStorage` (written by runMatch) is
 * presented as `resume` before anything else, so `paired` (resumed) follows and the game's
 * `onPaired` runs runMatch as usual, which rebuilds the match from the peer. A refusal forgets the
 * ticket and goes to `onError` (the lobby screen says it in words, then goes on to its quick
 * match or room).
 *
 * @module
 */
import { DEFAULT_RESUME_GRACE_MS } from "../../shared/limits.ts";
import { clearTicket, loadTicket, pageStorage, type TicketStorage } from "./match/resume_ticket.ts";
import { isLobbyError } from "./lobby_connection.ts";

import {
  createSignalingClient,
  lobbyUrl,
  type SignalingClient,
  type SignalingClientOptions,
} from "./signaling_client.ts";

/** Options of {@link connectLobby}: those of the signalling client, with `url` optional. */
export interface ConnectLobbyOptions extends Omit<SignalingClientOptions, "url"> {
  /** The lobby's WebSocket URL; default: `/ws` on the host that served the page. */
  url?: string;
  /** Where runMatch keeps the resume ticket (default `sessionStorage`; null: never resume). */
  ticketStorage?: TicketStorage | null;
  /** How old a ticket may be (default: the lobby's default grace period, 20 s). */
  resumeWithinMs?: number;
}

/**
 * Connects to the lobby (and keeps reconnecting with backoff when the connection drops).
 *
 * @example
 * ```ts
 * import { connectLobby } from "duet-netcode";
 * const lobby = connectLobby({ name: "Ann" });
 * await lobby.ready();
 * console.log([...lobby.rooms.values()].map((r) => r.name));
 * ```
 */
export function connectLobby(opts: ConnectLobbyOptions = {}): SignalingClient {
  const url = opts.url ?? lobbyUrl(globalThis.location);
  const client = createSignalingClient({ ...opts, url });
  const storage = opts.ticketStorage === undefined ? pageStorage() : opts.ticketStorage;
  const maxAge = opts.resumeWithinMs ?? DEFAULT_RESUME_GRACE_MS;
  const ticket = loadTicket(storage, url, Date.now(), maxAge);
  if (ticket) {
    client.resume(ticket.token, ticket.player).catch((e: unknown) => {
      clearTicket(storage);
      if (isLobbyError(e)) client.onError?.(e);
    });
  }
  return client;
}
