/**
 * Draws the air-hockey rink and what moves on it from simulation views, interpolating between the
 * state before and after the newest tick so motion is smooth at any display rate. Each player sees
 * their own goal on the left: for player 1 the picture is mirrored, the simulation is not.
 *
 * @module
 */

import Phaser from "phaser";
import { GOAL_H, type HockeyView, MALLET_R, PUCK_R, RINK_H, RINK_W } from "../sim/hockey.ts";

/** The game canvas size (scaled to fit the window). */
export const GAME_W = 960;
/** The game canvas height. */
export const GAME_H = 540;
/** Where the rink's top-left corner is drawn. */
export const RINK_X = (GAME_W - RINK_W) / 2;
/** Top of the rink (below the score bar). */
export const RINK_Y = GAME_H - RINK_H - 16;

/** Colours shared by the scenes. */
export const COLORS = {
  you: 0x38e1ff,
  them: 0xff4d8d,
  puck: 0xffe066,
  ice: 0x0c1630,
  iceLine: 0x1d3160,
  border: 0x8fb4ff,
  text: "#e8eefc",
  muted: "#8b9ac0",
} as const;

/** Past puck positions drawn as a fading trail. */
const TRAIL = 12;

/** A renderer bound to one scene. */
export interface RinkRenderer {
  /** Draws the state `alpha` of the way from `prev` to `curr` (0..1). */
  draw(prev: HockeyView, curr: HockeyView, alpha: number): void;
  /** Screen position of a simulation point. */
  toScreen(x: number, y: number): { x: number; y: number };
  /** A full-rink flash in a player's colour (goals). */
  flash(player: 0 | 1): void;
}

/** Options of {@link createRinkRenderer}. */
export interface RinkRendererOptions {
  /** The player drawn on the left in "you" colours. */
  localPlayer: 0 | 1;
  /** Dims everything (the lobby's attract mode behind the menus). */
  dim?: boolean;
}

/** Creates the rink's game objects in `scene` and returns the renderer. */
export function createRinkRenderer(
  scene: Phaser.Scene,
  opts: RinkRendererOptions,
): RinkRenderer {
  const mirror = opts.localPlayer === 1;
  const colorOf = (p: 0 | 1) => (p === opts.localPlayer ? COLORS.you : COLORS.them);
  const toScreen = (x: number, y: number) => ({
    x: RINK_X + (mirror ? RINK_W - x : x),
    y: RINK_Y + y,
  });

  drawRink(scene, colorOf(mirror ? 1 : 0), colorOf(mirror ? 0 : 1));

  const trail = scene.add.graphics();
  const trailPoints: { x: number; y: number }[] = [];

  const mallets = ([0, 1] as const).map((p) => {
    const c = colorOf(p);
    const glow = scene.add.circle(0, 0, MALLET_R + 10, c, 0.12);
    const body = scene.add.circle(0, 0, MALLET_R, c, 0.95).setStrokeStyle(3, 0xffffff, 0.55);
    const rim = scene.add.circle(0, 0, MALLET_R - 9, 0x000000, 0.22);
    const knob = scene.add.circle(0, 0, 11, 0xffffff, 0.85).setStrokeStyle(2, c, 1);
    return { glow, body, rim, knob, parts: [glow, body, rim, knob] };
  });

  const puckShadow = scene.add.circle(0, 0, PUCK_R + 3, 0x000000, 0.35);
  const puck = scene.add.circle(0, 0, PUCK_R, COLORS.puck, 1).setStrokeStyle(3, 0xffffff, 0.9);
  const puckCore = scene.add.circle(0, 0, PUCK_R - 8, 0xfff3b0, 1);

  const flashRect = scene.add.rectangle(
    RINK_X + RINK_W / 2,
    RINK_Y + RINK_H / 2,
    RINK_W,
    RINK_H,
    0xffffff,
    0,
  );
  const dimRect = opts.dim
    ? scene.add.rectangle(GAME_W / 2, GAME_H / 2, GAME_W, GAME_H, 0x050810, 0.55)
    : null;
  dimRect?.setDepth(10);

  let lastHits = -1;
  let lastBounces = -1;

  const ring = (x: number, y: number, color: number, size: number) => {
    const r = scene.add.circle(x, y, size, color, 0).setStrokeStyle(3, color, 0.9);
    scene.tweens.add({
      targets: r,
      scale: 2.2,
      alpha: 0,
      duration: 280,
      ease: "Cubic.easeOut",
      onComplete: () => r.destroy(),
    });
  };

  return {
    toScreen,
    flash(player) {
      flashRect.setFillStyle(colorOf(player), 0.35);
      scene.tweens.add({ targets: flashRect, fillAlpha: 0, duration: 700, ease: "Quad.easeOut" });
    },
    draw(prev, curr, alpha) {
      const t = Math.max(0, Math.min(1, alpha));
      // A jump (faceoff reset, a rollback correcting far) is drawn as is, not swept across.
      const lerp = (a: number, b: number) => (Math.abs(b - a) > 60 ? b : a + (b - a) * t);

      for (const p of [0, 1] as const) {
        const m0 = prev.mallets[p], m1 = curr.mallets[p];
        const s = toScreen(lerp(m0.x, m1.x), lerp(m0.y, m1.y));
        for (const part of mallets[p].parts) part.setPosition(s.x, s.y);
        mallets[p].glow.setRadius(MALLET_R + (m1.dashing ? 18 : 10));
        mallets[p].glow.setFillStyle(colorOf(p), m1.dashing ? 0.3 : 0.12);
        mallets[p].knob.setAlpha(m1.dashCooldown > 0 ? 0.45 : 0.9);
      }

      const hidden = curr.phase === "scored" || curr.phase === "ended";
      const ps = toScreen(lerp(prev.puck.x, curr.puck.x), lerp(prev.puck.y, curr.puck.y));
      for (const o of [puckShadow, puck, puckCore]) o.setPosition(ps.x, ps.y).setVisible(!hidden);
      puckShadow.setPosition(ps.x + 3, ps.y + 4);

      trailPoints.push(ps);
      if (trailPoints.length > TRAIL) trailPoints.shift();
      trail.clear();
      if (!hidden) {
        for (let i = 0; i < trailPoints.length - 1; i++) {
          const k = (i + 1) / trailPoints.length;
          trail.fillStyle(COLORS.puck, 0.18 * k);
          trail.fillCircle(trailPoints[i].x, trailPoints[i].y, PUCK_R * (0.4 + 0.6 * k));
        }
      } else trailPoints.length = 0;

      if (lastHits >= 0 && curr.hits > lastHits) ring(ps.x, ps.y, 0xffffff, PUCK_R);
      if (lastBounces >= 0 && curr.bounces > lastBounces) {
        ring(ps.x, ps.y, COLORS.puck, PUCK_R * 0.7);
      }
      lastHits = curr.hits;
      lastBounces = curr.bounces;
    },
  };
}

