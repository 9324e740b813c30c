/**
 * A scripted air-hockey player for `?bot=SEED`: it reads what the local player sees and returns an
 * input byte, like a person at a keyboard would. Its choices (attack or defend, aim, reaction lag,
 * dashes) come from a seeded generator, so one seed always plays the same way given the same
 * views. It is pure: no timers, no I/O.
 *
 * @module
 */

import { type HockeyView, MALLET_R, PUCK_R, RINK_H, RINK_W } from "../sim/hockey.ts";
import { BACK, DASH, DOWN, FORWARD, UP } from "../sim/input_bits.ts";
import { createRng } from "../sim/prng.ts";

/** A bot: call `input` once per tick with the current view. */
export interface Bot {
  /** The input byte for this tick, as player `player`. */
  input(view: HockeyView, player: 0 | 1): number;
  /** What the bot is doing now (for debugging overlays and tests). */
  readonly mode: BotMode;
}

/** The bot's current intent. */
export type BotMode = "defend" | "attack" | "wander";

/** Creates a bot from an integer seed. */
export function createBot(seed: number): Bot {
  if (!Number.isInteger(seed)) throw new RangeError(`bot seed must be an integer, got ${seed}`);
  const rng = createRng(seed ^ 0x5eed);
  let mode: BotMode = "defend";
  let modeTicks = 0;
  let aimY = 0; // where on the goal mouth it aims, relative to the centre
  let lag = 0; // ticks left of repeating the previous input (a human's reaction time)
  let last = 0;
  let wanderBits = 0;

  const pickMode = (puckX: number): void => {
    const roll = rng.int(100);
    // Mostly sensible, sometimes not: a bot that never errs would end rallies too fast.
    if (puckX < RINK_W / 2) mode = roll < 70 ? "attack" : roll < 90 ? "defend" : "wander";
    else mode = roll < 75 ? "defend" : roll < 85 ? "attack" : "wander";
    modeTicks = 20 + rng.int(70);
    aimY = rng.int(121) - 60;
    wanderBits = [UP, DOWN, FORWARD, BACK, UP | BACK, DOWN | BACK, 0][rng.int(7)];
  };

  return {
    get mode() {
      return mode;
    },
    input(view, player) {
      // Work in the player's own frame: own goal at x = 0, attacking toward +x.
      const mirror = (x: number) => (player === 0 ? x : RINK_W - x);
      const me = view.mallets[player];
      const mx = mirror(me.x), my = me.y;
      const mvx = player === 0 ? me.vx : -me.vx, mvy = me.vy;
      const px = mirror(view.puck.x), py = view.puck.y;
      const pvx = player === 0 ? view.puck.vx : -view.puck.vx, pvy = view.puck.vy;

      if (view.phase === "ended") return 0;
      if (lag > 0) {
        lag--;
        return last & ~DASH;
      }
      if (--modeTicks <= 0) pickMode(px);
      if (rng.chance(1, 25)) lag = 1 + rng.int(6);

      let tx: number, ty: number;
      let dash = false;
      if (view.phase === "countdown" || view.phase === "scored") {
        tx = 110;
        ty = RINK_H / 2 + aimY;
      } else if (mode === "wander") {
        last = wanderBits;
        return last;
      } else if (mode === "attack" && px < RINK_W / 2 + PUCK_R) {
        // Line up behind the puck on the line to the aim point, then drive through it.
        const gx = RINK_W + 40, gy = RINK_H / 2 + aimY;
        const lead = 4; // aim where the puck will be shortly
        const fx = px + pvx * lead, fy = py + pvy * lead;
        const dx = gx - fx, dy = gy - fy;
        const d = Math.hypot(dx, dy) || 1;
        const back = MALLET_R + PUCK_R + 10;
        const bx = fx - (dx / d) * back, by = fy - (dy / d) * back;
        if (Math.hypot(mx - bx, my - by) < 16 || mx < fx - back * 0.6) {
          tx = fx + (dx / d) * 60;
          ty = fy + (dy / d) * 60;
          dash = Math.hypot(mx - fx, my - fy) < back + 30 && rng.chance(1, 6);
        } else {
          tx = bx;
          ty = by;
        }
      } else {
        // Stand between the puck and the goal, a little out from the goal mouth.
        const gx = 0, gy = RINK_H / 2;
        const dx = px - gx, dy = py - gy;
        const d = Math.hypot(dx, dy) || 1;
        const guard = Math.min(120, d * 0.5);
        tx = Math.max(MALLET_R + 8, gx + (dx / d) * guard);
        ty = gy + (dy / d) * guard;
      }

      // Steer with braking: aim for where momentum will carry the mallet, not where it is.
      const ex = tx - (mx + mvx * 7), ey = ty - (my + mvy * 7);
      let bits = 0;
      if (ex > 5) bits |= FORWARD;
      else if (ex < -5) bits |= BACK;
      if (ey > 5) bits |= DOWN;
      else if (ey < -5) bits |= UP;
      if (dash) bits |= DASH;
      last = bits;
      return bits;
    },
  };
}
