/**
 * `duet-netcode/ui`: a framework-free DOM lobby screen and network overlay for games on duet.
 * Both bring their own CSS (injected once into a `<style>`, so no CSS loader is needed) and are
 * themed with CSS custom properties (`--duet-bg`, `--duet-text`, `--duet-accent`, …).
 *
 * @example
 * ```ts
 * import { connectLobby } from "duet-netcode";
 * import { createLobbyScreen, createNetworkOverlay } from "duet-netcode/ui";
 *
 * const lobby = connectLobby({ game: "dots", version: "1" });
 * const screen = createLobbyScreen({
 *   lobby,
 *   title: "Dots",
 *   onPairing: () => {
 *     screen.hide();
 *     const match = startMatch(lobby); // your runMatch(...) call
 *     const overlay = createNetworkOverlay({ stats: () => match.stats(), history: match.history });
 *   },
 * });
 * ```
 *
 * @module
 */

export { createLobbyScreen, type LobbyScreen, type LobbyScreenOptions } from "./lobby_screen.ts";
export { LOBBY_SCREEN_STYLE_ID, lobbyScreenCss } from "./lobby_screen_css.ts";
export {
  connectionMessage,
  inviteLinkFor,
  type JoinFailure,
  joinFailure,
  type LobbyBusy,
  type LobbyMessage,
  type LobbyView,
  lobbyView,
  type LobbyViewInput,
  parseRoomRef,
  type RoomRow,
  sortRooms,
  type WaitingView,
} from "./lobby_screen_model.ts";
export {
  bindOverlayKeys,
  createNetworkOverlay,
  type NetworkOverlay,
  type NetworkOverlayOptions,
  OVERLAY_KEYS,
} from "./network_overlay.ts";
export { NETWORK_OVERLAY_STYLE_ID, networkOverlayCss } from "./network_overlay_css.ts";
export {
  type GraphGeometry,
  graphGeometry,
  type OverlayRow,
  overlayRows,
  type OverlayStats,
} from "./network_overlay_model.ts";
export { injectStyle } from "./style.ts";
export { append, type Attrs, type Child, h, lockIcon, replaceChildren, uiRoot } from "./dom.ts";
export { lobbyErrorText, lobbyStateText } from "./lobby_messages.ts";
export {
  choosePlayerName,
  cleanName,
  generatedName,
  NAME_KEY,
  type NameStorage,
  rememberName,
} from "./player_name.ts";
