/**
 * The lobby screen's stylesheet as a string: `createLobbyScreen` injects it once (see
 * `style.ts`), so no bundler needs a CSS loader. Every rule is scoped under `.duet-lobby`, and the
 * look comes from CSS custom properties a game may set on any ancestor (or on `.duet-lobby`):
 *
 * | property | default | what |
 * |---|---|---|
 * | `--duet-bg` | `rgba(12, 19, 38, 0.92)` | panel background |
 * | `--duet-edge` | `rgba(120, 170, 255, 0.18)` | panel and card borders |
 * | `--duet-text` | `#e8eefc` | text |
 * | `--duet-muted` | `#8b9ac0` | secondary text, labels |
 * | `--duet-accent` | `#38e1ff` | focus rings, primary button, your colour in the logo |
 * | `--duet-accent-text` | `#04121f` | text on the primary button |
 * | `--duet-accent-2` | `#ff4d8d` | the other player's colour in the logo |
 * | `--duet-ok` | `#4ade80` | connected, open rooms |
 * | `--duet-warn` | `#ffe066` | connecting |
 * | `--duet-danger` | `#ff6b6b` | errors |
 * | `--duet-field` | `rgba(0, 0, 0, 0.35)` | text field background |
 * | `--duet-radius` | `16px` | panel corner radius |
 * | `--duet-font` | `system-ui, "Segoe UI", "DejaVu Sans", sans-serif` | text font |
 * | `--duet-mono` | `ui-monospace, "DejaVu Sans Mono", monospace` | codes and numbers |
 *
 * @module
 */

/** The id of the injected `<style>` element. */
export const LOBBY_SCREEN_STYLE_ID = "duet-lobby-screen-css";

