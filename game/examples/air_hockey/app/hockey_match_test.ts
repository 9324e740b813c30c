import assert from "node:assert/strict";
import {
  createInputTransport,
  createManualClock,
  createMatchRunner,
  type ManualClock,
  type MatchRunner,
  TICK_MS,
} from "duet-netcode";
import {
  createReliablePair,
  createSimulatedPair,
  NO_IMPAIRMENT,
  type SimOptions,
} from "duet-netcode/testing";
import { createBot } from "./bot.ts";
import {
  createHockeyMatch,
  GAME_ID,
  GAME_VERSION,
  hockeyConfig,
  hockeyIsOver,
} from "./hockey_match.ts";
import { BOT_RULES, type Hockey, HUMAN_RULES } from "../sim/hockey.ts";

/** Two runners joined by simulated channels, each playing a bot. */
function pair(sim: SimOptions, clock: ManualClock) {
  const [inA, inB] = createSimulatedPair(sim, clock);
  const [ctlA, ctlB] = createReliablePair(clock, sim.delayMs);
  const runners = [0, 1].map((p) => {
    const bot = createBot(p + 1);
    return createMatchRunner<Hockey>({
      localPlayer: p as 0 | 1,
      session: "hockey-session",
      me: { name: `bot${p}`, game: GAME_ID, version: GAME_VERSION, options: { bot: true } },
      createGame: createHockeyMatch,
      readInput: (game, player) => bot.input(game.view(), player),
      isOver: hockeyIsOver,
      clock,
    });
  }) as [MatchRunner<Hockey>, MatchRunner<Hockey>];
  runners[0].connect(createInputTransport({ input: inA, control: ctlA, clock }));
  runners[1].connect(createInputTransport({ input: inB, control: ctlB, clock }));
  return runners;
}

function play(clock: ManualClock, runners: MatchRunner<Hockey>[], ms: number) {
  for (let i = 0; i < Math.round(ms / TICK_MS); i++) {
    clock.advance(TICK_MS);
    runners[0].update(TICK_MS);
    runners[1].update(i % 97 === 0 ? TICK_MS * 2 : TICK_MS);
  }
}

Deno.test("bots play hockey under loss through the package's runner with identical confirmed frames", () => {
  const clock = createManualClock();
  const runners = pair({ ...NO_IMPAIRMENT, loss: 0.1, delayMs: 30, jitterMs: 10, seed: 5 }, clock);
  play(clock, runners, 20_000);
  const last = Math.min(...runners.map((r) => r.stats().confirmedFrame));
  assert.ok(last > 1000, `confirmed ${last}`);
  for (let f = 0; f <= last; f += 11) assert.equal(runners[0].checksum(f), runners[1].checksum(f));
  assert.ok(runners[0].game!.view().hits > 5, "the bots played");
  assert.equal(runners[0].stats().desyncs, 0);
});

Deno.test("bot matches run on the clock and end; people play to seven", () => {
  const setup = { seed: 1, localPlayer: 0 as const, names: ["a", "b"] as const, match: 0 };
  assert.equal(
    hockeyConfig({ ...setup, options: [{ bot: true }, null] }).pointsToWin,
    BOT_RULES.pointsToWin,
  );
  assert.equal(
    hockeyConfig({ ...setup, options: [{ bot: false }, {}] }).pointsToWin,
    HUMAN_RULES.pointsToWin,
  );
  const clock = createManualClock();
  const runners = pair({ ...NO_IMPAIRMENT, delayMs: 5 }, clock);
  // The clock stops for the countdown and after goals: allow twice the playing time.
  play(clock, runners, (BOT_RULES.timeLimitTicks / 60) * 2000);
  for (const r of runners) assert.equal(r.phase, "ended");
});
