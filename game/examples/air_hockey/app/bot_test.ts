import assert from "node:assert/strict";
import { createBot } from "./bot.ts";
import { BOT_RULES, createHockey, HUMAN_RULES, TICK_HZ } from "../sim/hockey.ts";
import { DASH, REMATCH } from "../sim/input_bits.ts";

function botMatch(seed0: number, seed1: number, ticks: number, rules = BOT_RULES) {
  const game = createHockey({ ...rules, seed: seed0 * 7 + seed1 });
  const bots = [createBot(seed0), createBot(seed1)];
  const inputs: number[] = [];
  let endedAt = -1;
  for (let f = 0; f < ticks; f++) {
    const v = game.view();
    if (v.phase === "ended" && endedAt < 0) endedAt = f;
    const i: [number, number] = [bots[0].input(v, 0), bots[1].input(v, 1)];
    inputs.push(i[0], i[1]);
    game.advance(i);
  }
  return { view: game.view(), inputs, endedAt, checksum: game.checksum() };
}

Deno.test("the same seeds play the same match; other seeds play another", () => {
  const a = botMatch(1, 2, 1800), b = botMatch(1, 2, 1800), c = botMatch(1, 3, 1800);
  assert.deepEqual(a.inputs, b.inputs);
  assert.equal(a.checksum, b.checksum);
  assert.notDeepEqual(a.inputs, c.inputs);
});

Deno.test("a bot-vs-bot match lasts at least a minute and actually plays", () => {
  const { view, endedAt, inputs } = botMatch(1, 2, 65 * TICK_HZ);
  assert.equal(endedAt, -1, "still going after 65 s");
  assert.ok(view.hits >= 20, `the bots hit the puck (${view.hits} hits)`);
  assert.ok(inputs.some((i) => (i & DASH) !== 0), "they dash sometimes");
  assert.ok(new Set(inputs).size >= 6, "varied input");
});

Deno.test("across seeds, bots score goals under human rules and never press REMATCH", () => {
  let goals = 0;
  for (let s = 1; s <= 4; s++) {
    const { view, inputs } = botMatch(s, s + 10, 90 * TICK_HZ, HUMAN_RULES);
    goals += view.score[0] + view.score[1];
    assert.ok(inputs.every((i) => (i & REMATCH) === 0));
  }
  assert.ok(goals >= 3, `${goals} goals in 6 minutes of bot play`);
});

Deno.test("a bot rejects a non-integer seed", () => {
  assert.throws(() => createBot(Number.NaN), /integer/);
});