/** The lobby screen's CSS (scoped under `.duet-lobby`, themed by `--duet-*` properties). */
export const lobbyScreenCss = `
/* Zero specificity, so a game's own ".duet-lobby { … }" (placement, size) wins. */
:where(.duet-lobby) {
  --_bg: var(--duet-bg, rgba(12, 19, 38, 0.92));
  --_edge: var(--duet-edge, rgba(120, 170, 255, 0.18));
  --_text: var(--duet-text, #e8eefc);
  --_muted: var(--duet-muted, #8b9ac0);
  --_accent: var(--duet-accent, #38e1ff);
  --_accent-text: var(--duet-accent-text, #04121f);
  --_accent-2: var(--duet-accent-2, #ff4d8d);
  --_ok: var(--duet-ok, #4ade80);
  --_warn: var(--duet-warn, #ffe066);
  --_danger: var(--duet-danger, #ff6b6b);
  --_field: var(--duet-field, rgba(0, 0, 0, 0.35));
  --_radius: var(--duet-radius, 16px);
  --_font: var(--duet-font, system-ui, "Segoe UI", "DejaVu Sans", sans-serif);
  --_mono: var(--duet-mono, ui-monospace, "DejaVu Sans Mono", monospace);
  position: fixed;
  inset: 0;
  z-index: 10;
  display: flex;
  align-items: center;
  justify-content: center;
  pointer-events: none;
  color: var(--_text);
  font-family: var(--_font);
  font-size: 15px;
  line-height: 1.35;
}
.duet-lobby[hidden], .duet-lobby [hidden] { display: none !important; }
.duet-lobby.duet-inline { position: static; display: block; }
.duet-lobby *, .duet-lobby *::before, .duet-lobby *::after { box-sizing: border-box; }
.duet-lobby .duet-panel {
  pointer-events: auto;
  width: min(900px, calc(100vw - 32px));
  max-height: calc(100vh - 32px);
  overflow: auto;
  padding: 22px 26px 16px;
  display: flex;
  flex-direction: column;
  gap: 14px;
  background: var(--_bg);
  border: 1px solid var(--_edge);
  border-radius: var(--_radius);
  box-shadow: 0 20px 60px rgba(0, 0, 0, 0.55), inset 0 1px 0 rgba(255, 255, 255, 0.04);
}
.duet-lobby.duet-inline .duet-panel { margin: 0 auto; max-height: none; }
.duet-lobby button, .duet-lobby input { font: inherit; color: inherit; margin: 0; }
.duet-lobby button {
  cursor: pointer;
  border: 1px solid rgba(255, 255, 255, 0.14);
  background: rgba(255, 255, 255, 0.06);
  border-radius: 10px;
  padding: 8px 14px;
  transition: background 0.15s, transform 0.05s, border-color 0.15s;
}
.duet-lobby button:hover:not(:disabled) {
  background: rgba(255, 255, 255, 0.12);
  border-color: rgba(255, 255, 255, 0.3);
}
.duet-lobby button:active:not(:disabled) { transform: translateY(1px); }
.duet-lobby button:disabled { opacity: 0.45; cursor: default; }
.duet-lobby button:focus-visible, .duet-lobby .duet-room:focus-visible {
  outline: 2px solid var(--_accent);
  outline-offset: 2px;
}
.duet-lobby button.duet-primary {
  background: var(--_accent);
  background-image: linear-gradient(180deg, rgba(255, 255, 255, 0.22), rgba(0, 0, 0, 0.12));
  border-color: var(--_accent);
  color: var(--_accent-text);
  font-weight: 700;
}
.duet-lobby button.duet-primary:hover:not(:disabled) {
  background-color: var(--_accent);
  background-image: linear-gradient(180deg, rgba(255, 255, 255, 0.35), rgba(0, 0, 0, 0.05));
}
.duet-lobby button.duet-small { padding: 4px 10px; font-size: 13px; border-radius: 8px; }
.duet-lobby button.duet-big { width: 100%; padding: 14px; font-size: 18px; border-radius: 12px; }
.duet-lobby input[type="text"], .duet-lobby input[type="password"], .duet-lobby input[type="search"],
.duet-lobby input[type="url"] {
  width: 100%;
  min-width: 0;
  background: var(--_field);
  border: 1px solid rgba(255, 255, 255, 0.14);
  border-radius: 8px;
  padding: 8px 10px;
  outline: none;
}
.duet-lobby input::placeholder { color: var(--_muted); opacity: 0.8; }
.duet-lobby input:focus {
  border-color: var(--_accent);
  box-shadow: 0 0 0 3px color-mix(in srgb, var(--_accent) 22%, transparent);
}
.duet-lobby label, .duet-lobby .duet-label {
  color: var(--_muted);
  font-size: 12px;
  text-transform: uppercase;
  letter-spacing: 0.06em;
}
.duet-lobby kbd {
  font-family: var(--_mono);
  font-size: 12px;
  padding: 1px 6px;
  border-radius: 5px;
  border: 1px solid rgba(255, 255, 255, 0.2);
  border-bottom-width: 2px;
  background: rgba(255, 255, 255, 0.06);
}
.duet-lobby h1, .duet-lobby h2, .duet-lobby h3, .duet-lobby p { margin: 0; }
.duet-lobby .duet-header {
  display: flex;
  align-items: center;
  justify-content: space-between;
  gap: 16px;
  flex-wrap: wrap;
}
.duet-lobby .duet-brand { display: flex; align-items: center; gap: 14px; }
.duet-lobby .duet-brand h1 { font-size: 30px; letter-spacing: 0.02em; line-height: 1; }
.duet-lobby .duet-brand p { margin-top: 4px; color: var(--_muted); font-size: 13px; }
.duet-lobby .duet-logo { position: relative; width: 52px; height: 34px; flex: none; }
.duet-lobby .duet-logo i {
  position: absolute;
  top: 2px;
  width: 30px;
  height: 30px;
  border-radius: 50%;
}
.duet-lobby .duet-logo .duet-you { left: 0; background: var(--_accent); box-shadow: 0 0 16px var(--_accent); }
.duet-lobby .duet-logo .duet-them {
  left: 20px;
  background: var(--_accent-2);
  opacity: 0.9;
  box-shadow: 0 0 16px var(--_accent-2);
}
.duet-lobby .duet-status {
  display: flex;
  align-items: center;
  gap: 8px;
  font-size: 13px;
  padding: 6px 12px;
  border-radius: 999px;
  background: rgba(255, 255, 255, 0.05);
  white-space: nowrap;
}
.duet-lobby .duet-led { width: 9px; height: 9px; border-radius: 50%; background: var(--_muted); }
.duet-lobby .duet-status.ok .duet-led { background: var(--_ok); box-shadow: 0 0 8px var(--_ok); }
.duet-lobby .duet-status.busy .duet-led { background: var(--_warn); animation: duet-pulse 1s infinite alternate; }
.duet-lobby .duet-status.error .duet-led { background: var(--_danger); }
@keyframes duet-pulse { to { opacity: 0.3; } }
@keyframes duet-spin { to { transform: rotate(360deg); } }
.duet-lobby .duet-name-row { display: flex; align-items: center; gap: 12px; }
.duet-lobby .duet-name-row input { max-width: 260px; }
.duet-lobby .duet-columns {
  display: grid;
  grid-template-columns: 1.35fr 1fr;
  gap: 18px;
  min-height: 0;
}
.duet-lobby h2 { margin-bottom: 10px; font-size: 15px; font-weight: 600; }
.duet-lobby h2 .duet-count { color: var(--_muted); font-weight: 400; }
.duet-lobby h3 {
  margin-bottom: 2px;
  font-size: 13px;
  color: var(--_muted);
  font-weight: 600;
  text-transform: uppercase;
  letter-spacing: 0.05em;
}
.duet-lobby .duet-filter { margin-bottom: 8px; }
.duet-lobby .duet-rooms {
  list-style: none;
  margin: 0;
  padding: 0;
  display: flex;
  flex-direction: column;
  gap: 6px;
  max-height: 320px;
  overflow-y: auto;
}
.duet-lobby .duet-empty {
  color: var(--_muted);
  padding: 26px 14px;
  text-align: center;
  border: 1px dashed rgba(255, 255, 255, 0.14);
  border-radius: 10px;
  font-size: 14px;
}
.duet-lobby .duet-room {
  width: 100%;
  text-align: left;
  display: grid;
  grid-template-columns: 18px 1fr auto auto auto;
  align-items: center;
  gap: 10px;
  padding: 9px 10px 9px 12px;
  border-radius: 10px;
  background: rgba(255, 255, 255, 0.04);
  border: 1px solid transparent;
}
.duet-lobby .duet-room:disabled { opacity: 1; }
.duet-lobby li:has(> .duet-watch) { display: flex; gap: 6px; align-items: center; }
.duet-lobby .duet-watchers { color: var(--_muted); font-size: 12px; }
.duet-lobby .duet-room:disabled .duet-go { visibility: hidden; }
.duet-lobby .duet-room:hover:not(:disabled) {
  border-color: color-mix(in srgb, var(--_accent) 55%, transparent);
  background: color-mix(in srgb, var(--_accent) 8%, transparent);
}
.duet-lobby .duet-room.mine { border-color: color-mix(in srgb, var(--_accent) 40%, transparent); }
.duet-lobby .duet-lock { display: inline-flex; color: var(--_warn); }
.duet-lobby .duet-room-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-weight: 500; }
.duet-lobby .duet-players { font-family: var(--_mono); color: var(--_muted); font-size: 13px; }
.duet-lobby .duet-badge {
  font-size: 11px;
  text-transform: uppercase;
  letter-spacing: 0.05em;
  padding: 2px 8px;
  border-radius: 999px;
  background: color-mix(in srgb, var(--_ok) 15%, transparent);
  color: var(--_ok);
}
.duet-lobby .duet-badge.full, .duet-lobby .duet-badge.playing {
  background: rgba(255, 255, 255, 0.08);
  color: var(--_muted);
}
.duet-lobby .duet-badge.yours {
  background: color-mix(in srgb, var(--_accent) 15%, transparent);
  color: var(--_accent);
}
.duet-lobby .duet-go { font-size: 13px; color: var(--_accent); font-weight: 600; opacity: 0.6; }
.duet-lobby .duet-room:hover .duet-go, .duet-lobby .duet-room:focus-visible .duet-go { opacity: 1; }
.duet-lobby .duet-actions { display: flex; flex-direction: column; gap: 12px; }
.duet-lobby .duet-card {
  display: flex;
  flex-direction: column;
  gap: 6px;
  padding: 12px;
  margin: 0;
  border-radius: 12px;
  background: rgba(255, 255, 255, 0.035);
  border: 1px solid rgba(255, 255, 255, 0.06);
}
.duet-lobby .duet-row { display: flex; gap: 8px; align-items: center; }
.duet-lobby .duet-row.spread { justify-content: space-between; margin-top: 2px; }
.duet-lobby .duet-field { display: flex; flex-direction: column; gap: 3px; }
.duet-lobby .duet-row.right { justify-content: flex-end; }
.duet-lobby .duet-toggle {
  display: flex;
  align-items: center;
  gap: 8px;
  cursor: pointer;
  text-transform: none;
  letter-spacing: 0;
  font-size: 14px;
  color: var(--_text);
  position: relative;
}
.duet-lobby .duet-toggle input { position: absolute; opacity: 0; width: 1px; height: 1px; margin: 0; }
.duet-lobby .duet-switch {
  flex: none;
  width: 34px;
  height: 20px;
  border-radius: 999px;
  background: rgba(255, 255, 255, 0.15);
  position: relative;
  transition: background 0.15s;
}
.duet-lobby .duet-switch::after {
  content: "";
  position: absolute;
  top: 3px;
  left: 3px;
  width: 14px;
  height: 14px;
  border-radius: 50%;
  background: #fff;
  transition: left 0.15s;
}
.duet-lobby .duet-toggle input:checked + .duet-switch { background: var(--_accent); }
.duet-lobby .duet-toggle input:checked + .duet-switch::after { left: 17px; }
.duet-lobby .duet-toggle input:focus-visible + .duet-switch { outline: 2px solid var(--_accent); outline-offset: 2px; }
.duet-lobby .duet-waiting {
  display: flex;
  flex-direction: column;
  align-items: center;
  text-align: center;
  gap: 10px;
  padding: 18px 14px;
  border-radius: 12px;
  background: color-mix(in srgb, var(--_accent) 5%, transparent);
  border: 1px solid color-mix(in srgb, var(--_accent) 22%, transparent);
}
.duet-lobby .duet-waiting h2 { margin: 0; }
.duet-lobby .duet-muted { color: var(--_muted); font-size: 13px; }
.duet-lobby .duet-spinner {
  width: 38px;
  height: 38px;
  border-radius: 50%;
  border: 4px solid color-mix(in srgb, var(--_accent) 20%, transparent);
  border-top-color: var(--_accent);
  animation: duet-spin 0.9s linear infinite;
}
.duet-lobby .duet-invite { display: flex; flex-direction: column; align-items: stretch; gap: 6px; width: 100%; }
.duet-lobby .duet-invite code {
  font-family: var(--_mono);
  font-size: 17px;
  letter-spacing: 0.08em;
  padding: 6px 12px;
  border-radius: 8px;
  background: var(--_field);
  user-select: all;
  word-break: break-all;
}
.duet-lobby .duet-invite input { font-family: var(--_mono); font-size: 12px; color: var(--_muted); }
.duet-lobby .duet-message { min-height: 22px; font-size: 14px; padding: 0 4px; }
.duet-lobby .duet-message.error {
  color: color-mix(in srgb, var(--_danger) 45%, white);
  background: color-mix(in srgb, var(--_danger) 10%, transparent);
  border: 1px solid color-mix(in srgb, var(--_danger) 35%, transparent);
  border-radius: 8px;
  padding: 8px 12px;
}
.duet-lobby .duet-message.info { color: var(--_accent); }
.duet-lobby .duet-help { color: var(--_muted); font-size: 12px; text-align: center; }
.duet-lobby .duet-backdrop {
  pointer-events: auto;
  position: fixed;
  inset: 0;
  display: flex;
  align-items: center;
  justify-content: center;
  background: rgba(0, 0, 0, 0.5);
}
.duet-lobby .duet-dialog {
  width: min(380px, calc(100vw - 32px));
  padding: 20px;
  display: flex;
  flex-direction: column;
  gap: 10px;
  background: var(--_bg);
  border: 1px solid var(--_edge);
  border-radius: var(--_radius);
  box-shadow: 0 20px 60px rgba(0, 0, 0, 0.6);
}
.duet-lobby .duet-dialog h2 { display: flex; align-items: center; gap: 8px; margin: 0; }
.duet-lobby .duet-dialog p { color: var(--_muted); }
.duet-lobby .duet-dialog p.duet-error-text { color: color-mix(in srgb, var(--_danger) 45%, white); }
.duet-lobby .duet-sr-only {
  position: absolute;
  width: 1px;
  height: 1px;
  overflow: hidden;
  clip: rect(0 0 0 0);
  white-space: nowrap;
}
@media (max-width: 720px) {
  .duet-lobby .duet-columns { grid-template-columns: 1fr; }
  .duet-lobby .duet-row.spread { flex-wrap: wrap; }
  .duet-lobby .duet-row.spread button { flex: 1 0 100%; }
}
@media (prefers-reduced-motion: reduce) {
  .duet-lobby .duet-spinner, .duet-lobby .duet-led { animation: none !important; }
}
`;
