/**
 * What the scenes share for the life of the page: the URL parameters, the lobby client, the
 * player's name, the current match runner, and the few flags `window.duet` reports.
 *
 * @module
 */

import type { UrlParams } from "../app/url_params.ts";
import type { Screen } from "../app/automation.ts";
import type { NameStorage } from "duet-netcode/ui";
import type { Match, ReplayPlayer, SignalingClient, Spectated } from "duet-netcode";
import type { Hockey } from "../sim/hockey.ts";

/** The page-wide state the scenes read and update. */
export interface AppContext {
  readonly params: UrlParams;
  readonly lobby: SignalingClient;
  readonly storage: NameStorage | null;
  /** The player's display name. */
  name: string;
  screen: Screen;
  /** The match in progress, or null in the lobby. */
  runner: Match<Hockey> | null;
  /** The replay being played, or null. */
  replayPlayer: ReplayPlayer<Hockey> | null;
  /** The match being watched, or null. */
  spectated: Spectated<Hockey> | null;
  /** The room the watch scene watches next (the lobby's Watch button); null = ?watch. */
  watchRoom: string | null;
  /** The password typed for a locked `watchRoom` (the lobby's Watch button), else null. */
  watchPassword: string | null;
  /** What the replay scene plays next: bytes (a file the player picked) or a URL; null = ?replay. */
  replaySource: Uint8Array | string | null;
  /** The replay of the last pairing played on this page (kept after it ends). */
  lastReplay: Uint8Array | null;
  /** The sentence last shown to the player (for `window.duet.message`). */
  message: string | null;
  /** Whether the network overlay is shown (kept across matches). */
  overlayShown: boolean;
  /** `?quick` / `?room=` not yet acted on (done once per page load). */
  autoJoinPending: boolean;
  /** Set by the match scene: shows or hides its overlay. */
  setOverlay: ((show: boolean) => void) | null;
}
