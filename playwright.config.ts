// Browser tests: real Chromium, real WebRTC, the real Deno lobby serving the built client.
// Run inside a loopback-only network namespace (see the README), after `npm run build:e2e`
// (dist-e2e/: the game plus the test harness; the production build in dist/ has no test pages).
// Playwright requires a default export here; everything else in duet uses named exports.
import { defineConfig } from "@playwright/test";
import { existsSync } from "node:fs";
import process from "node:process";
import { CHROMIUM_ARGS } from "./game/e2e/chromium_flags.ts";

const port = Number(process.env.E2E_PORT ?? 8790);
// Debian's Chromium where present (this project's CI); otherwise Playwright's own browser, which a
// developer installs with `npx playwright install chromium` (never in CI: it downloads).
const executablePath = [
  process.env.CHROMIUM_PATH,
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
].find((p): p is string => !!p && existsSync(p));

export default defineConfig({
  testDir: "game/e2e",
  testMatch: "**/*.spec.ts",
  // Each test is bounded well below this; it only stops a hang from eating the CI budget.
  timeout: 45_000,
  expect: { timeout: 10_000 },
  // Two cores, and pages that must tick at 60 Hz: one test at a time.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [["list"]],
  // Separate output directories let concurrent runs (other specs, other checkouts) not wipe each
  // other's artifacts: Playwright empties its outputDir when a run starts.
  outputDir: process.env.E2E_OUTPUT_DIR ?? "test-results",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    // Without a media permission Chromium only offers mDNS-hidden host candidates, and inside a
    // loopback-only namespace none at all. game/e2e/fixtures.ts passes the same to every context.
    permissions: ["camera", "microphone"],
    trace: "retain-on-failure",
    launchOptions: {
      executablePath,
      args: [...CHROMIUM_ARGS],
    },
  },
  webServer: {
    command:
      "node_modules/.bin/deno run --allow-net --allow-env --allow-read --allow-sys signal/main.ts",
    url: `http://127.0.0.1:${port}/healthz`,
    // E2E_STATIC_DIR lets a run serve a build made elsewhere (e.g. a harness-only build).
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      STATIC_DIR: process.env.E2E_STATIC_DIR ?? "dist-e2e",
      // A closed page's seat is held this long, as it may be a reload (which comes back in about
      // 2.5 s here): short enough that the specs closing a page see its peer's match end soon.
      RESUME_GRACE_MS: "6000",
    },
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: "ignore",
    stderr: "pipe",
  },
});
