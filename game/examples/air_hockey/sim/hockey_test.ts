import assert from "node:assert/strict";
import {
  BOT_RULES,
  checksumState,
  createHockey,
  END_GRACE_TICKS,
  type Hockey,
  HUMAN_RULES,
  isEnded,
  readView,
  RINK_H,
  RINK_W,
  START_COUNTDOWN_TICKS,
  STATE_WORDS,
  withPuck,
} from "./hockey.ts";
import { BACK, DASH, DOWN, FORWARD, REMATCH, UP } from "./input_bits.ts";
import { createRng } from "./prng.ts";
import { runSyncTest } from "duet-netcode/testing";

/** A stream of plausible inputs: held directions that change now and then, occasional dashes. */
function inputScript(seed: number, frames: number): [number, number][] {
  const rng = createRng(seed);
  const held = [0, 0];
  const out: [number, number][] = [];
  for (let f = 0; f < frames; f++) {
    for (const p of [0, 1]) {
      if (rng.chance(1, 12)) {
        held[p] = [0, UP, DOWN, BACK, FORWARD, UP | FORWARD, DOWN | FORWARD][rng.int(7)];
      }
    }
    const dash = (p: number) => (rng.chance(1, 40) ? DASH : 0) | held[p];
    out.push([dash(0), dash(1)]);
  }
  return out;
}

function run(game: Hockey, inputs: [number, number][]): number[] {
  return inputs.map((i) => {
    game.advance(i);
    return game.checksum();
  });
}

Deno.test("determinism: two instances fed the same inputs agree on every frame", () => {
  const inputs = inputScript(99, 3000);
  const a = run(createHockey({ ...HUMAN_RULES, seed: 5 }), inputs);
  const b = run(createHockey({ ...HUMAN_RULES, seed: 5 }), inputs);
  assert.deepEqual(a, b);
  // Not a constant: the state really moves.
  assert.ok(new Set(a).size > 2900);
});

Deno.test("determinism survives save/load: replaying from a snapshot reproduces the same frames", () => {
  const inputs = inputScript(3, 1200);
  const game = createHockey({ ...HUMAN_RULES, seed: 11 });
  const expected = run(createHockey({ ...HUMAN_RULES, seed: 11 }), inputs);
  const snapshots: Int32Array[] = [];
  const got: number[] = [];
  for (let f = 0; f < inputs.length; f++) {
    snapshots.push(game.save());
    game.advance(inputs[f]);
    got.push(game.checksum());
    // Roll back 7 frames every 10 frames and re-simulate, like a session fixing a misprediction.
    if (f % 10 === 9) {
      game.load(snapshots[f - 7]);
      for (let g = f - 7; g <= f; g++) game.advance(inputs[g]);
      assert.equal(game.checksum(), got[f], `frame ${f} after re-simulation`);
    }
  }
  assert.deepEqual(got, expected);
});

Deno.test("a different seed or different inputs give a different match", () => {
  const inputs = inputScript(1, 600);
  const a = run(createHockey({ ...HUMAN_RULES, seed: 1 }), inputs);
  const b = run(createHockey({ ...HUMAN_RULES, seed: 2 }), inputs);
  const c = run(createHockey({ ...HUMAN_RULES, seed: 1 }), inputScript(2, 600));
  assert.notEqual(a.at(-1), b.at(-1));
  assert.notEqual(a.at(-1), c.at(-1));
});

Deno.test("save does not alias live state and load rejects garbage", () => {
  const game = createHockey({ ...HUMAN_RULES, seed: 1 });
  const snap = game.save();
  const before = checksumState(snap);
  for (let i = 0; i < 300; i++) game.advance([FORWARD, BACK]);
  assert.equal(checksumState(snap), before);
  assert.notEqual(game.checksum(), before);
  game.load(snap);
  assert.equal(game.checksum(), before);
  assert.throws(() => game.load(new Int32Array(3)), /Int32Array of 36 words/);
  assert.throws(() => game.load([1, 2] as unknown as Int32Array), /Int32Array/);
  assert.equal(snap.length, STATE_WORDS);
});

