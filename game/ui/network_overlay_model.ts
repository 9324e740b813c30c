/**
 * What the network overlay shows, as plain data: the rows of numbers (formatted) from a match's
 * stats, and the geometry of the rolling graph (RTT line, rollback-depth bars) from the stats
 * history. Pure, so the formatting and scaling are tested without a DOM or a canvas.
 *
 * @module
 */

import type { StatsSample } from "../net/stats_history.ts";

/**
 * The match numbers the overlay reads: a structural subset of the runner's `MatchStats`, so any
 * source with these fields (a runner, a test, a replay) can feed it. Optional fields show when
 * present.
 */
export interface OverlayStats {
  /** Smoothed round-trip time, ms. */
  rtt: number;
  /** The newest RTT sample, ms. */
  rttLast?: number;
  /** Packet loss, 0..1. */
  loss: number;
  /** Packets lost so far. */
  packetsLost?: number;
  /** Local input delay, frames. */
  inputDelay: number;
  /** Frames run ahead of the newest confirmed remote input. */
  predictedFrames: number;
  /** Rollbacks during the last second. */
  rollbacksPerSecond: number;
  /** Deepest rollback in the last second, frames. */
  maxDepthLastSecond: number;
  /** Deepest rollback of the match, frames. */
  maxRollbackDepth?: number;
  /** Ticks that waited for the peer. */
  stalls: number;
  /** Ticks skipped by time sync to let the peer catch up. */
  skippedTicks?: number;
  /** Our frame advantage over the peer (positive: we are ahead). */
  frameAdvantage: number;
  /** The peer's frame advantage as it reported it. */
  remoteAdvantage?: number;
  /** The current frame. */
  frame?: number;
  /** The newest frame with both players' inputs known. */
  confirmedFrame?: number;
  /** The network path of the selected candidate pair (the match's `stats().path`), if known. */
  path?: {
    kind: string;
    local: string;
    remote: string;
    protocol: string;
    relayProtocol?: string | null;
  } | null;
}

/** One line of the overlay: a label, the main value, and an optional detail after it. */
export interface OverlayRow {
  /** Stable id of the row (the `data-stat` attribute). */
  key: string;
  /** What the number is. */
  label: string;
  /** The number with its unit. */
  value: string;
  /** A second, quieter number ("" when none). */
  detail: string;
  /** Worth a colour: "warn" when the number says the connection struggles. */
  tone: "normal" | "warn";
}

/** A number with fixed decimals; non-finite values (no sample yet) show as "–". */
export function fixed(n: number | undefined, digits = 0): string {
  return n === undefined || !Number.isFinite(n) ? "–" : n.toFixed(digits);
}

/** A whole number with its sign: "+2", "0", "-1". */
export function signed(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "–";
  const r = Math.round(n);
  return r > 0 ? `+${r}` : `${r === 0 ? 0 : r}`;
}

/** Thresholds above which a number is shown as a warning. */
export const WARN = { rttMs: 150, loss: 0.05, rollbackDepth: 6, predicted: 6 } as const;

