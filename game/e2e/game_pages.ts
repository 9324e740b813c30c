// The air-hockey page as the browser tests open it: each page in its own browser context (its own
// storage, like a second person), with its errors echoed to the test output, and every page's
// `window.duet` state attached to the report when a test fails. Shared by game.spec.ts,
// spectate.spec.ts, and (as `botPair`) outage.spec.ts and resume.spec.ts.
import { type Browser, expect, type Page, test as base, type TestInfo } from "@playwright/test";
import type {} from "../examples/air_hockey/app/automation.ts"; // declares globalThis.duet
import { PLAYER_PERMISSIONS } from "./fixtures.ts";

/** The `openGame` fixture. */
export interface GamePageFixtures {
  /** Opens a game page in its own browser context (its own storage, like a second person). */
  openGame: (query: string, label: string) => Promise<Page>;
}

/** Playwright's `test` with `openGame`; waits for an idle lobby first. */
export const test = base.extend<GamePageFixtures>({
  openGame: async ({ browser, baseURL }, use, testInfo) => {
    await lobbyIdle(baseURL!);
    const pages: Page[] = [];
    await use((query, label) => openGame(browser, baseURL!, query, label, pages));
    if (testInfo.status !== testInfo.expectedStatus) await attachStates(pages, testInfo);
    for (const p of pages) await p.context().close().catch(() => {});
  },
});

async function openGame(
  browser: Browser,
  baseURL: string,
  query: string,
  label: string,
  pages: Page[],
): Promise<Page> {
  const context = await browser.newContext({
    baseURL,
    permissions: PLAYER_PERMISSIONS,
    viewport: { width: 1280, height: 720 },
  });
  const page = await context.newPage();
  pages.push(page);
  page.on("pageerror", (e) => console.error(`[${label}] page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") console.error(`[${label}] ${m.text()}`);
  });
  await page.goto(`/${query}`);
  await page.waitForFunction(() => typeof globalThis.duet === "object");
  return page;
}

/** Rooms left by an earlier test would pair with this one's quick match. */
async function lobbyIdle(baseURL: string): Promise<void> {
  await expect.poll(async () => {
    const res = await fetch(new URL("/api/rooms", baseURL));
    return ((await res.json()) as { rooms: unknown[] }).rooms.length;
  }, { message: "rooms left over from an earlier test", timeout: 10_000 }).toBe(0);
}

async function attachStates(pages: Page[], testInfo: TestInfo): Promise<void> {
  for (const [i, page] of pages.entries()) {
    if (page.isClosed()) continue;
    const state = await page.evaluate(() => ({
      mode: globalThis.duet.mode,
      state: globalThis.duet.state,
      message: globalThis.duet.message,
      stats: globalThis.duet.stats(),
    })).catch((e) => String(e));
    await testInfo.attach(`page ${i + 1} state`, { body: JSON.stringify(state, null, 2) });
  }
}

/** The `pair` fixture of {@link botPair}: two bot pages in one match. */
export interface BotPairFixtures {
  pair: [Page, Page];
}

/**
 * Playwright's `test` with a `pair` fixture: the two queries (bots that quick-match) open one
 * after the other, the first one's room exists before the second looks, and both are `playing`
 * before the test starts. `teardown` runs after the test, before the pages close (e.g. to undo
 * firewall rules the test added).
 */
export function botPair(queries: [string, string], teardown: () => void = () => {}) {
  return test.extend<BotPairFixtures>({
    pair: async ({ openGame }, use) => {
      const a = await openGame(`${queries[0]}&renderer=canvas`, "page 1");
      await expect.poll(() => a.evaluate(() => globalThis.duet.room() !== null)).toBe(true);
      const b = await openGame(`${queries[1]}&renderer=canvas`, "page 2");
      for (const p of [a, b]) {
        await expect.poll(() => p.evaluate(() => globalThis.duet.state), { timeout: 20_000 })
          .toBe("playing");
      }
      try {
        await use([a, b]);
      } finally {
        teardown();
      }
    },
  });
}
