// Shared plumbing of the browser benchmarks: the bench page (bundled by bundle.ts), Chromium
// launched exactly as the e2e tests launch it (flags and executable from playwright.config.ts),
// and duet's lobby process. Each benchmark opens two pages of one browser, so they share one clock.
import config from "../playwright.config.ts";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright";
import { startBenchServer } from "./bench_server.ts";
import type { DuetBench } from "./page_main.ts";
import { benchPageScript } from "./bundle.ts";

/** A browser with the bench page served, plus helpers to open pages on it. */
export interface BenchBrowser {
  browser: Browser;
  context: BrowserContext;
  version: string;
  relayUrl: string;
  /** A new page with `window.duetBench` loaded. */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** The Chromium flags and executable the e2e tests use, for the report. */
export function launchOptions() {
  return config.use?.launchOptions ?? {};
}

/** Launches Chromium (playwright.config.ts options) and serves the bench page. */
export async function openBrowser(): Promise<BenchBrowser> {
  const script = await benchPageScript();
  const server = await startBenchServer(script);
  const browser = await chromium.launch({ ...launchOptions(), headless: true });
  const context = await browser.newContext({ permissions: config.use?.permissions ?? [] });
  return {
    browser,
    context,
    version: browser.version(),
    relayUrl: server.relayUrl,
    async newPage() {
      const page = await context.newPage();
      await page.goto(server.origin + "/");
      await page.waitForFunction(() => "duetBench" in globalThis, null, { timeout: 10_000 });
      return page;
    },
    async close() {
      await browser.close().catch(() => {});
      await server.close();
    },
  };
}

/** Calls `window.duetBench[name](...args)` in `page`. */
export function call<K extends keyof DuetBench>(
  page: Page,
  name: K,
  ...args: Parameters<DuetBench[K]>
): Promise<Awaited<ReturnType<DuetBench[K]>>> {
  return page.evaluate(
    ([n, a]) => {
      const b =
        (globalThis as unknown as { duetBench: Record<string, (...x: unknown[]) => unknown> })
          .duetBench;
      return b[n as string](...(a as unknown[]));
    },
    [name, args] as const,
  ) as Promise<Awaited<ReturnType<DuetBench[K]>>>;
}