Deno.test("saveInto refills an old snapshot with what save() gives, without aliasing live state", () => {
  const game = createHockey({ ...HUMAN_RULES, seed: 1 });
  const old = game.save();
  for (let i = 0; i < 200; i++) game.advance([FORWARD | UP, BACK]);
  const refilled = game.saveInto!(old);
  assert.equal(refilled, old, "the target itself");
  assert.deepEqual(refilled, game.save());
  const sum = game.checksum();
  for (let i = 0; i < 50; i++) game.advance([BACK, FORWARD]);
  assert.equal(checksumState(refilled), sum, "not a view of the live state");
  game.load(refilled);
  assert.equal(game.checksum(), sum);
  // A target that cannot hold the state gets a fresh copy instead.
  const short = new Int32Array(3);
  const got = game.saveInto!(short);
  assert.notEqual(got, short);
  assert.deepEqual(got, game.save());
});

Deno.test("bad configs are refused with a clear message", () => {
  assert.throws(() => createHockey({ pointsToWin: -1, timeLimitTicks: 0, seed: 1 }), /pointsToWin/);
  assert.throws(
    () => createHockey({ pointsToWin: 0, timeLimitTicks: 0, seed: 1 }),
    /point limit or a time limit/,
  );
  assert.throws(
    () => createHockey({ pointsToWin: 3, timeLimitTicks: 1.5, seed: 1 }),
    /timeLimitTicks/,
  );
});

Deno.test("countdown: the puck holds still, then play starts", () => {
  const game = createHockey({ ...HUMAN_RULES, seed: 1 });
  const v0 = game.view();
  assert.equal(v0.phase, "countdown");
  assert.equal(v0.score.join(), "0,0");
  for (let i = 0; i < START_COUNTDOWN_TICKS - 1; i++) game.advance([0, 0]);
  assert.equal(game.view().phase, "countdown");
  assert.deepEqual(game.view().puck, v0.puck);
  game.advance([0, 0]);
  assert.equal(game.view().phase, "playing");
});

Deno.test("mallets have momentum, stay in their own half, and forward means toward the opponent", () => {
  const game = createHockey({ ...HUMAN_RULES, seed: 1 });
  const start = game.view().mallets;
  game.advance([FORWARD, FORWARD]);
  const one = game.view().mallets;
  assert.ok(one[0].x > start[0].x && one[1].x < start[1].x);
  for (let i = 0; i < 10; i++) game.advance([FORWARD, FORWARD]);
  const fast = game.view().mallets[0].vx;
  assert.ok(fast > one[0].vx, "speeds up while held");
  game.advance([0, 0]);
  const coasting = game.view().mallets[0];
  assert.ok(coasting.vx > 0 && coasting.vx < fast, "keeps moving, slower, after release");
  for (let i = 0; i < 400; i++) game.advance([FORWARD | DOWN, FORWARD | UP]);
  const [m0, m1] = game.view().mallets;
  assert.ok(m0.x <= RINK_W / 2 - 30 && m1.x >= RINK_W / 2 + 30);
  assert.ok(m0.y <= RINK_H - 30 && m1.y >= 30);
});

Deno.test("dash: a burst on the press, then a cooldown", () => {
  const game = createHockey({ ...HUMAN_RULES, seed: 1 });
  game.advance([DASH, 0]);
  const m = game.view().mallets[0];
  assert.ok(m.vx > 5, `dash speed ${m.vx}`);
  assert.ok(m.dashing && m.dashCooldown > 0);
  for (let i = 0; i < 5; i++) game.advance([DASH, 0]); // held, not re-pressed
  game.advance([0, 0]);
  game.advance([DASH, 0]); // pressed again during the cooldown: nothing
  assert.ok(game.view().mallets[0].vx < m.vx);
});

/** Sends the puck at a goal from close range and plays until it goes in. */
function shoot(game: Hockey, at: "right" | "left"): void {
  const x = at === "right" ? RINK_W - 60 : 60;
  game.load(withPuck(game.save(), { x, y: RINK_H / 2, vx: at === "right" ? 12 : -12, vy: 0 }));
  for (let i = 0; i < 60 && game.view().phase === "playing"; i++) game.advance([UP, UP]);
}

