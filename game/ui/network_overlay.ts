/**
 * The network overlay: a small DOM panel over the game with RTT, loss, input delay, predicted
 * frames, rollbacks per second and their depth, stalls, frame advantage, and a canvas-2D rolling
 * graph of RTT and rollback depth. No framework: it reads a `stats()` function and a
 * {@link StatsHistory} and redraws ten times a second while shown (enough to read, cheap to draw).
 *
 * @module
 */

import type { StatsHistory } from "../net/stats_history.ts";
import { h, replaceChildren } from "./dom.ts";
import { NETWORK_OVERLAY_STYLE_ID, networkOverlayCss } from "./network_overlay_css.ts";
import { graphGeometry, overlayRows, type OverlayStats } from "./network_overlay_model.ts";
import { injectStyle } from "./style.ts";

/** Options of {@link createNetworkOverlay}. */
export interface NetworkOverlayOptions {
  /** The current numbers (e.g. `() => match.stats()`). */
  stats: () => OverlayStats;
  /** Rolling samples for the graph (e.g. `match.history`); without it, no graph. */
  history?: Pick<StatsHistory, "samples"> | null;
  /** Where the overlay goes; default `document.body`. */
  parent?: HTMLElement;
  /** Start shown; default hidden. */
  visible?: boolean;
  /**
   * Keys (`KeyboardEvent.code`) that toggle it on `window`; default F3 and the backtick key;
   * `false` binds none (use {@link bindOverlayKeys} or your own input code).
   */
  keys?: readonly string[] | false;
  /** Corner of the viewport; default top right. `inline` puts it in the page flow. */
  position?: "top-right" | "top-left" | "bottom-right" | "bottom-left" | "inline";
  /** Redraw period while shown, ms; default 100. */
  intervalMs?: number;
  /** Called when it is shown or hidden (by a key or by code). */
  onToggle?: (visible: boolean) => void;
}

/** A network overlay on the page. */
export interface NetworkOverlay {
  /** The root element (class `duet-overlay`). */
  readonly element: HTMLElement;
  /** Shown now. */
  readonly visible: boolean;
  /** Shows or hides it. */
  setVisible(show: boolean): void;
  /** Shows it if hidden, hides it if shown. */
  toggle(): void;
  /** Redraws now (it also redraws by itself while shown). */
  update(): void;
  /** Stops redrawing, unbinds the keys, removes the element. */
  destroy(): void;
}

/** The default toggle keys: F3 and the backtick (the key left of 1). */
export const OVERLAY_KEYS: readonly string[] = ["F3", "Backquote"];

const GRAPH_W = 276;
const GRAPH_H = 56;

/**
 * Creates the overlay (hidden unless `visible`).
 *
 * @example
 * ```ts
 * import { createNetworkOverlay } from "duet-netcode/ui";
 *
 * const overlay = createNetworkOverlay({
 *   stats: () => match.stats(),
 *   history: match.history,
 * }); // F3 or ` shows it
 * // when the match is over:
 * overlay.destroy();
 * ```
 */