/** The static rink: ice, markings, goal creases and nets, a glowing border. */
function drawRink(scene: Phaser.Scene, leftColor: number, rightColor: number): void {
  const g = scene.add.graphics();
  const x = RINK_X, y = RINK_Y, w = RINK_W, h = RINK_H;
  const mouthTop = y + (RINK_H - GOAL_H) / 2, mouthBottom = mouthTop + GOAL_H;

  // Nets behind the goal mouths.
  for (const [gx, color, dir] of [[x, leftColor, -1], [x + w, rightColor, 1]] as const) {
    g.fillStyle(color, 0.18);
    g.fillRect(dir < 0 ? gx - 22 : gx, mouthTop, 22, GOAL_H);
    g.lineStyle(2, color, 0.35);
    for (let i = 1; i < 5; i++) {
      g.lineBetween(gx + dir * 22, mouthTop + (GOAL_H * i) / 5, gx, mouthTop + (GOAL_H * i) / 5);
    }
  }

  // Ice with a faint grid.
  g.fillStyle(COLORS.ice, 1);
  g.fillRoundedRect(x, y, w, h, 28);
  g.lineStyle(1, COLORS.iceLine, 0.35);
  for (let gx = x + 40; gx < x + w; gx += 40) g.lineBetween(gx, y + 4, gx, y + h - 4);
  for (let gy = y + 40; gy < y + h; gy += 40) g.lineBetween(x + 4, gy, x + w - 4, gy);

  // Centre line and circle, faceoff spots.
  g.lineStyle(3, 0xb7c9ff, 0.35);
  g.lineBetween(x + w / 2, y, x + w / 2, y + h);
  g.strokeCircle(x + w / 2, y + h / 2, 70);
  g.fillStyle(0xb7c9ff, 0.35);
  g.fillCircle(x + w / 2, y + h / 2, 6);
  g.fillCircle(x + w / 4, y + h / 2, 5);
  g.fillCircle(x + (3 * w) / 4, y + h / 2, 5);

  // Goal creases in each side's colour.
  for (
    const [cx, color, start, end] of [
      [x, leftColor, -Math.PI / 2, Math.PI / 2],
      [x + w, rightColor, Math.PI / 2, (3 * Math.PI) / 2],
    ] as const
  ) {
    g.fillStyle(color, 0.08);
    g.slice(cx, y + h / 2, 95, start, end, false);
    g.fillPath();
    g.lineStyle(3, color, 0.5);
    g.beginPath();
    g.arc(cx, y + h / 2, 95, start, end, false);
    g.strokePath();
  }

  // Border: a soft glow under a crisp line, with the goal mouths in the owners' colours.
  for (const [width, alpha] of [[14, 0.05], [8, 0.1], [3, 0.9]] as const) {
    g.lineStyle(width, COLORS.border, alpha);
    g.strokeRoundedRect(x, y, w, h, 28);
  }
  for (const [gx, color] of [[x, leftColor], [x + w, rightColor]] as const) {
    g.lineStyle(12, COLORS.ice, 1);
    g.lineBetween(gx, mouthTop, gx, mouthBottom);
    g.lineStyle(6, color, 1);
    g.lineBetween(gx, mouthTop - 2, gx, mouthTop + 10);
    g.lineBetween(gx, mouthBottom - 10, gx, mouthBottom + 2);
    g.fillStyle(color, 1);
    g.fillCircle(gx, mouthTop, 6);
    g.fillCircle(gx, mouthBottom, 6);
  }
}
