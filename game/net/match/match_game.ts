/**
 * The game the rollback session actually runs: the player's game wrapped with the few facts of a
 * pairing that must be as deterministic as the game itself. When the match is over, and when a
 * rematch starts, are decided here, inside the simulation, from the inputs: so both peers see the
 * end on the same frame and restart on the same frame, and a rollback can take either back just
 * like any other state.
 *
 * While the game is over its inputs mean nothing to it, so the wrapper reads them as votes: a
 * player whose input is {@link REMATCH_INPUT} wants a rematch. On the first frame both have voted,
 * the wrapper loads the next match's first state (from `createGame`, which must be deterministic
 * for a setup) and play goes on. Frames never restart, so checksums, stats and the input log run
 * on through every match of a pairing.
 *
 * @module
 */

import { type AdvanceInfo, checksumWords, type FrameInputs, type RollbackGame } from "../game.ts";
import { deriveSeed } from "../prng.ts";

/** The input byte that means "rematch" while the match is over. */
export const REMATCH_INPUT = 0xff;

/** Everything a game needs to start a match; the same on both peers. */
export interface MatchSetup {
  /** The match's random seed: the same on both sides, new for every rematch. */
  seed: number;
  /** Which player this side controls (the renderer's point of view; the simulation is shared). */
  localPlayer: 0 | 1;
  /** Both players' names, by player index. */
  names: readonly [string, string];
  /** 0 for the pairing's first match, then one more per rematch. */
  match: number;
  /** Each side's intro options (`MatchOptions.options`), by player index. */
  options: readonly [unknown, unknown];
}

/** Builds a game for a setup: deterministic (same setup, same first state) and free of I/O. */
export type CreateGame<G> = (setup: MatchSetup) => G;

/** What {@link createMatchGame} needs. */
export interface MatchGameOptions<G extends RollbackGame> {
  createGame: CreateGame<G>;
  /** The setup of match 0; later matches differ only in `match` and `seed`. */
  setup: MatchSetup;
  /** True once the match is over (checked after every tick). Absent: a match never ends. */
  isOver?: (game: G) => boolean;
}

/** A snapshot of the wrapped game. */
export interface MatchGameSnapshot {
  /** [match, overFrame, votes, startFrame, frame, neutral] */
  meta: Int32Array;
  inner: unknown;
}

/** The wrapped game: a {@link RollbackGame} plus what the runner reads of the pairing's state. */
export interface MatchGame<G extends RollbackGame> extends RollbackGame<MatchGameSnapshot> {
  /** The player's game (the same object for every match of the pairing). */
  readonly game: G;
  /** The current match number (0-based). */
  readonly match: number;
  /** The setup of the current match. */
  readonly setup: MatchSetup;
  /** Frames advanced so far (the session's frame after the newest tick). */
  readonly frame: number;
  /** The frame on which the current match ended, or -1 while it runs. */
  readonly overFrame: number;
  /** The frame on which the current match began (0 for the first). */
  readonly startFrame: number;
}

const MATCH = 0, OVER = 1, VOTES = 2, START = 3, FRAME = 4, NEUTRAL = 5;

/** The setup of match `n` of a pairing whose first match has setup `first`. */
export function setupFor(first: MatchSetup, match: number): MatchSetup {
  return match === 0 ? first : { ...first, match, seed: deriveSeed(first.seed, match) | 0 };
}

/** Wraps a game for a pairing. */
export function createMatchGame<G extends RollbackGame>(
  opts: MatchGameOptions<G>,
): MatchGame<G> {
  const game = opts.createGame(opts.setup);
  const meta = new Int32Array([0, -1, 0, 0, 0, 0]);
  // The first state of each match, made once: a rollback across a restart loads it again.
  const firstStates = new Map<number, unknown>([[0, game.save()]]);
  let setup = opts.setup;
  const innerSaveInto = game.saveInto?.bind(game);

  function firstState(match: number): unknown {
    let s = firstStates.get(match);
    if (s === undefined) {
      s = opts.createGame(setupFor(opts.setup, match)).save();
      firstStates.set(match, s);
      // Keep the current match and the one before (a rollback reaches back a few frames only).
      for (const k of firstStates.keys()) if (k < match - 1) firstStates.delete(k);
    }
    return s;
  }

  function syncSetup(): void {
    if (setup.match !== meta[MATCH]) setup = setupFor(opts.setup, meta[MATCH]);
  }

  return {
    game,
    get match() {
      return meta[MATCH];
    },
    get setup() {
      return setup;
    },
    get frame() {
      return meta[FRAME];
    },
    get overFrame() {
      return meta[OVER];
    },
    get startFrame() {
      return meta[START];
    },
    advance(inputs: FrameInputs, info?: AdvanceInfo) {
      meta[FRAME]++;
      if (meta[OVER] < 0) {
        game.advance(inputs, info);
        if (opts.isOver?.(game)) meta[OVER] = meta[FRAME];
        return;
      }
      // A vote counts only after that player sent a neutral input since the end: inputs sent
      // during play (input delay) may be 0xff, a legal game input, and must not vote.
      for (let p = 0; p < 2; p++) {
        const bit = 1 << p;
        if (inputs[p] !== REMATCH_INPUT) meta[NEUTRAL] |= bit;
        else if (meta[NEUTRAL] & bit) meta[VOTES] |= bit;
      }
      if (meta[VOTES] === 3) {
        meta[MATCH]++;
        meta[OVER] = -1;
        meta[VOTES] = 0;
        meta[NEUTRAL] = 0;
        meta[START] = meta[FRAME];
        game.load(firstState(meta[MATCH]));
        syncSetup();
      }
    },
    save: () => ({ meta: meta.slice(), inner: game.save() }),
    // Refills both halves of an old snapshot; the inner one through the game's own saveInto when
    // it has one, else a fresh save() (the wrapper's object and meta words are still reused).
    saveInto(target) {
      target.meta.set(meta);
      target.inner = innerSaveInto ? innerSaveInto(target.inner) : game.save();
      return target;
    },
    load(snapshot) {
      meta.set(snapshot.meta);
      game.load(snapshot.inner);
      syncSetup();
    },
    checksum: () => checksumWords(meta, game.checksum()),
    serialize: game.serialize
      ? (s) => {
        const inner = game.serialize!(s.inner);
        const out = new Uint8Array(inner.length + meta.byteLength);
        out.set(new Uint8Array(s.meta.buffer.slice(0)), 0);
        out.set(inner, meta.byteLength);
        return out;
      }
      : undefined,
    predictInput: game.predictInput?.bind(game),
  };
}
