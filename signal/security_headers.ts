/**
 * Response headers that make the served game page harder to abuse: a Content-Security-Policy
 * suited to the Vite-built game (its own scripts only, no inline script or eval; inline styles,
 * which the page's `<style>` needs; `data:`/`blob:` images and fetches, which Phaser's loader
 * uses; `blob:` workers, which the tick metronome uses; WebSocket connections to the lobby), no
 * framing by other sites (clickjacking), no MIME sniffing, and no referrer (invite codes live in
 * the URL, `?room=CODE`, and must not leak to other sites).
 */

/** The page's Content-Security-Policy. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "media-src 'self' data: blob:",
  "connect-src 'self' ws: wss: data: blob:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers on every static response (the page and its assets). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
};
