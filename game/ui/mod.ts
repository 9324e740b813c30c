/**
 * `duet-netcode/ui`: a framework-free DOM lobby screen and network overlay for games on duet.
 *
 * @module
 */

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
