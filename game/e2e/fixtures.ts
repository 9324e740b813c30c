/**
 * Playwright fixtures for two-player tests: each player gets its own browser context (separate
 * storage, like two people) in one Chromium, with the media permission that makes Chromium offer
 * plain loopback ICE candidates (see ../shared/ENVIRONMENT.md).
 *
 * @module
 */
import { type BrowserContext, expect, type Page, test as base } from "@playwright/test";
import type { HarnessApi } from "./harness.ts";

/** Without it Chromium hides host candidates behind mDNS names, and a loopback-only namespace
 * yields no candidates at all. */
export const PLAYER_PERMISSIONS = ["camera", "microphone"];

/** Opens one player's page at `path` (relative to the lobby's base URL). */
export type OpenPlayer = (path?: string) => Promise<Page>;

/** The fixtures the specs use. */
export interface PlayerFixtures {
  openPlayer: OpenPlayer;
}

/** Waits until the lobby lists no room, so one test's leftovers never pair with the next. */
async function lobbyIdle(baseURL: string): Promise<void> {
  await expect.poll(async () => {
    const res = await fetch(new URL("/api/rooms", baseURL));
    const body = await res.json() as { rooms: unknown[] };
    return body.rooms.length;
  }, { message: "rooms left over from an earlier test", timeout: 5_000 }).toBe(0);
}

/** `test` with an `openPlayer` fixture; every page opened is closed after the test. */
export const test = base.extend<PlayerFixtures>({
  openPlayer: async ({ browser, baseURL }, use, testInfo) => {
    if (!baseURL) throw new Error("playwright.config.ts must set use.baseURL");
    await lobbyIdle(baseURL);
    const contexts: BrowserContext[] = [];
    const pages: Page[] = [];
    await use(async (path = "/e2e/harness.html") => {
      const context = await browser.newContext({ baseURL, permissions: PLAYER_PERMISSIONS });
      contexts.push(context);
      const page = await context.newPage();
      pages.push(page);
      const label = `player ${pages.length}`;
      page.on("pageerror", (e) => console.error(`[${label}] page error: ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error") console.error(`[${label}] ${m.text()}`);
      });
      await page.goto(path);
      await page.waitForFunction(() => typeof globalThis.harness === "object");
      return page;
    });
    // On failure, attach each page's event log: it tells where a connection got stuck.
    if (testInfo.status !== testInfo.expectedStatus) {
      for (const [i, page] of pages.entries()) {
        if (page.isClosed()) continue;
        const log = await page.evaluate(() => globalThis.harness.log()).catch(() => []);
        await testInfo.attach(`player ${i + 1} log`, { body: log.join("\n") });
      }
    }
    for (const c of contexts) await c.close();
  },
});

export { expect };

/** Calls `globalThis.harness[method](...args)` in the page and returns the (serialized) result. */
export function call<K extends keyof HarnessApi>(
  page: Page,
  method: K,
  ...args: Parameters<HarnessApi[K]>
): Promise<Awaited<ReturnType<HarnessApi[K]>>> {
  return page.evaluate(
    ([m, a]) => (globalThis.harness[m] as (...x: unknown[]) => unknown)(...a),
    [method, args] as [K, unknown[]],
  ) as Promise<Awaited<ReturnType<HarnessApi[K]>>>;
}
