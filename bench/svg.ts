// Hand-written SVG line charts (latency CDFs) for the markdown report: no plotting dependency,
// deterministic output, readable in any browser or on a code host.
import { cdfPoints } from "./stats.ts";

/** One line of a chart: raw samples, drawn as their empirical CDF. */
export interface CdfSeries {
  label: string;
  samples: readonly number[];
}

/** What a CDF chart shows; `note` is printed under the title (the run's conditions). */
export interface CdfChartOptions {
  title: string;
  xLabel: string;
  note?: string;
  /** Log-scale x axis, for latencies whose tail is orders of magnitude above the median. */
  logX?: boolean;
  width?: number;
  height?: number;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

/** Escapes text for SVG/XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!,
  );
}

/** About `count` round tick values (1, 2, 5 x 10^k) covering lo..hi on a linear axis. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

function fmtTick(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1000) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

/**
 * An SVG document with one CDF line per series (x: value, y: fraction of samples <= x). Series
 * without samples are listed in the legend as "(no samples)" instead of failing the report.
 */
export function cdfChart(series: readonly CdfSeries[], opts: CdfChartOptions): string {
  const W = opts.width ?? 640, H = opts.height ?? 360;
  const left = 56, right = 16, top = opts.note ? 52 : 36, bottom = 48;
  const pw = W - left - right, ph = H - top - bottom;
  const all = series.flatMap((s) => cdfPoints(s.samples));
  const xs = all.map((p) => p[0]);
  let lo = xs.length ? Math.min(...xs) : 0;
  let hi = xs.length ? Math.max(...xs) : 1;
  const logX = !!opts.logX && lo > 0;
  if (!logX) lo = Math.min(0, lo);
  if (hi <= lo) hi = lo + 1;
  const lgLo = logX ? Math.floor(Math.log10(lo)) : 0;
  const lgHi = logX ? Math.max(lgLo + 1, Math.ceil(Math.log10(hi))) : 0;
  const ticks = logX
    ? Array.from({ length: lgHi - lgLo + 1 }, (_, i) => 10 ** (lgLo + i))
    : niceTicks(lo, hi);
  if (!logX) hi = Math.max(hi, ticks[ticks.length - 1]);
  const sx = (v: number) =>
    left +
    pw *
      (logX ? (Math.log10(Math.max(v, 10 ** lgLo)) - lgLo) / (lgHi - lgLo) : (v - lo) / (hi - lo));
  const sy = (p: number) => top + ph * (1 - p);
  const f = (n: number) => n.toFixed(1);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${
      escapeXml(opts.title)
    }</text>`,
  );
  if (opts.note) {
    out.push(
      `<text x="${W / 2}" y="36" text-anchor="middle" fill="#555">${escapeXml(opts.note)}</text>`,
    );
  }
  for (const p of [0, 0.25, 0.5, 0.75, 0.9, 1]) {
    out.push(
      `<line x1="${left}" x2="${left + pw}" y1="${f(sy(p))}" y2="${f(sy(p))}" stroke="#ddd"/>`,
      `<text x="${left - 4}" y="${f(sy(p) + 4)}" text-anchor="end">${p}</text>`,
    );
  }
  for (const t of ticks) {
    out.push(
      `<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${top}" y2="${top + ph}" stroke="#eee"/>`,
      `<text x="${f(sx(t))}" y="${top + ph + 14}" text-anchor="middle">${fmtTick(t)}</text>`,
    );
  }
  out.push(
    `<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
    `<text x="${left + pw / 2}" y="${H - 10}" text-anchor="middle">${
      escapeXml(opts.xLabel + (logX ? " (log scale)" : ""))
    }</text>`,
    `<text x="14" y="${top + ph / 2}" text-anchor="middle" transform="rotate(-90 14 ${
      top + ph / 2
    })">fraction of samples ≤ x</text>`,
  );
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = cdfPoints(s.samples);
    if (pts.length) {
      // A step function: the CDF jumps at each sample value.
      let d = `M${f(sx(pts[0][0]))},${f(sy(0))}`;
      let prevY = 0;
      for (const [x, y] of pts) {
        d += ` L${f(sx(x))},${f(sy(prevY))} L${f(sx(x))},${f(sy(y))}`, prevY = y;
      }
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"/>`);
    }
    // Bottom right: a CDF rises to the top right, so that corner stays clear of the lines.
    const ly = top + ph - 12 - (series.length - 1 - i) * 16;
    out.push(
      `<line x1="${left + pw - 190}" x2="${
        left + pw - 170
      }" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${left + pw - 165}" y="${ly + 4}">${
        escapeXml(s.label + (pts.length ? ` (n=${s.samples.length})` : " (no samples)"))
      }</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