export function createNetworkOverlay(options: NetworkOverlayOptions): NetworkOverlay {
  injectStyle(NETWORK_OVERLAY_STYLE_ID, networkOverlayCss);
  const position = options.position ?? "top-right";
  const keys = options.keys === false ? [] : options.keys ?? OVERLAY_KEYS;
  const list = h("dl", { "data-testid": "net-stats" });
  const canvas = h("canvas", {
    width: GRAPH_W,
    height: GRAPH_H,
    role: "img",
    "aria-label": "Graph of round-trip time and rollback depth over the last seconds",
  });
  const legend = h("div", { class: "duet-legend" });
  const element = h(
    "aside",
    {
      class: `duet-overlay${position === "top-right" ? "" : ` duet-${position}`}`,
      "aria-label": "Network statistics",
      "data-testid": "net-overlay",
      hidden: true,
    },
    h(
      "header",
      {},
      h("strong", {}, "NETWORK"),
      keys.length ? h("span", {}, `${keys.map(keyName).join(" / ")} to hide`) : null,
    ),
    list,
    options.history ? canvas : null,
    options.history ? legend : null,
  );
  (options.parent ?? document.body).appendChild(element);
  let timer: ReturnType<typeof setInterval> | null = null;
  let visible = false;
  // The graph's colours come from the theme; read when shown, not on every draw.
  let colors = { rtt: "#38e1ff", depth: "#ffa94d" };
  const readColors = () => {
    const css = getComputedStyle(element);
    colors = {
      rtt: css.getPropertyValue("--_accent").trim() || colors.rtt,
      depth: css.getPropertyValue("--_warn").trim() || colors.depth,
    };
  };

  // Cells by row key, made on the first draw: later draws only change text that changed, so a
  // redraw ten times a second costs no layout beyond the numbers themselves.
  const cells = new Map<string, { value: HTMLElement; detail: HTMLElement }>();
  function drawNumbers(): void {
    const rows = overlayRows(options.stats());
    if (rows.some((r) => !cells.has(r.key)) || rows.length !== cells.size) {
      cells.clear();
      replaceChildren(
        list,
        ...rows.flatMap((r) => {
          const value = h("dd", { "data-stat": r.key });
          const detail = h("dd", { class: "duet-detail" });
          cells.set(r.key, { value, detail });
          return [h("dt", {}, r.label), value, detail];
        }),
      );
    }
    for (const r of rows) {
      const c = cells.get(r.key)!;
      if (c.value.textContent !== r.value) c.value.textContent = r.value;
      if (c.detail.textContent !== r.detail) c.detail.textContent = r.detail;
      c.value.classList.toggle("warn", r.tone === "warn");
    }
  }

  function drawGraph(): void {
    const g = canvas.getContext("2d");
    if (!options.history || !g) return;
    const geo = graphGeometry(options.history.samples(), GRAPH_W, GRAPH_H);
    g.clearRect(0, 0, GRAPH_W, GRAPH_H);
    g.fillStyle = "rgba(13, 22, 48, 1)";
    g.fillRect(0, 0, GRAPH_W, GRAPH_H);
    g.strokeStyle = "rgba(143, 180, 255, 0.12)";
    g.lineWidth = 1;
    for (let i = 1; i < 4; i++) {
      const y = Math.round((GRAPH_H * i) / 4) + 0.5;
      g.beginPath();
      g.moveTo(0, y);
      g.lineTo(GRAPH_W, y);
      g.stroke();
    }
    g.fillStyle = colors.depth;
    g.globalAlpha = 0.75;
    for (const b of geo.bars) g.fillRect(b.x, b.y, b.w, b.h);
    g.globalAlpha = 1;
    if (geo.line.length > 1) {
      g.strokeStyle = colors.rtt;
      g.lineWidth = 2;
      g.lineJoin = "round";
      g.beginPath();
      geo.line.forEach(([x, y], i) => (i === 0 ? g.moveTo(x, y) : g.lineTo(x, y)));
      g.stroke();
    }
    replaceChildren(
      legend,
      h("i", { class: "duet-rtt" }),
      `RTT 0-${geo.maxRtt} ms`,
      h("i", { class: "duet-depth" }),
      `rollback depth 0-${geo.maxDepth} f`,
    );
  }

  function update(): void {
    drawNumbers();
    drawGraph();
  }

  function setVisible(show: boolean): void {
    if (show === visible) return;
    visible = show;
    element.hidden = !show;
    if (timer !== null) clearInterval(timer);
    timer = null;
    if (show) {
      readColors();
      update();
      timer = setInterval(update, options.intervalMs ?? 100);
    }
    options.onToggle?.(show);
  }

  const unbind = keys.length ? bindOverlayKeys(() => setVisible(!visible), keys) : () => {};
  if (options.visible) setVisible(true);

  return {
    element,
    get visible() {
      return visible;
    },
    setVisible,
    toggle: () => setVisible(!visible),
    update,
    destroy() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      unbind();
      element.remove();
    },
  };
}

/**
 * Calls `toggle` when one of `keys` (`KeyboardEvent.code`, default F3 and backtick) is pressed,
 * unless the player is typing in a text field. Returns the function that unbinds it.
 *
 * @example
 * ```ts
 * const unbind = bindOverlayKeys(() => overlay.toggle());
 * ```
 */
export function bindOverlayKeys(
  toggle: () => void,
  keys: readonly string[] = OVERLAY_KEYS,
  target: EventTarget = globalThis,
): () => void {
  const onKey = (e: Event) => {
    const k = e as KeyboardEvent;
    if (k.repeat || !keys.includes(k.code)) return;
    const t = k.target as HTMLElement | null;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    k.preventDefault(); // F3 is "find" in some browsers
    toggle();
  };
  target.addEventListener("keydown", onKey);
  return () => target.removeEventListener("keydown", onKey);
}

function keyName(code: string): string {
  return code === "Backquote" ? "`" : code.replace(/^Key/, "");
}
