/**
 * `duet-netcode/testing`: tools for developing and checking a game on duet. The seeded network
 * simulator (loss, delay, jitter, reordering, duplication), the sync test that rolls back every
 * frame to catch non-determinism, and a tiny deterministic test game. Runs in plain Node and Deno
 * as well as in the browser.
 *
 * @example
 * ```ts
 * import { runSyncTest } from "duet-netcode/testing";
 * const report = runSyncTest({ game: createMyGame(), frames: 600, input: (f, p) => (f * 7 + p) & 15 });
 * if (!report.ok) console.error("first bad frame", report.mismatch.frame);
 * ```
 *
 * @module
 */

export {
  createReliablePair,
  createSimulatedPair,
  formatSimParam,
  NO_IMPAIRMENT,
  parseSimParam,
  type SimOptions,
  type SimStats,
  simulateChannel,
  type SimulatedChannel,
  simulateReliableChannel,
} from "../net/network_sim.ts";
export * from "../net/sessions/sync_test_session.ts";
export { createLocalMatch, type LocalMatch, type LocalMatchOptions } from "./local_match.ts";
export {
  createTestGame,
  scriptedInput,
  type TestGame,
  type TestGameOptions,
} from "../net/test_game.ts";
