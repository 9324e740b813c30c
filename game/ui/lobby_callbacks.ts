/**
 * Borrowing the lobby client's callbacks while the lobby screen is shown. The client has one slot
 * per event (`onState`, `onRooms`, …), shared with the game: the screen takes the slots on
 * `show()` and gives back, on `hide()`, only the ones still holding its own handler, so a handler
 * the game set in between survives.
 *
 * @module
 */

import type { SignalingClient } from "../net/signaling_client.ts";

/** The client's callback slots the lobby screen takes. */
export type LobbyCallbacks = Pick<
  SignalingClient,
  "onState" | "onWelcome" | "onRooms" | "onError" | "onPeerLeft" | "onPaired"
>;

/** Every slot of {@link LobbyCallbacks}, in a fixed order. */
export const LOBBY_CALLBACK_KEYS: readonly (keyof LobbyCallbacks)[] = [
  "onState",
  "onWelcome",
  "onRooms",
  "onError",
  "onPeerLeft",
  "onPaired",
];

/**
 * Puts `mine` into the client's slots and returns the function that gives them back.
 *
 * @example
 * ```ts
 * const giveBack = borrowLobbyCallbacks(lobby, { ...handlers });
 * // ... later, on hide():
 * giveBack();
 * ```
 */
export function borrowLobbyCallbacks(lobby: LobbyCallbacks, mine: LobbyCallbacks): () => void {
  const saved = {} as Record<keyof LobbyCallbacks, unknown>;
  for (const key of LOBBY_CALLBACK_KEYS) {
    saved[key] = lobby[key];
    (lobby as Record<keyof LobbyCallbacks, unknown>)[key] = mine[key];
  }
  let given = false;
  return () => {
    if (given) return;
    given = true;
    for (const key of LOBBY_CALLBACK_KEYS) {
      if (lobby[key] === mine[key]) {
        (lobby as Record<keyof LobbyCallbacks, unknown>)[key] = saved[key];
      }
    }
  };
}
