/**
 * The network overlay's stylesheet as a string, injected once by `createNetworkOverlay`. Scoped
 * under `.duet-overlay`; themed by the same custom properties as the lobby screen (`--duet-text`,
 * `--duet-muted`, `--duet-accent` for the RTT line, `--duet-warn` for rollback bars and warnings,
 * `--duet-mono`) plus `--duet-overlay-bg`.
 *
 * @module
 */

/** The id of the injected `<style>` element. */
export const NETWORK_OVERLAY_STYLE_ID = "duet-network-overlay-css";

/** The overlay's CSS. */
export const networkOverlayCss = `
/* Zero specificity, so a game's own ".duet-overlay { … }" (placement, size) wins. */
:where(.duet-overlay) {
  --_bg: var(--duet-overlay-bg, rgba(5, 9, 20, 0.86));
  --_edge: var(--duet-edge, rgba(143, 180, 255, 0.35));
  --_text: var(--duet-text, #e8eefc);
  --_muted: var(--duet-muted, #8b9ac0);
  --_accent: var(--duet-accent, #38e1ff);
  --_warn: var(--duet-warn, #ffa94d);
  --_mono: var(--duet-mono, ui-monospace, "DejaVu Sans Mono", monospace);
  position: fixed;
  top: 12px;
  right: 12px;
  z-index: 20;
  width: 300px;
  padding: 8px 12px 10px;
  box-sizing: border-box;
  border-radius: 10px;
  background: var(--_bg);
  border: 1px solid var(--_edge);
  color: var(--_text);
  font: 12px/1.45 var(--_mono);
  pointer-events: none;
  font-variant-numeric: tabular-nums;
}
.duet-overlay[hidden] { display: none; }
.duet-overlay.duet-top-left { right: auto; left: 12px; }
.duet-overlay.duet-bottom-right { top: auto; bottom: 12px; }
.duet-overlay.duet-bottom-left { top: auto; bottom: 12px; right: auto; left: 12px; }
.duet-overlay.duet-inline { position: static; }
.duet-overlay header {
  display: flex;
  justify-content: space-between;
  color: var(--_muted);
  font-size: 10px;
  margin-bottom: 4px;
}
.duet-overlay header strong { font-size: 11px; letter-spacing: 0.08em; }
.duet-overlay dl {
  display: grid;
  grid-template-columns: auto auto 1fr;
  column-gap: 10px;
  margin: 0;
}
.duet-overlay dt { color: var(--_muted); }
.duet-overlay dd { margin: 0; text-align: right; white-space: nowrap; }
.duet-overlay dd.duet-detail { text-align: left; color: var(--_muted); }
.duet-overlay dd.warn { color: var(--_warn); font-weight: 700; }
.duet-overlay .duet-legend { margin-top: 6px; color: var(--_muted); font-size: 10px; }
.duet-overlay .duet-legend i {
  display: inline-block;
  width: 8px;
  height: 8px;
  margin-right: 4px;
  border-radius: 2px;
  vertical-align: baseline;
}
.duet-overlay .duet-legend .duet-rtt { background: var(--_accent); }
.duet-overlay .duet-legend .duet-depth { background: var(--_warn); margin-left: 8px; }
.duet-overlay canvas { display: block; width: 100%; height: 56px; margin-top: 3px; border-radius: 4px; }
`;
