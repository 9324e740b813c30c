// Chromium's command-line flags for every browser test page, loopback (playwright.config.ts) and
// NAT lab (lab_browsers.ts) alike: no sandbox or GPU as root in CI, no network of Chromium's own,
// loopback ICE candidates allowed, and no throttling of pages that must tick at 60 Hz in the
// background (two pages share one headless browser). No imports: the Playwright config loads it.

/** The flags (see ../shared/ENVIRONMENT.md for why each is needed). */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--allow-loopback-in-peer-connection",
  "--disable-background-timer-throttling",
  "--disable-renderer-backgrounding",
  "--disable-backgrounding-occluded-windows",
];
