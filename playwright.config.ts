// Browser tests: real Chromium, real WebRTC, the real Deno lobby serving the built client.
// Playwright requires a default export here; everything else in duet uses named exports.
import { defineConfig } from "@playwright/test";
import { existsSync } from "node:fs";

const port = Number(process.env.E2E_PORT ?? 8790);
// Debian's Chromium where present (this project's CI); otherwise Playwright's own browser.
const executablePath = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"]
  .find((p): p is string => !!p && existsSync(p));

export default defineConfig({
  testDir: "game/e2e",
  testMatch: "**/*.spec.ts",
  timeout: 120_000,
  expect: { timeout: 10_000 },
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: process.env.CI ? [["list"]] : [["list"]],
  outputDir: "test-results",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    // Without a media permission Chromium only offers mDNS-hidden host candidates, and inside a
    // loopback-only namespace none at all (see the README's testing notes).
    permissions: ["camera", "microphone"],
    launchOptions: {
      executablePath,
      args: [
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
      ],
    },
  },
  webServer: {
    command: "node_modules/.bin/deno run --allow-net --allow-env --allow-read --allow-sys signal/main.ts",
    url: `http://127.0.0.1:${port}/healthz`,
    env: { PORT: String(port), HOST: "127.0.0.1", STATIC_DIR: "dist" },
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: "ignore",
    stderr: "pipe",
  },
});
