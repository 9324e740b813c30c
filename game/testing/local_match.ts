/**
 * Both players of a match in one process (NetplayJS's LocalWrapper, with the real netcode): two
 * match runners joined by the seeded network simulator instead of WebRTC, so a game can be played
 * and debugged in one page (two sets of keys), or run headless in a test, with the same input
 * delay, prediction, rollback, time sync and rematch as over the network, and with any loss and
 * delay the simulator can make.
 *
 * @module
 */

import { type Clock, realClock } from "../net/clock.ts";
import type { RollbackGame } from "../net/game.ts";
import { createInputTransport } from "../net/input_transport.ts";
import type { CreateGame } from "../net/match/match_game.ts";
import { createMatchRunner, type MatchRunner } from "../net/match/match_runner.ts";
import {
  createReliablePair,
  createSimulatedPair,
  NO_IMPAIRMENT,
  type SimOptions,
} from "../net/network_sim.ts";

/** Options of {@link createLocalMatch}. */
export interface LocalMatchOptions<G extends RollbackGame> {
  createGame: CreateGame<G>;
  /** Each player's input for the next tick (player 0 and player 1 both live here). */
  readInput: (game: G, player: 0 | 1) => number;
  isOver?: (game: G) => boolean;
  /** Names of the two players (default "Player 1", "Player 2"). */
  names?: readonly [string, string];
  /** Each player's options, as a networked side would send them. */
  options?: readonly [unknown, unknown];
  /** The simulated link between the two (default: a clean link). */
  sim?: Partial<SimOptions>;
  inputDelay?: number;
  /** Seed source: the lobby session id both sides would share (default "local"). */
  session?: string;
  clock?: Clock;
}

/** Two runners playing each other in this process. */
export interface LocalMatch<G extends RollbackGame> {
  /** Player 0's and player 1's runner. */
  readonly runners: readonly [MatchRunner<G>, MatchRunner<G>];
  /** Runs both sides for `dtMs` of time; returns the ticks player 0 ran. */
  update(dtMs: number): number;
  /** Both sides ask for a rematch. */
  rematch(): void;
  /** Player 0 leaves (player 1 sees it). */
  leave(): void;
}

/**
 * Creates a local match; drive it with `update(dt)` from a loop of your own (a test's manual
 * clock, or `requestAnimationFrame` in a page), and render `runners[0].game`.
 *
 * @example
 * ```ts
 * import { createLocalMatch } from "duet-netcode/testing";
 * const local = createLocalMatch({ createGame, readInput: (game, p) => keysOf(p) });
 * let last = performance.now();
 * requestAnimationFrame(function frame(now) {
 *   local.update(now - last);
 *   last = now;
 *   draw(local.runners[0].game, local.runners[0].alpha);
 *   requestAnimationFrame(frame);
 * });
 * ```
 */
export function createLocalMatch<G extends RollbackGame>(
  opts: LocalMatchOptions<G>,
): LocalMatch<G> {
  const clock = opts.clock ?? realClock;
  const sim: SimOptions = { ...NO_IMPAIRMENT, ...opts.sim };
  const [in0, in1] = createSimulatedPair(sim, clock);
  const [ctl0, ctl1] = createReliablePair(clock, sim.delayMs);
  const names = opts.names ?? ["Player 1", "Player 2"];
  const runners = ([0, 1] as const).map((p) =>
    createMatchRunner<G>({
      localPlayer: p,
      session: opts.session ?? "local",
      me: { name: names[p], game: "local", version: "local", options: opts.options?.[p] },
      createGame: opts.createGame,
      readInput: opts.readInput,
      isOver: opts.isOver,
      inputDelay: opts.inputDelay,
      clock,
    })
  ) as [MatchRunner<G>, MatchRunner<G>];
  runners[0].connect(createInputTransport({ input: in0, control: ctl0, clock }));
  runners[1].connect(createInputTransport({ input: in1, control: ctl1, clock }));
  return {
    runners,
    update(dtMs) {
      const ran = runners[0].update(dtMs);
      runners[1].update(dtMs);
      return ran;
    },
    rematch() {
      runners[0].rematch();
      runners[1].rematch();
    },
    leave: () => runners[0].leave(),
  };
}
