/**
 * `window.duet`: the page's automation surface (DESIGN.md, "Browser automation contract") for
 * end-to-end tests and for people debugging in the console. It reads from live sources on every
 * access, so it never goes stale, and everything it returns is plain data (structured-clonable
 * for Playwright's `page.evaluate`).
 *
 * @module
 */

import {
  emptyMatchStats,
  type MatchPhase,
  type MatchRunner,
  type MatchStats,
  type ReplayPlayer,
  type Spectated,
} from "duet-netcode";
import type { RoomInfo } from "duet-netcode/protocol";
import type { Hockey } from "../sim/hockey.ts";

/** The coarse state the contract promises. */
export type DuetState = "lobby" | "connecting" | "playing" | "ended";

/** Which screen is up. */
export type Screen = "lobby" | "match" | "replay" | "watch";

/** What the page is doing (DESIGN.md: `window.duet.mode`). */
export type DuetMode = "player" | "spectator" | "replay";

/** `stats()`: the contract's fields plus everything the overlay shows. */
export interface DuetStats extends MatchStats {
  state: DuetState;
  phase: MatchPhase | null;
  player: 0 | 1 | null;
  score: [number, number] | null;
  /** Lobby round-trip (ms) of the last ping, or null. */
  lobbyRtt: number | null;
}

/** What `window.duet` reads from. */
export interface DuetSource {
  screen(): Screen;
  /** The current pairing's runner, or null in the lobby. */
  runner(): MatchRunner<Hockey> | null;
  /** The replay being played, or null. */
  replayPlayer(): ReplayPlayer<Hockey> | null;
  /** The match being watched, or null. */
  spectated(): Spectated<Hockey> | null;
  /** The replay of the last pairing played on this page, or null. */
  lastReplay(): Uint8Array | null;
  /** Public rooms as the lobby client knows them. */
  rooms(): RoomInfo[];
  /** The lobby connection's state (connecting, open, reconnecting, closed). */
  lobbyState(): string;
  /** The lobby's last ping RTT, or null. */
  lobbyRtt(): number | null;
  /** The room we wait in, and its invite code if private. */
  room(): { room: RoomInfo; code: string | null } | null;
  /** Shows or hides the network overlay (no argument: just asks); returns whether it is shown. */
  overlay(show?: boolean): boolean;
  /** The last message shown to the player (lobby error, match end reason), or null. */
  message(): string | null;
}

/** The object installed as `window.duet`. */
export interface DuetApi {
  readonly state: DuetState;
  readonly mode: DuetMode;
  /** The match lifecycle's phase, or null in the lobby. */
  readonly phase: MatchPhase | null;
  readonly screen: Screen;
  /** The sentence currently shown to the player, or null. */
  readonly message: string | null;
  readonly lobbyState: string;
  stats(): DuetStats;
  /** Checksum of a confirmed frame of the current match (or of a played replay frame), else null. */
  checksum(frame: number): number | null;
  /** The current or last pairing as replay file bytes, or null if there was none. */
  replay(): Uint8Array | null;
  rooms(): RoomInfo[];
  room(): { room: RoomInfo; code: string | null } | null;
  /** Shows or hides the network overlay (no argument: just asks); returns whether it is shown. */
  overlay(show?: boolean): boolean;
  /** The local player asks for a rematch (as the end screen's button does). */
  rematch(): void;
  /** Leaves the match (as the end screen's "back to lobby" does). */
  leave(): void;
}

/** Maps the screen and lifecycle phase to the contract's four states. */
export function duetStateOf(screen: Screen, phase: MatchPhase | null): DuetState {
  if (screen === "lobby" || phase === null) return "lobby";
  switch (phase) {
    case "connecting":
    case "handshake":
      return "connecting";
    case "playing":
      return "playing";
    case "ended":
    case "rematch":
    case "closed":
    case "left":
      return "ended";
  }
}

/** Builds the API over live sources. */
export function createDuetApi(src: DuetSource): DuetApi {
  const phase = () => (src.screen() === "match" ? src.runner()?.lifecycle.phase ?? null : null);
  const state = (): DuetState => {
    if (src.screen() === "watch") {
      const phase = src.spectated()?.phase ?? "connecting";
      return phase === "connecting" ? "connecting" : phase === "playing" ? "playing" : "ended";
    }
    if (src.screen() !== "replay") return duetStateOf(src.screen(), phase());
    const p = src.replayPlayer();
    return p === null ? "connecting" : p.ended ? "ended" : "playing";
  };
  return {
    get state() {
      return state();
    },
    get mode() {
      const screen = src.screen();
      return screen === "replay" ? "replay" : screen === "watch" ? "spectator" : "player";
    },
    get phase() {
      return phase();
    },
    get screen() {
      return src.screen();
    },
    get message() {
      return src.message();
    },
    get lobbyState() {
      return src.lobbyState();
    },
    stats() {
      const r = src.runner();
      const watched = src.screen() === "watch" ? src.spectated() : null;
      const view = (watched ? watched.game : r?.game)?.view();
      const seen = watched?.stats();
      return {
        ...emptyMatchStats(),
        ...(r?.stats() ?? {}),
        // A spectator's frames are the ones it has shown (all confirmed: it never predicts).
        ...(seen ? { frame: seen.frame, confirmedFrame: seen.confirmedFrame } : {}),
        state: state(),
        phase: phase(),
        player: r?.lifecycle.localPlayer ?? null,
        score: view ? [view.score[0], view.score[1]] : null,
        lobbyRtt: src.lobbyRtt(),
      };
    },
    checksum(frame) {
      if (!Number.isInteger(frame) || frame < 0) return null;
      if (src.screen() === "replay") return src.replayPlayer()?.checksum(frame) ?? null;
      if (src.screen() === "watch") return src.spectated()?.checksum(frame) ?? null;
      return src.runner()?.checksum(frame) ?? null;
    },
    replay: () => src.runner()?.replay() ?? src.lastReplay(),
    rooms: () => src.rooms().map((r) => ({ ...r })),
    room: () => src.room(),
    overlay: (show) => src.overlay(show),
    rematch: () => src.runner()?.rematch(),
    leave: () => src.runner()?.leave(),
  };
}

declare global {
  /** The page's automation API (installed by main.ts). */
  var duet: DuetApi;
}

/** Installs the API as `duet` on a global object (the window). */
export function installDuet(api: DuetApi, target: object = globalThis): void {
  Object.defineProperty(target, "duet", { value: api, configurable: true, enumerable: true });
}