/** The overlay's rows for `s`. */
export function overlayRows(s: OverlayStats): OverlayRow[] {
  const rows: OverlayRow[] = [
    {
      key: "rtt",
      label: "RTT",
      value: `${fixed(s.rtt, 1)} ms`,
      detail: s.rttLast === undefined ? "" : `last ${fixed(s.rttLast)}`,
      tone: s.rtt > WARN.rttMs ? "warn" : "normal",
    },
    {
      key: "loss",
      label: "Loss",
      value: `${fixed(s.loss * 100, 1)} %`,
      detail: s.packetsLost === undefined ? "" : `${s.packetsLost} lost`,
      tone: s.loss > WARN.loss ? "warn" : "normal",
    },
    {
      key: "delay",
      label: "Input delay",
      value: `${fixed(s.inputDelay)} f`,
      detail: "",
      tone: "normal",
    },
    {
      key: "predicted",
      label: "Predicted",
      value: `${fixed(s.predictedFrames)} f`,
      detail: "",
      tone: s.predictedFrames > WARN.predicted ? "warn" : "normal",
    },
    {
      key: "rollbacks",
      label: "Rollbacks",
      value: `${fixed(s.rollbacksPerSecond)} /s`,
      detail: `depth ${fixed(s.maxDepthLastSecond)}${
        s.maxRollbackDepth === undefined ? "" : ` (max ${s.maxRollbackDepth})`
      }`,
      tone: s.maxDepthLastSecond > WARN.rollbackDepth ? "warn" : "normal",
    },
    {
      key: "stalls",
      label: "Stalls",
      value: fixed(s.stalls),
      detail: s.skippedTicks === undefined ? "" : `skipped ${s.skippedTicks}`,
      tone: "normal",
    },
    {
      key: "advantage",
      label: "Advantage",
      value: `${signed(s.frameAdvantage)} f`,
      detail: s.remoteAdvantage === undefined ? "" : `peer ${signed(s.remoteAdvantage)}`,
      tone: "normal",
    },
  ];
  if (s.path) {
    const p = s.path;
    rows.push({
      key: "path",
      label: "Path",
      value: p.kind,
      detail: `${p.local}→${p.remote} ${p.protocol}${
        p.relayProtocol ? ` (TURN ${p.relayProtocol})` : ""
      }`,
      tone: "normal",
    });
  }
  if (s.frame !== undefined) {
    rows.push({
      key: "frame",
      label: "Frame",
      value: String(s.frame),
      detail: s.confirmedFrame === undefined ? "" : `confirmed ${s.confirmedFrame}`,
      tone: "normal",
    });
  }
  return rows;
}

/** A bar of the graph, in canvas pixels (origin top left): left, top, width, height. */
export interface GraphBar {
  /** Left edge. */
  x: number;
  /** Top edge. */
  y: number;
  /** Width. */
  w: number;
  /** Height. */
  h: number;
}

/** The graph, scaled to a `width` × `height` box. */
export interface GraphGeometry {
  /** Top of the RTT scale, ms (at least 50, rounded up to a multiple of 10). */
  maxRtt: number;
  /** Top of the depth scale, frames (at least 8). */
  maxDepth: number;
  /** Rollback-depth bars, one per sample with a rollback. */
  bars: GraphBar[];
  /** The RTT line's points, oldest first. */
  line: [number, number][];
}

/**
 * Lays out `samples` (oldest first) right-aligned in a window of `capacity` slots, so the graph
 * scrolls from the right as samples arrive: RTT as a line, rollback depth as bars, each on its own
 * scale (the larger of a floor and the biggest value shown).
 */
export function graphGeometry(
  samples: readonly StatsSample[],
  width: number,
  height: number,
  capacity = 120,
): GraphGeometry {
  const shown = samples.slice(-capacity);
  const finite = (n: number) => (Number.isFinite(n) ? n : 0);
  const maxRtt = Math.ceil(Math.max(50, ...shown.map((p) => finite(p.rttMs))) / 10) * 10;
  const maxDepth = Math.max(8, ...shown.map((p) => finite(p.rollbackDepth)));
  const step = width / capacity;
  const offset = capacity - shown.length;
  const bars: GraphBar[] = [];
  const line: [number, number][] = [];
  shown.forEach((p, i) => {
    const x = (offset + i) * step;
    const depth = finite(p.rollbackDepth);
    if (depth > 0) {
      const h = (depth / maxDepth) * height;
      bars.push({ x, y: height - h, w: Math.max(1, step - 0.5), h });
    }
    const y = height - 1 - (finite(p.rttMs) / maxRtt) * (height - 2);
    line.push([x + step / 2, y]);
  });
  return { maxRtt, maxDepth, bars, line };
}
