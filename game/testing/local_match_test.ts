import assert from "node:assert/strict";
import { createManualClock } from "../net/clock.ts";
import { TICK_MS } from "../net/match/match_runner.ts";
import { createTestGame, scriptedInput, type TestGame } from "../net/test_game.ts";
import { createLocalMatch } from "./local_match.ts";

function run(
  local: { update(dt: number): number },
  clock: { advance(ms: number): void },
  ms: number,
) {
  for (let t = 0; t < ms; t += TICK_MS) {
    clock.advance(TICK_MS);
    local.update(TICK_MS);
  }
}

Deno.test("a local match plays both sides in one process, through loss, to the end and a rematch", () => {
  const clock = createManualClock();
  const local = createLocalMatch<TestGame>({
    createGame: (setup) => createTestGame({ seed: setup.seed }),
    readInput: (game, player) => scriptedInput(3, player, game.state[0]),
    isOver: (game) => game.state[0] >= 600,
    sim: { loss: 0.1, delayMs: 30, seed: 9 },
    clock,
  });
  const [a, b] = local.runners;
  run(local, clock, 3000);
  assert.equal(a.phase, "playing");
  assert.deepEqual(a.setup?.names, ["Player 1", "Player 2"]);
  run(local, clock, 10_000);
  assert.equal(a.phase, "ended");
  assert.equal(b.phase, "ended");
  const confirmed = Math.min(a.stats().confirmedFrame, b.stats().confirmedFrame);
  for (let f = 0; f <= confirmed; f += 13) assert.equal(a.checksum(f), b.checksum(f));
  assert.ok(a.stats().rollbacks > 0);
  local.rematch();
  run(local, clock, 1000);
  assert.equal(a.setup?.match, 1);
  assert.equal(a.phase, "playing");
  local.leave();
  run(local, clock, 200);
  assert.equal(a.phase, "left");
  assert.equal(b.phase, "closed");
});
