/**
 * The network overlay (toggle with F3 or the backtick key): RTT, loss, input delay, frames
 * predicted, rollbacks per second and their depth, stalls, frame advantage, and a rolling graph of
 * RTT and rollback depth over the last twelve seconds. It redraws ten times a second, which is
 * plenty to read and cheap to draw.
 *
 * @module
 */

import Phaser from "phaser";
import type { MatchRunner } from "duet-netcode";
import { COLORS, GAME_W, RINK_Y } from "./rink_renderer.ts";
import type { Hockey } from "../sim/hockey.ts";

/** The overlay of one match scene. */
export interface Overlay {
  readonly visible: boolean;
  setVisible(show: boolean): void;
  /** Call every frame; redraws at most every 100 ms. */
  update(now: number): void;
}

const W = 300;
const H = 236;
const GRAPH_H = 52;
const RTT_COLOR = 0x38e1ff;
const DEPTH_COLOR = 0xffa94d;

/** Creates the overlay (hidden unless `visible`) for a runner. */
export function createOverlay(
  scene: Phaser.Scene,
  runner: MatchRunner<Hockey>,
  visible: boolean,
): Overlay {
  const x = GAME_W - W - 10, y = RINK_Y + 6;
  const container = scene.add.container(x, y).setDepth(50);
  const bg = scene.add.graphics();
  bg.fillStyle(0x050914, 0.86);
  bg.fillRoundedRect(0, 0, W, H, 10);
  bg.lineStyle(1, 0x8fb4ff, 0.35);
  bg.strokeRoundedRect(0, 0, W, H, 10);
  const title = scene.add.text(12, 8, "NETWORK", {
    fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace",
    fontSize: "11px",
    color: COLORS.muted,
    fontStyle: "bold",
  });
  const hint = scene.add.text(W - 12, 8, "F3 / ` to hide", {
    fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace",
    fontSize: "10px",
    color: COLORS.muted,
  }).setOrigin(1, 0);
  const text = scene.add.text(12, 26, "", {
    fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace",
    fontSize: "12px",
    color: COLORS.text,
    lineSpacing: 3,
  });
  const graph = scene.add.graphics();
  const legend = scene.add.text(12, H - GRAPH_H - 22, "", {
    fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace",
    fontSize: "10px",
    color: COLORS.muted,
  });
  container.add([bg, title, hint, text, legend, graph]);
  container.setVisible(visible);
  let lastDraw = -Infinity;

  const draw = (now: number) => {
    const s = runner.stats();
    const lost = s.packetsLost;
    const sign = (n: number) => (n > 0 ? `+${n}` : `${n}`);
    text.setText([
      `RTT     ${s.rtt.toFixed(1).padStart(6)} ms  (last ${s.rttLast.toFixed(0)})`,
      `loss    ${(s.loss * 100).toFixed(1).padStart(6)} %   lost ${lost}`,
      `delay   ${String(s.inputDelay).padStart(6)} f   predicted ${s.predictedFrames} f`,
      `rollbk  ${
        s.rollbacksPerSecond.toFixed(0).padStart(6)
      } /s  depth ${s.maxDepthLastSecond} (max ${s.maxRollbackDepth})`,
      `stalls  ${String(s.stalls).padStart(6)}     skipped ${s.skippedTicks}`,
      `advant. ${sign(Math.round(s.frameAdvantage)).padStart(6)} f   peer ${
        sign(Math.round(s.remoteAdvantage))
      } f`,
      `frame   ${String(s.frame).padStart(6)}     conf. ${s.confirmedFrame}`,
    ].join("\n"));

    const samples = runner.history.samples();
    const gx = 12, gy = H - GRAPH_H - 8, gw = W - 24;
    const maxRtt = Math.max(50, ...samples.map((p) => p.rttMs));
    const maxDepth = Math.max(8, ...samples.map((p) => p.rollbackDepth));
    legend.setText(`RTT (0-${Math.ceil(maxRtt)} ms)   rollback depth (0-${maxDepth} f)`);
    graph.clear();
    graph.fillStyle(0x0d1630, 1);
    graph.fillRect(gx, gy, gw, GRAPH_H);
    graph.lineStyle(1, 0x8fb4ff, 0.12);
    for (let i = 1; i < 4; i++) {
      graph.lineBetween(gx, gy + (GRAPH_H * i) / 4, gx + gw, gy + (GRAPH_H * i) / 4);
    }
    const n = 120;
    const step = gw / n;
    const offset = n - samples.length;
    samples.forEach((p, i) => {
      if (p.rollbackDepth <= 0) return;
      const bh = (p.rollbackDepth / maxDepth) * GRAPH_H;
      graph.fillStyle(DEPTH_COLOR, 0.75);
      graph.fillRect(gx + (offset + i) * step, gy + GRAPH_H - bh, Math.max(1, step - 0.5), bh);
    });
    if (samples.length > 1) {
      graph.lineStyle(2, RTT_COLOR, 1);
      graph.beginPath();
      samples.forEach((p, i) => {
        const px = gx + (offset + i + 0.5) * step;
        const py = gy + GRAPH_H - (p.rttMs / maxRtt) * (GRAPH_H - 2) - 1;
        if (i === 0) graph.moveTo(px, py);
        else graph.lineTo(px, py);
      });
      graph.strokePath();
    }
    lastDraw = now;
  };

  return {
    get visible() {
      return container.visible;
    },
    setVisible(show) {
      container.setVisible(show);
      if (show) draw(performance.now());
    },
    update(now) {
      if (container.visible && now - lastDraw >= 100) draw(now);
    },
  };
}
