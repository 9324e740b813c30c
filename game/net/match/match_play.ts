/**
 * A pairing's play once both intros agree: the wrapped game (match_game.ts), the rollback
 * session that runs it over the runner's transport proxy, the confirmed-input log (the replay's,
 * read by the spectators' stream), and the two game snapshots that take turns for the renderer's
 * interpolation. No lifecycle, no events and no timers: the match runner ticks it, and asks what
 * the confirmed frames say with {@link newMatchConfirmed} and {@link overConfirmed}.
 *
 * @module
 */

import type { StreamHeader } from "../../../shared/lobby_protocol.ts";
import type { RollbackGame } from "../game.ts";
import { createReplayRecorder, type ReplayRecorder } from "../replay/replay_recorder.ts";
import {
  createP2PSession,
  type P2PSession,
  type P2PSessionOptions,
  resumeP2PSession,
  type SessionTransport,
  type TickOutcome,
} from "../sessions/p2p_session.ts";
import {
  type CreateGame,
  createMatchGame,
  type MatchGame,
  type MatchSetup,
  REMATCH_INPUT,
} from "./match_game.ts";
import type { Agreement, Intro, LifecycleState } from "./match_lifecycle.ts";

/** The seed both sides derive from the lobby's session id (FNV-1a, 32 bits). */
export function seedFromSession(session: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < session.length; i++) {
    h ^= session.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** Options of {@link createMatchPlay} (the match runner's options are these, and more). */
export interface MatchPlayOptions<G extends RollbackGame> {
  /** The lobby's session id of the pairing: the shared seed is derived from it. */
  session: string;
  localPlayer: 0 | 1;
  createGame: CreateGame<G>;
  isOver?: (game: G) => boolean;
  /** The local player's input for the next tick (an integer 0..255; anything else is 0). */
  readInput: (game: G, player: 0 | 1) => number;
  inputDelay?: number;
  maxPrediction?: number;
}

/** What the handshake brought to {@link createMatchPlay}. */
export interface PlayStart {
  /** This side's intro (its game id and version go into the log's header). */
  intro: Intro;
  /** What both sides agreed on: both names and both sides' options. */
  agreement: Agreement;
  /** What the session sends and hears through (the runner's proxy). */
  transport: SessionTransport;
}

/** A pairing's play; see the module comment. */
export interface MatchPlay<G extends RollbackGame> {
  /** The wrapped game (its `setup` is the current match's). */
  readonly game: MatchGame<G>;
  /** The pairing's confirmed-input log, every match of it. */
  readonly recorder: ReplayRecorder;
  /** The session, once {@link begin} or a successful {@link resume}; null before. */
  readonly session: P2PSession | null;
  /** The game's snapshot from before the newest tick that advanced; null if the last did not. */
  readonly previous: unknown;
  /** What the newest tick did ("idle" before the first). */
  readonly lastOutcome: TickOutcome | "idle";
  /** The spectators' stream header, of the current match's setup. */
  streamHeader(): StreamHeader;
  /** Starts the session from frame 0. */
  begin(): P2PSession;
  /** Rebuilds the session from the survivor's snapshot (a resume). */
  resume(snapshot: Uint8Array): { ok: true; session: P2PSession } | { ok: false; error: string };
  /**
   * Runs one tick with the local player's input: while a match is over, the rematch vote
   * (`rematch`) instead. Without a session it does nothing and says "stopped".
   */
  tick(rematch: boolean): TickOutcome;
  /** Notes in the log a rematch whose first frame is confirmed. */
  noteRestart(): void;
}

/** Builds the game and the log for the agreement; throws what `createGame` throws. */
export function createMatchPlay<G extends RollbackGame>(
  opts: MatchPlayOptions<G>,
  { intro, agreement, transport }: PlayStart,
): MatchPlay<G> {
  const setup: MatchSetup = {
    seed: seedFromSession(opts.session),
    localPlayer: opts.localPlayer,
    names: agreement.names,
    match: 0,
    options: agreement.options,
  };
  const game = createMatchGame({ createGame: opts.createGame, setup, isOver: opts.isOver });
  const recorder = createReplayRecorder({
    game: intro.game,
    version: intro.version,
    seed: setup.seed,
    names: setup.names,
    // Both sides' options went through canonicalOptions (the intro checks): replay-sized.
    options: setup.options,
  });
  let session: P2PSession | null = null;
  let previous: unknown = null;
  // The snapshot `tick` saves into next (the one `previous` held before), null before the first.
  let spare: unknown = null;
  let lastOutcome: TickOutcome | "idle" = "idle";

  const sessionOptions: P2PSessionOptions<unknown> = {
    game: game as unknown as RollbackGame<unknown>,
    transport,
    localPlayer: opts.localPlayer,
    inputDelay: opts.inputDelay,
    maxPrediction: opts.maxPrediction,
    // Every confirmed frame once, in order: the replay (and the spectators' stream) log.
    onConfirmed: (f, i0, i1) => {
      recorder.record(f, i0, i1, session?.checksum(f) ?? 0);
    },
  };

  function localInput(rematch: boolean): number {
    if (game.overFrame >= 0) return rematch ? REMATCH_INPUT : 0;
    const raw = opts.readInput(game.game, opts.localPlayer);
    return Number.isInteger(raw) ? raw & 0xff : 0;
  }

  return {
    game,
    recorder,
    get session() {
      return session;
    },
    get previous() {
      return previous;
    },
    get lastOutcome() {
      return lastOutcome;
    },
    streamHeader() {
      const now = game.setup;
      return {
        game: intro.game,
        version: intro.version,
        seed: now.seed,
        names: [now.names[0], now.names[1]],
        options: [now.options[0], now.options[1]],
      };
    },
    begin() {
      session = createP2PSession(sessionOptions);
      return session;
    },
    resume(snapshot) {
      const r = resumeP2PSession(sessionOptions, snapshot);
      if (r.ok) session = r.session;
      return r;
    },
    tick(rematch) {
      if (!session) return "stopped";
      const input = localInput(rematch);
      const g = game.game;
      // Two snapshots take turns (a game with saveInto): `previous` stays intact until the next
      // tick that advances, and the one before it is refilled instead of a copy per tick.
      const before = spare !== null && g.saveInto ? g.saveInto(spare) : g.save();
      const outcome = session.tick(input);
      lastOutcome = outcome;
      if (outcome === "advanced") {
        spare = previous;
        previous = before;
      } else {
        spare = before;
        previous = null;
      }
      return outcome;
    },
    noteRestart() {
      const confirmed = session ? session.confirmedFrame : -1;
      if (game.startFrame > 0 && game.startFrame <= confirmed + 1) {
        recorder.matchStarted(game.startFrame);
      }
    },
  };
}

// What the simulation decided is reported once the frame that decided it is confirmed: a
// misprediction can then never show an end screen, or start a rematch, that is taken back.

/** True once the first frame of a match newer than the lifecycle's is confirmed. */
export function newMatchConfirmed<G extends RollbackGame>(
  game: MatchGame<G>,
  confirmed: number,
  lifecycle: Pick<LifecycleState, "match">,
): boolean {
  return game.match > lifecycle.match && confirmed >= game.startFrame;
}

/** True once the end of the lifecycle's current match is confirmed, while it is being played. */
export function overConfirmed<G extends RollbackGame>(
  game: MatchGame<G>,
  confirmed: number,
  lifecycle: Pick<LifecycleState, "match" | "phase">,
): boolean {
  // Only while playing: in any other phase the step ignores it, and from the end of a match to
  // the rematch this ran every tick for nothing (an event and a step result each time).
  return lifecycle.phase === "playing" && game.match === lifecycle.match &&
    game.overFrame >= 0 && confirmed >= game.overFrame;
}
