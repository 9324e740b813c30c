// Shared plumbing of the browser benchmarks: the bench page bundle, Chromium launched exactly as
// the e2e tests launch it (flags and executable from playwright.config.ts), and duet's lobby
// process. Each benchmark opens two pages of one browser, so they share one clock.
import config from "../playwright.config.ts";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright";
import { startBenchServer } from "./bench_server.ts";
import type { DuetBench } from "./page_main.ts";
import { waitForHttp } from "./proc.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const DENO = `${ROOT}node_modules/.bin/deno`;

/** Builds the bench page script (bench/page_main.ts and what it imports) with `deno bundle`. */
export async function bundlePage(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "duet-bench-" });
  try {
    const out = `${dir}/bench.js`;
    const r = await new Deno.Command(DENO, {
      args: ["bundle", "--quiet", "--platform", "browser", "-o", out, "bench/page_main.ts"],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!r.success) throw new Error(`deno bundle failed: ${new TextDecoder().decode(r.stderr)}`);
    return await Deno.readTextFile(out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

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
  const script = await bundlePage();
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

/** A running duet lobby (signal/main.ts) for the browser benchmarks. */
export interface LobbyProcess {
  url: string;
  close(): Promise<void>;
}

/** Starts duet's lobby on loopback `port` and waits for /healthz. */
export async function startLobby(port: number): Promise<LobbyProcess> {
  const child = new Deno.Command(DENO, {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-sys", "signal/main.ts"],
    cwd: ROOT,
    env: { PORT: String(port), HOST: "127.0.0.1", STATIC_DIR: "", NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  (async () => {
    const dec = new TextDecoder();
    for await (const c of child.stderr) stderr = (stderr + dec.decode(c)).slice(-2000);
  })();
  const close = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await Promise.race([child.status, new Promise((r) => setTimeout(r, 3000))]);
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  };
  if (!(await waitForHttp(`http://127.0.0.1:${port}/healthz`, 20_000))) {
    await close();
    throw new Error(`duet lobby did not start: ${stderr}`);
  }
  return { url: `ws://127.0.0.1:${port}/ws`, close };
}
