/**
 * The drop-in lobby screen: plain DOM over (or beside) any game's canvas. It shows the live room
 * list (join by click; a locked room asks for its password), quick match, a form to create a room
 * (private toggle, optional password), join by code or pasted invite link, the invite link of our
 * private room, the player's name (remembered), the connection status and every lobby error in
 * words. It tells the game when a pairing starts; the game then runs its match.
 *
 * The decisions live in `lobby_screen_model.ts` (pure, tested); the shell that owns the DOM, the
 * client's callbacks and their lifetime is the class in `lobby_screen_shell.ts`. This file holds
 * the public options and handle and resolves their defaults (page URL, `localStorage`).
 *
 * @module
 */

import type { RoomInfo } from "../../shared/lobby_protocol.ts";
import type { Pairing, SignalingClient } from "../net/signaling_client.ts";
import { LOBBY_SCREEN_STYLE_ID, lobbyScreenCss } from "./lobby_screen_css.ts";
import { inviteLinkFor } from "./lobby_screen_model.ts";
import { LobbyScreenShell } from "./lobby_screen_shell.ts";
import { choosePlayerName, type NameStorage } from "./player_name.ts";
import { injectStyle } from "./style.ts";

/** Options of {@link createLobbyScreen}. */
export interface LobbyScreenOptions {
  /** The lobby connection (see `createSignalingClient` in `duet-netcode`). */
  lobby: SignalingClient;
  /** Called once per pairing: hide the screen and start the match. */
  onPairing: (pairing: Pairing) => void;
  /** Where the screen goes; default `document.body`. */
  parent?: HTMLElement;
  /** Heading; default "duet". */
  title?: string;
  /** Line under the heading; default "peer to peer · rollback netcode". */
  subtitle?: string;
  /** Footer text or element (e.g. the game's controls); default none. */
  help?: string | Node | null;
  /** Replaces the two-dot logo; `null` shows none. */
  logo?: Node | null;
  /** The player's name; default the remembered one (or a generated one). */
  name?: string;
  /** Where the name is remembered; default `localStorage` (null: not remembered). */
  storage?: NameStorage | null;
  /** Called after the player renamed themselves. */
  onNameChange?: (name: string) => void;
  /**
   * Join a room or quick-match once the lobby is open; default from the page's URL (`?room=CODE`,
   * `?quick`), `false` for neither.
   */
  autoJoin?: { room?: string | null; quick?: boolean } | false;
  /** Builds the invite link of a private room; default this page's URL with `?room=CODE`. */
  inviteLink?: (code: string) => string;
  /** A message to show from the start (e.g. ignored URL parameters). */
  notice?: string | null;
  /** Called whenever the message bar changes (for automation or analytics). */
  onMessage?: (text: string | null) => void;
  /** Lay out in the page flow instead of centred over the viewport. */
  inline?: boolean;
  /** Start hidden (call `show()` later); default shown. */
  hidden?: boolean;
  /**
   * Offers a Watch button on rooms whose match is playing; called with the room when pressed (and
   * the password the player typed, for a locked room): hide the screen and start `watchMatch`
   * with both. Absent: no Watch buttons.
   */
  onWatch?: (room: RoomInfo, password?: string) => void;
}

/** A lobby screen on the page. */
export interface LobbyScreen {
  /** The screen's root element (class `duet-lobby`). */
  readonly element: HTMLElement;
  /** Shown now. */
  readonly visible: boolean;
  /** The player's current name. */
  readonly name: string;
  /** The message bar's text, or null. */
  readonly message: string | null;
  /**
   * Shows the screen and takes the lobby's callbacks (`onState`, `onWelcome`, `onRooms`,
   * `onError`, `onPeerLeft`, `onPaired`); reconnects a closed lobby; reports a pairing that came
   * while hidden.
   */
  show(): void;
  /** Hides the screen and gives the lobby's callbacks back as they were before `show()`. */
  hide(): void;
  /** Hides the screen and removes it from the page. */
  destroy(): void;
  /** Puts a sentence in the message bar (null clears it). */
  say(text: string | null, tone?: "error" | "info"): void;
}

let nextId = 0;

/**
 * Creates the lobby screen and shows it (unless `hidden`).
 *
 * @example
 * ```ts
 * import { connectLobby } from "duet-netcode";
 * import { createLobbyScreen } from "duet-netcode/ui";
 *
 * const lobby = connectLobby({ game: "dots", version: "1" });
 * const screen = createLobbyScreen({
 *   lobby,
 *   title: "Dots",
 *   subtitle: "two players, one board",
 *   help: "Arrow keys move. F3 shows the network.",
 *   onPairing: () => {
 *     screen.hide();
 *     startMatch(lobby); // e.g. runMatch({ lobby, ... }); screen.show() when it ends
 *   },
 * });
 * ```
 */
export function createLobbyScreen(options: LobbyScreenOptions): LobbyScreen {
  injectStyle(LOBBY_SCREEN_STYLE_ID, lobbyScreenCss);
  const storage = options.storage === undefined ? safeLocalStorage() : options.storage;
  const shell = new LobbyScreenShell({
    ...options,
    parent: options.parent ?? document.body,
    uid: `duet-${++nextId}`,
    name: options.name ?? choosePlayerName(null, storage, Math.random),
    storage,
    autoJoin: options.autoJoin === undefined ? autoJoinFromUrl() : options.autoJoin || null,
    inviteLink: options.inviteLink ?? ((code: string) => inviteLinkFor(location.href, code)),
  });
  if (options.notice) shell.say(options.notice);
  if (!options.hidden) shell.show();
  return {
    element: shell.element,
    get visible() {
      return shell.visible;
    },
    get name() {
      return shell.name;
    },
    get message() {
      return shell.message?.text ?? null;
    },
    show: () => shell.show(),
    hide: () => shell.hide(),
    destroy: () => shell.destroy(),
    say: (text, tone) => shell.say(text, tone),
  };
}

/** `?room=CODE` and `?quick` of the page's URL. */
function autoJoinFromUrl(): { room: string | null; quick: boolean } | null {
  if (typeof location === "undefined") return null;
  const q = new URLSearchParams(location.search);
  const room = q.get("room");
  const quick = q.has("quick");
  return room || quick ? { room, quick } : null;
}

function safeLocalStorage(): NameStorage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}
