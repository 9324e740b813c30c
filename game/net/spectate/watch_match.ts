/**
 * The one call that watches a match in a browser page: it asks the lobby to `watch` a playing
 * room, feeds the confirmed-input stream the lobby relays into a spectator session
 * (spectator_session.ts: fast-forward to the live edge, then a little behind it), runs it from
 * `requestAnimationFrame` plus a worker metronome, and calls the game's `render` with the same
 * frame runMatch gives, so a game draws a watched match with the code that draws its own.
 * Spectating costs the players nothing but the offerer's small batched upload to the lobby.
 *
 * The decisions are spectate_lifecycle.ts's (a pure reducer); this is its shell.
 *
 * @example
 * ```ts
 * const lobby = connectLobby({ name: "Viewer", game: "dots", version: "1" });
 * const watching = watchMatch({
 *   lobby,
 *   room: "k3j5h2g6f7",
 *   createGame: (setup) => createDots(setup.seed),
 *   isOver: (game) => game.winner() !== null,
 *   render: ({ game, alpha, phase }) => draw(game, alpha, phase),
 * });
 * watching.on((e) => e.type === "closed" && console.log(e.message));
 * ```
 *
 * @module
 */

import type { RoomInfo, StreamHeader } from "../../../shared/lobby_protocol.ts";
import type { SpectatorStreamEnd, StreamBatchMessage } from "../lobby_connection.ts";
import { decodeStreamInputs } from "../../../shared/stream_inputs.ts";
import { errorText } from "../error_text.ts";
import type { RollbackGame } from "../game.ts";
import type { CreateGame, MatchSetup } from "../match/match_game.ts";
import { TICK_MS } from "../match/match_runner.ts";
import type { RenderFrame } from "../match/run_match.ts";
import { startFrameLoop } from "../tick_pump.ts";
import type { SpectatePhase, SpectateState } from "./spectate_lifecycle.ts";
import type { SpectatorSession } from "./spectator_session.ts";
import { SpectateDriver } from "./spectate_driver.ts";
import { LobbyStreamTap } from "./lobby_stream_tap.ts";
import type { SpectatorEvent } from "./spectator_news.ts";
import { type SpectatorStats, spectatorStats } from "./spectator_stats.ts";

export type { SpectatorEvent } from "./spectator_news.ts";
export type { SpectatorStats } from "./spectator_stats.ts";

/** The part of the lobby client a spectator needs (the signalling client has it). */
export interface SpectatorLobby {
  /** Sends `watch`; resolves with `watching`, rejects with the lobby's error. */
  watch(room: string, password?: string): Promise<{ room: RoomInfo; header?: StreamHeader }>;
  /** Stops watching (`leave`). */
  leave(): Promise<void>;
  onStream: ((batch: StreamBatchMessage) => void) | null;
  onStreamEnd: ((end: { room: string; reason: SpectatorStreamEnd }) => void) | null;
}

/** Options of {@link watchMatch}. */
export interface WatchMatchOptions<G extends RollbackGame> {
  lobby: SpectatorLobby;
  /** A playing room's id (from the room list), or a private room's invite code. */
  room: string;
  password?: string;
  createGame: CreateGame<G>;
  isOver?: (game: G) => boolean;
  /** Draws a frame; called from `requestAnimationFrame` once the match started. */
  render?: (frame: RenderFrame<G>) => void;
  /** Whose side the renderer takes (`setup.localPlayer`, default 0). */
  localPlayer?: 0 | 1;
  /** `"auto"` (default) runs from animation frames and a worker; `"manual"`: call `update`. */
  loop?: "auto" | "manual";
}

/** A match being watched in this page. */
export interface Spectated<G extends RollbackGame> {
  readonly phase: SpectatePhase;
  readonly state: SpectateState;
  /** The room being watched, once the lobby said so. */
  readonly room: RoomInfo | null;
  readonly session: SpectatorSession<G> | null;
  readonly game: G | null;
  readonly setup: MatchSetup | null;
  readonly alpha: number;
  readonly previous: unknown;
  /** Plays `dtMs` of time (the loop calls it; with `loop: "manual"`, the caller). */
  update(dtMs: number): number;
  /** Checksum after a simulated frame (the players' `checksum` of it), else undefined. */
  checksum(frame: number): number | undefined;
  stats(): SpectatorStats;
  /** Adds a listener; returns a function that removes it. */
  on(listener: (event: SpectatorEvent) => void): () => void;
  /** Stops watching: leaves the lobby room and stops the loop. Safe to call more than once. */
  leave(): void;
}

/** Starts watching `opts.room`. */
export function watchMatch<G extends RollbackGame>(opts: WatchMatchOptions<G>): Spectated<G> {
  const { lobby } = opts;
  let room: RoomInfo | null = null;
  let stopLoop = () => {};
  const driver = new SpectateDriver<G>({
    createGame: opts.createGame,
    isOver: opts.isOver,
    localPlayer: opts.localPlayer,
    leaveLobby: () =>
      lobby.leave().catch(() => {
        // Not watching any more, or the lobby is gone: nothing to undo.
      }),
  });
  const tap = new LobbyStreamTap(lobby, {
    batch: (b) =>
      driver.tell({
        type: "stream",
        from: b.from,
        inputs: decodeStreamInputs(b.inputs),
        header: b.header,
      }),
    end: (reason) => driver.tell({ type: "stream-end", reason }),
  });
  const stop = () => {
    stopLoop();
    stopLoop = () => {};
    tap.detach();
  };

  lobby.watch(opts.room, opts.password).then(
    (w) => {
      room = w.room;
      const replay = tap.open(w.room.id);
      driver.dispatch({ type: "watching", header: w.header });
      replay();
      driver.flush();
    },
    (e: unknown) => {
      tap.refuse();
      driver.tell({ type: "failed", error: errorText(e) });
      stop();
    },
  );

  const spectated: Spectated<G> = {
    get phase() {
      return driver.state.phase;
    },
    get state() {
      return driver.state;
    },
    get room() {
      return room;
    },
    get session() {
      return driver.session;
    },
    get game() {
      return driver.session?.game ?? null;
    },
    get setup() {
      return driver.session?.setup ?? null;
    },
    get alpha() {
      return driver.session?.alpha ?? 1;
    },
    get previous() {
      return driver.session?.previous ?? null;
    },
    update: (dtMs) => driver.update(dtMs),
    checksum: (f) => driver.session?.checksum(f),
    stats: () => spectatorStats(driver.session),
    on: (listener) => driver.on(listener),
    leave() {
      if (driver.state.phase === "left") return;
      driver.tell({ type: "leave" });
      stop();
    },
  };
  if (opts.loop !== "manual") stopLoop = startLoop(spectated, opts.render);
  return spectated;
}

/** Drives `s` from animation frames, and from a worker while the tab is hidden. */
function startLoop<G extends RollbackGame>(
  s: Spectated<G>,
  render: WatchMatchOptions<G>["render"],
): () => void {
  return startFrameLoop(TICK_MS, (dt) => s.update(dt), () => {
    const game = s.game, setup = s.setup;
    if (render && game && setup && s.phase !== "connecting") {
      render({ game, alpha: s.alpha, previous: s.previous, setup, phase: s.phase });
    }
  });
}
