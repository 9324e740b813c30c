/**
 * The lobby client of a page served by the lobby itself, in one call.
 *
 * @module
 */

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
  return createSignalingClient({ ...opts, url });
}