Deno.test("a goal scores, celebrates, then the conceding side serves after a countdown", () => {
  const game = createHockey({ ...HUMAN_RULES, seed: 4 });
  for (let i = 0; i < 40; i++) game.advance([UP, UP]); // mallets away from the goal mouths
  shoot(game, "right");
  const v = game.view();
  assert.equal(v.phase, "scored");
  assert.deepEqual(v.score, [1, 0]);
  assert.equal(v.lastScorer, 0);
  while (game.view().phase === "scored") game.advance([0, 0]);
  const after = game.view();
  assert.equal(after.phase, "countdown");
  assert.equal(after.server, 1);
  assert.ok(after.puck.x > RINK_W / 2, "puck on the conceding player's side");
});

Deno.test("a shot outside the goal mouth bounces off the end wall; posts deflect", () => {
  const game = createHockey({ ...HUMAN_RULES, seed: 4 });
  for (let i = 0; i < 40; i++) game.advance([DOWN, DOWN]);
  game.load(withPuck(game.save(), { x: RINK_W - 60, y: 40, vx: 12, vy: 0 }));
  const bounces = game.view().bounces;
  for (let i = 0; i < 10; i++) game.advance([0, 0]);
  assert.equal(game.view().phase, "playing");
  assert.ok(game.view().puck.vx < 0, "came back");
  assert.ok(game.view().bounces > bounces);
  // Straight at the top post: deflected, no goal.
  game.load(withPuck(game.save(), { x: RINK_W - 60, y: (RINK_H - 150) / 2, vx: 12, vy: 0 }));
  for (let i = 0; i < 10; i++) game.advance([0, 0]);
  assert.equal(game.view().phase, "playing");
  assert.deepEqual(game.view().score, [0, 0]);
});

Deno.test("mallet hits send the puck away with the mallet's momentum", () => {
  const game = createHockey({ ...HUMAN_RULES, seed: 4 });
  game.load(withPuck(game.save(), { x: 200, y: RINK_H / 2, vx: 0, vy: 0 }));
  for (let i = 0; i < 30 && game.view().hits === 0; i++) game.advance([FORWARD, 0]);
  const v = game.view();
  assert.ok(v.hits > 0);
  assert.ok(v.puck.vx > v.mallets[0].vx, `puck ${v.puck.vx} faster than mallet ${v.mallets[0].vx}`);
});

Deno.test("the countdown holds the puck: a mallet bumps into it without moving it", () => {
  const game = createHockey({ ...HUMAN_RULES, seed: 4 });
  const puck = game.view().puck;
  for (let i = 0; i < 120; i++) {
    const v = game.view();
    const m = v.mallets[v.server];
    const toward = (v.server === 0 ? m.x < v.puck.x : m.x > v.puck.x) ? FORWARD : BACK;
    game.advance(
      v.server === 0
        ? [toward | (m.y < v.puck.y ? DOWN : UP), 0]
        : [0, toward | (m.y < v.puck.y ? DOWN : UP)],
    );
  }
  assert.deepEqual(game.view().puck, puck);
  assert.equal(game.view().phase, "countdown");
});

Deno.test("first to pointsToWin ends the match; both holding REMATCH starts the next one", () => {
  const game = createHockey({ pointsToWin: 2, timeLimitTicks: 0, seed: 4 });
  for (let i = 0; i < 40; i++) game.advance([UP, UP]);
  for (let goals = 0; goals < 2; goals++) {
    shoot(game, "right");
    while (game.view().phase === "scored") game.advance([0, 0]);
  }
  const v = game.view();
  assert.equal(v.phase, "ended");
  assert.equal(v.winner, 0);
  for (let i = 0; i < END_GRACE_TICKS + 30; i++) game.advance([REMATCH, 0]);
  assert.equal(game.view().phase, "ended", "one player alone cannot restart");
  assert.deepEqual(game.view().rematchReady, [true, false]);
  game.advance([0, REMATCH]);
  const next = game.view();
  assert.equal(next.phase, "countdown");
  assert.equal(next.match, 2);
  assert.deepEqual(next.score, [0, 0]);
});

