/**
 * What the player reads when something in the lobby goes wrong or changes: one clear sentence per
 * lobby error code and per lobby connection state. Pure, so every code is covered by a test.
 *
 * @module
 */

import type { LobbyErrorCode, SignalingState } from "../net/signaling_client.ts";

const ERROR_TEXT: Record<LobbyErrorCode, string> = {
  "room-full": "That room is full: someone else got there first.",
  "wrong-password": "Wrong password for that room.",
  "room-not-found": "No room with that name or invite code (it may have closed).",
  "rate-limited": "Slow down a little: the lobby got too many requests from you.",
  "already-in-room": "You are already in a room. Leave it first.",
  "not-in-room": "You are not in a room any more.",
  "not-paired": "Your opponent is no longer connected.",
  "bad-message": "The lobby did not understand that request.",
  "too-large": "That request was too large for the lobby.",
  "server-full": "The lobby is full right now. Try again in a minute.",
  "shutting-down": "The lobby is restarting. Reconnecting…",
  "internal-error": "The lobby had a problem with that request. Try again.",
  "server-busy": "The lobby is busy right now. Try again in a moment.",
  "too-many-attempts": "Too many wrong passwords for that room. Wait a little and try again.",
  "wrong-game": "That room is for another game.",
  "incompatible-version": "That room runs another version of the game. Reload to update.",
  "resume-unknown": "That match cannot be resumed: the lobby does not know it.",
  "resume-expired": "Too late to rejoin that match: the wait for you ran out.",
  "match-finished": "That match is already over.",
  "resume-in-use": "That match is already open in another tab.",
  "room-not-playing": "That room has no match in progress to watch.",
  "too-many-spectators": "That match has as many spectators as it can take. Try again later.",
  "bad-stream": "The match could not be streamed to its spectators.",
  timeout: "The lobby did not answer in time. Check your connection.",
  "connection-lost": "Lost the connection to the lobby. Reconnecting…",
  closed: "Not connected to the lobby.",
};

/** The sentence for a lobby error code; unknown codes get a generic sentence with the detail. */
export function lobbyErrorText(code: string, detail?: string): string {
  const known = (ERROR_TEXT as Record<string, string>)[code];
  if (known) return known;
  return detail ? `The lobby refused: ${detail}` : "The lobby refused that request.";
}

/** A status line and tone for the lobby connection state. */
export function lobbyStateText(
  state: SignalingState,
): { text: string; tone: "ok" | "busy" | "error" } {
  switch (state) {
    case "connecting":
      return { text: "Connecting to the lobby…", tone: "busy" };
    case "open":
      return { text: "Connected", tone: "ok" };
    case "reconnecting":
      return { text: "Lost connection to the lobby: reconnecting…", tone: "busy" };
    case "closed":
      return { text: "Disconnected from the lobby", tone: "error" };
  }
}
