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
import type { RollbackGame } from "../game.ts";
import type { CreateGame, MatchSetup } from "../match/match_game.ts";
import { TICK_MS } from "../match/match_runner.ts";
import type { RenderFrame } from "../match/run_match.ts";
import { startFrameLoop } from "../tick_pump.ts";
import {
  SPECTATE_START,
  type SpectateEffect,
  type SpectateEvent,
  type SpectatePhase,
  type SpectateState,
  spectateStep,
} from "./spectate_lifecycle.ts";
import { createSpectatorSession, type SpectatorSession } from "./spectator_session.ts";
import { EventQueue } from "../event_queue.ts";

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

/** What happened, for listeners (the shape of runMatch's events). */
export type SpectatorEvent =
  | { type: "phase"; phase: SpectatePhase; previous: SpectatePhase }
  | { type: "started"; setup: MatchSetup }
  | { type: "closed"; reason: SpectatorStreamEnd | "failed"; message: string };

/** What a spectator's overlay shows. */
export interface SpectatorStats {
  /** Frames simulated (the next frame is this one). */
  frame: number;
  /** The newest frame simulated, as a player's `confirmedFrame` (-1 before any). */
  confirmedFrame: number;
  /** Frames received (the live edge as the lobby relays it). */
  received: number;
  /** Frames received but not yet shown. */
  behind: number;
  fastForwarding: boolean;
  /** Batches refused (gaps, rewrites). */
  rejected: number;
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
  let state = SPECTATE_START;
  let session: SpectatorSession<G> | null = null;
  let room: RoomInfo | null = null;
  let match = -1;
  const events = new EventQueue<SpectatorEvent>("spectator");
  // Stream messages that arrive before `watch` resolved are handled after it, in order.
  let early: (() => void)[] | null = [];
  let stopLoop = () => {};

  const emit = (e: SpectatorEvent) => events.push(e);
  const flush = () => events.flush();

  const apply = (effect: SpectateEffect) => {
    switch (effect.type) {
      case "start":
        try {
          session = createSpectatorSession({
            header: effect.header,
            createGame: opts.createGame,
            isOver: opts.isOver,
            localPlayer: opts.localPlayer,
          });
        } catch (e) {
          return dispatch({ type: "failed", error: `The game could not start: ${errorText(e)}` });
        }
        return;
      case "push":
        if (session && !session.push(effect.from, effect.inputs)) dispatch({ type: "rejected" });
        return;
      case "end":
        session?.end(effect.reason);
        return;
      case "leave-lobby":
        lobby.leave().catch(() => {
          // Not watching any more, or the lobby is gone: nothing to undo.
        });
        return;
    }
  };

  function dispatch(event: SpectateEvent): void {
    const before = state;
    const result = spectateStep(state, event);
    state = result.state;
    for (const e of result.effects) apply(e);
    if (state.phase !== before.phase) {
      emit({ type: "phase", phase: state.phase, previous: before.phase });
      if (state.phase === "closed") {
        emit({ type: "closed", reason: state.ended ?? "failed", message: state.message ?? "" });
      }
    }
  }

  const onBatch = (b: StreamBatchMessage) => {
    if (room === null || b.room !== room.id) return;
    dispatch({
      type: "stream",
      from: b.from,
      inputs: decodeStreamInputs(b.inputs),
      header: b.header,
    });
    flush();
  };
  const onEnd = (e: { room: string; reason: SpectatorStreamEnd }) => {
    if (room === null || e.room !== room.id) return;
    dispatch({ type: "stream-end", reason: e.reason });
    flush();
  };
  const previousStream = lobby.onStream;
  const previousEnd = lobby.onStreamEnd;
  const streamHandler = (b: StreamBatchMessage) => {
    if (early !== null) early.push(() => onBatch(b));
    else onBatch(b);
    previousStream?.(b);
  };
  const endHandler = (e: { room: string; reason: SpectatorStreamEnd }) => {
    if (early !== null) early.push(() => onEnd(e));
    else onEnd(e);
    previousEnd?.(e);
  };
  lobby.onStream = streamHandler;
  lobby.onStreamEnd = endHandler;

  lobby.watch(opts.room, opts.password).then(
    (w) => {
      room = w.room;
      const pending = early ?? [];
      early = null;
      dispatch({ type: "watching", header: w.header });
      for (const handle of pending) handle();
      flush();
    },
    (e: unknown) => {
      early = null;
      dispatch({ type: "failed", error: errorText(e) });
      flush();
      stop();
    },
  );

  const update = (dtMs: number): number => {
    if (!session || state.phase === "left" || state.phase === "closed") return 0;
    const ran = session.update(dtMs);
    const s = session;
    if (s.setup.match !== match) {
      match = s.setup.match;
      emit({ type: "started", setup: s.setup });
    }
    const over = opts.isOver?.(s.game) ?? false;
    dispatch({ type: "simulated", over, playedOut: s.ended !== null && s.frame >= s.received });
    flush();
    return ran;
  };

  function stop(): void {
    stopLoop();
    stopLoop = () => {};
    if (lobby.onStream === streamHandler) lobby.onStream = previousStream;
    if (lobby.onStreamEnd === endHandler) lobby.onStreamEnd = previousEnd;
  }

  const spectated: Spectated<G> = {
    get phase() {
      return state.phase;
    },
    get state() {
      return state;
    },
    get room() {
      return room;
    },
    get session() {
      return session;
    },
    get game() {
      return session?.game ?? null;
    },
    get setup() {
      return session?.setup ?? null;
    },
    get alpha() {
      return session?.alpha ?? 1;
    },
    get previous() {
      return session?.previous ?? null;
    },
    update,
    checksum: (f) => session?.checksum(f),
    stats: () => ({
      frame: session?.frame ?? 0,
      confirmedFrame: (session?.frame ?? 0) - 1,
      received: session?.received ?? 0,
      behind: session ? session.received - session.frame : 0,
      fastForwarding: session?.fastForwarding ?? false,
      rejected: session?.rejected ?? 0,
    }),
    on(listener) {
      return events.on(listener);
    },
    leave() {
      if (state.phase === "left") return;
      dispatch({ type: "leave" });
      flush();
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

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