Deno.test("REMATCH held through the end is ignored during the grace period", () => {
  const game = createHockey({ pointsToWin: 1, timeLimitTicks: 0, seed: 4 });
  for (let i = 0; i < 40; i++) game.advance([UP, UP]);
  shoot(game, "left");
  assert.equal(game.view().winner, 1);
  game.advance([REMATCH, REMATCH]);
  assert.equal(game.view().phase, "ended");
  assert.deepEqual(game.view().rematchReady, [false, false]);
});

Deno.test("the clock decides: the leader wins at the time limit, a tie goes to a golden goal", () => {
  const game = createHockey({ pointsToWin: 0, timeLimitTicks: 120, seed: 1 });
  for (let i = 0; i < START_COUNTDOWN_TICKS + 200; i++) game.advance([UP, UP]);
  assert.equal(game.view().phase, "playing");
  assert.ok(game.view().overtime);
  shoot(game, "left");
  assert.equal(game.view().phase, "ended");
  assert.equal(game.view().winner, 1);

  const lead = createHockey({ pointsToWin: 0, timeLimitTicks: 400, seed: 1 });
  for (let i = 0; i < START_COUNTDOWN_TICKS + 10; i++) lead.advance([UP, UP]);
  shoot(lead, "right");
  while (lead.view().phase !== "ended") lead.advance([UP, UP]);
  assert.equal(lead.view().winner, 0);
  assert.equal(lead.view().overtime, false);
  assert.deepEqual(lead.view().score, [1, 0]);
});

Deno.test("bot rules keep a match going for at least a minute whatever happens", () => {
  const game = createHockey({ ...BOT_RULES, seed: 9 });
  const inputs = inputScript(5, 60 * 60);
  for (const i of inputs) game.advance(i);
  assert.notEqual(game.view().phase, "ended");
});

Deno.test("readView reads saved snapshots too", () => {
  const game = createHockey({ ...HUMAN_RULES, seed: 1 });
  for (let i = 0; i < 5; i++) game.advance([FORWARD, 0]);
  assert.deepEqual(readView(game.save()), game.view());
  assert.equal(game.view().tick, 5);
});

Deno.test("sync test: rolling back 7 frames every tick re-simulates identically for 2 minutes", () => {
  const inputs = inputScript(21, 120 * 60);
  const game = createHockey({ ...HUMAN_RULES, seed: 8 });
  const result = runSyncTest({ game, frames: inputs.length, input: (f, p) => inputs[f][p] });
  assert.deepEqual(result, { ok: true, frames: inputs.length });
  const v = game.view();
  assert.ok(v.hits > 0 && v.bounces > 0, "the run exercised collisions");
});

Deno.test("sync test catches a game that keeps state outside its snapshot", () => {
  const inner = createHockey({ ...HUMAN_RULES, seed: 8 });
  let hidden = 0; // not saved: a rollback cannot restore it
  const leaky = {
    ...inner,
    advance(i: readonly [number, number]) {
      hidden++;
      inner.advance([i[0] | (hidden % 50 === 0 ? FORWARD : 0), i[1]]);
    },
  };
  const result = runSyncTest({ game: leaky, frames: 600, input: () => 0 });
  assert.equal(result.ok, false);
});

Deno.test("serialize gives the snapshot's bytes", () => {
  const game = createHockey({ ...HUMAN_RULES, seed: 8 });
  const snap = game.save();
  const bytes = game.serialize!(snap);
  assert.equal(bytes.length, STATE_WORDS * 4);
  assert.deepEqual(new Int32Array(bytes.buffer), snap);
});

Deno.test("isEnded says what the view's phase says, frame by frame, through the end", () => {
  // A short clock; a tie goes to overtime, so play on until a goal ends it.
  const game = createHockey({ pointsToWin: 0, timeLimitTicks: 120, seed: 3 });
  const inputs = inputScript(5, 100_000);
  let ended = 0;
  for (let f = 0; f < inputs.length && ended < 10; f++) {
    game.advance(inputs[f]);
    assert.equal(isEnded(game.state), game.view().phase === "ended", `frame ${f}`);
    if (isEnded(game.state)) ended++;
  }
  assert.equal(ended, 10, "the match never ended");
  assert.ok(!isEnded(createHockey({ ...BOT_RULES, seed: 1 }).state));
});
