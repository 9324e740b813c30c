/**
 * A spectator's view of a match: the confirmed-input stream of the players, from the first frame,
 * played through the same wrapped game they run (match_game.ts), so every frame and checksum is
 * theirs. Pure and driven by `update(dtMs)`: a spectator who joins late fast-forwards to the live
 * edge, then runs a little behind it (a few frames, so network jitter never empties its buffer),
 * speeding up gently when it falls behind and waiting when the stream pauses.
 *
 * The stream is confirmed inputs only: a spectator never predicts, never rolls back, and cannot
 * disturb the players.
 *
 * @module
 */

import type { RollbackGame } from "../game.ts";
import {
  type CreateGame,
  createMatchGame,
  type MatchGame,
  type MatchSetup,
} from "../match/match_game.ts";
import { TICK_MS } from "../match/match_runner.ts";
import type { ReplayHeader } from "../replay/replay_recorder.ts";

/** Frames kept between the spectator and the live edge once caught up. */
export const SPECTATOR_LAG_FRAMES = 8;
/** Behind by more than this: fast-forward (no interpolation, many frames per update). */
export const FAST_FORWARD_AFTER_FRAMES = 180;
/** Most frames one update simulates while fast-forwarding. */
const MAX_FAST_FORWARD_FRAMES = 600;
/** Most frames in a spectated stream (the lobby's limit is lower). */
export const MAX_SPECTATED_FRAMES = 24 * 60 * 60 * 60;

/** Options of {@link createSpectatorSession}. */
export interface SpectatorOptions<G extends RollbackGame> {
  header: ReplayHeader;
  createGame: CreateGame<G>;
  isOver?: (game: G) => boolean;
  /** Whose point of view the renderer takes (default 0). */
  localPlayer?: 0 | 1;
}

/** A spectated match. */
export interface SpectatorSession<G extends RollbackGame> {
  /** Frames simulated so far. */
  readonly frame: number;
  /** Frames received so far (the live edge). */
  readonly received: number;
  readonly game: G;
  readonly setup: MatchSetup;
  readonly previous: unknown;
  readonly alpha: number;
  /** True while catching up from far behind. */
  readonly fastForwarding: boolean;
  /** Set once the stream ended (the match is over or the room closed). */
  readonly ended: string | null;
  /** Stream chunks refused (gaps, overlaps that disagree, junk). */
  readonly rejected: number;
  /**
   * Appends confirmed inputs for frames `from`, `from + 1`, … (`inputs[2i]` player 0's,
   * `inputs[2i+1]` player 1's). A chunk that overlaps what is known must agree with it; one that
   * leaves a gap is refused. Returns whether it was taken.
   */
  push(from: number, inputs: Uint8Array): boolean;
  /** The stream is over (the players' match ended, or the room closed). */
  end(reason: string): void;
  /** Plays `dtMs` of time; returns frames simulated. */
  update(dtMs: number): number;
  /** Checksum of the state after a simulated frame (as the players' `checksum`), else undefined. */
  checksum(frame: number): number | undefined;
}

/** Creates a spectator session at frame 0 with nothing received. */
export function createSpectatorSession<G extends RollbackGame>(
  opts: SpectatorOptions<G>,
): SpectatorSession<G> {
  const setup: MatchSetup = {
    seed: opts.header.seed,
    localPlayer: opts.localPlayer ?? 0,
    names: opts.header.names,
    match: 0,
    options: opts.header.options,
  };
  const game: MatchGame<G> = createMatchGame({
    createGame: opts.createGame,
    setup,
    isOver: opts.isOver,
  });
  let inputs = new Uint8Array(2 * 3600);
  let sums = new Uint32Array(3600);
  let received = 0;
  let frame = 0;
  let acc = 0;
  let previous: unknown = null;
  let fastForwarding = false;
  let ended: string | null = null;
  let rejected = 0;
  const pair: [number, number] = [0, 0];

  function grow(frames: number): void {
    if (frames * 2 <= inputs.length) return;
    let size = inputs.length;
    while (size < frames * 2) size *= 2;
    const next = new Uint8Array(size);
    next.set(inputs);
    inputs = next;
    const nextSums = new Uint32Array(size / 2);
    nextSums.set(sums);
    sums = nextSums;
  }

  function step(): void {
    pair[0] = inputs[2 * frame];
    pair[1] = inputs[2 * frame + 1];
    game.advance(pair);
    sums[frame] = game.checksum();
    frame++;
  }

  return {
    get frame() {
      return frame;
    },
    get received() {
      return received;
    },
    get game() {
      return game.game;
    },
    get setup() {
      return game.setup;
    },
    get previous() {
      return previous;
    },
    get alpha() {
      return fastForwarding ? 1 : Math.min(1, acc / TICK_MS);
    },
    get fastForwarding() {
      return fastForwarding;
    },
    get ended() {
      return ended;
    },
    get rejected() {
      return rejected;
    },
    push(from, chunk) {
      const n = chunk instanceof Uint8Array ? chunk.length / 2 : NaN;
      if (
        ended !== null || !Number.isInteger(from) || from < 0 || !Number.isInteger(n) ||
        from > received || from + n > MAX_SPECTATED_FRAMES
      ) {
        rejected++;
        return false;
      }
      // The part already known must agree: a stream that rewrites history is refused whole.
      const overlap = Math.min(received - from, n);
      for (let i = 0; i < overlap * 2; i++) {
        if (inputs[2 * from + i] !== chunk[i]) {
          rejected++;
          return false;
        }
      }
      if (from + n > received) {
        grow(from + n);
        inputs.set(chunk.subarray(overlap * 2), 2 * received);
        received = from + n;
      }
      return true;
    },
    end(reason) {
      if (ended === null) ended = reason.slice(0, 200) || "ended";
    },
    update(dtMs) {
      if (!(dtMs >= 0)) return 0;
      const behind = received - frame;
      if (behind > FAST_FORWARD_AFTER_FRAMES) {
        fastForwarding = true;
        acc = 0;
        previous = null;
        const target = received - SPECTATOR_LAG_FRAMES;
        let ran = 0;
        while (frame < target && ran < MAX_FAST_FORWARD_FRAMES) {
          step();
          ran++;
        }
        return ran;
      }
      fastForwarding = false;
      // Once the stream is over, play out to its end; until then stay a little behind the edge,
      // a gentle speed-up (up to 2x) closing any larger gap.
      const lag = ended !== null ? 0 : SPECTATOR_LAG_FRAMES;
      const speed = 1 + Math.min(1, Math.max(0, behind - lag - 4) / 60);
      acc += dtMs * speed;
      let ran = 0;
      while (acc >= TICK_MS && frame < received - lag) {
        previous = game.game.save();
        step();
        acc -= TICK_MS;
        ran++;
        if (ran >= 8) break;
      }
      // Waiting for the stream: do not bank time to burst through later.
      if (frame >= received - lag) acc = Math.min(acc, TICK_MS);
      else if (acc >= TICK_MS) acc %= TICK_MS;
      return ran;
    },
    checksum: (f) => (Number.isInteger(f) && f >= 0 && f < frame ? sums[f] : undefined),
  };
}
