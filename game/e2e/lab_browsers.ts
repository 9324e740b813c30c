/**
 * Browsers inside a {@link NetLab}: Chromium through Playwright (its executable is a script that
 * runs it under `ip netns exec`, and Playwright talks to it over a pipe, which crosses namespaces),
 * and Firefox through puppeteer-core, driven by `firefox_agent.mjs` running in the same namespace
 * (Firefox only listens on its own 127.0.0.1). Both expose the little a game test needs, as
 * {@link LabPage}: open a URL, evaluate a function, close the tab.
 *
 * @module
 */
import { CHROMIUM_ARGS } from "./chromium_flags.ts";
import { type Browser, chromium, type Page } from "@playwright/test";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import process from "node:process";
import type { LabPlace, NetLab } from "./net_lab.ts";
import { PLAYER_PERMISSIONS } from "./fixtures.ts";

/** Debian's Firefox ESR, as CI installs it. */
export const FIREFOX = process.env.FIREFOX_PATH ?? "/usr/bin/firefox-esr";

/** Whether Firefox is installed (specs skip with a message when not). */
export const haveFirefox = (): boolean => existsSync(FIREFOX);

const CHROMIUM = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"]
  .find((p): p is string => !!p && existsSync(p));

/** One page in some browser, as the lab tests use it. */
export interface LabPage {
  readonly label: string;
  goto(url: string): Promise<void>;
  /** Runs `fn(arg)` in the page and returns its (JSON) result. */
  evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** Closes the tab, as a player would. */
  closePage(): Promise<void>;
  /** Closes the whole browser. */
  close(): Promise<void>;
}

/** Chromium flags for a lab page: the loopback tests' flags plus a secure context for `origins`. */
function chromiumArgs(origins: string[]): string[] {
  return [
    ...CHROMIUM_ARGS,
    // A page over plain http on a lab address is no secure context without this, and then the
    // media permission (which unhides host candidates) does not apply.
    `--unsafely-treat-insecure-origin-as-secure=${origins.join(",")}`,
  ];
}

/** Starts a Chromium in `place` and opens one page for `origins` (granted the media permission). */
export async function launchLabChromium(
  lab: NetLab,
  place: LabPlace,
  origins: string[],
  label = `chromium@${place}`,
): Promise<LabPage> {
  const browser: Browser = await chromium.launch({
    executablePath: lab.wrapper(place, CHROMIUM ?? chromium.executablePath()),
    args: chromiumArgs(origins),
  });
  const context = await browser.newContext({
    permissions: PLAYER_PERMISSIONS,
    viewport: { width: 1280, height: 720 },
  });
  const page: Page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[${label}] page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") console.error(`[${label}] ${m.text()}`);
  });
  return {
    label,
    async goto(url) {
      await page.goto(url);
    },
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    async closePage() {
      await page.close({ runBeforeUnload: false });
    },
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

const AGENT = fileURLToPath(new URL("./firefox_agent.mjs", import.meta.url));

/** Starts a Firefox in `place` through the agent and returns its one page. */
export async function launchLabFirefox(
  lab: NetLab,
  place: LabPlace,
  label = `firefox@${place}`,
): Promise<LabPage> {
  const [cmd, args] = lab.wrap(place, process.execPath, [AGENT]);
  const child: ChildProcess = spawn(cmd, args, {
    env: { ...process.env, FIREFOX_PATH: FIREFOX },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => {
    const text = c.toString();
    stderr = (stderr + text).slice(-16_000);
    for (const line of text.split("\n")) {
      if (line.startsWith("[firefox]")) console.error(`[${label}] ${line.slice(10)}`);
    }
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let exited = false;
  const onExit = new Promise<void>((resolve) => {
    child.on("exit", (code) => {
      exited = true;
      for (const p of pending.values()) {
        p.reject(new Error(`the Firefox agent exited (${code}):\n${stderr.slice(-2000)}`));
      }
      pending.clear();
      resolve();
    });
  });
  createInterface({ input: child.stdout! }).on("line", (line) => {
    let msg: { id: number; ok: boolean; value?: unknown; error?: string };
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(new Error(`[${label}] ${msg.error}`));
  });
  let nextId = 1;
  const send = (op: Record<string, unknown>): Promise<unknown> => {
    if (exited) return Promise.reject(new Error(`the Firefox agent is gone:\n${stderr}`));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.stdin!.write(JSON.stringify({ id, ...op }) + "\n");
    });
  };
  // The agent says ready (id 0) once Firefox is up.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Firefox did not start within 30 s:\n${stderr}`)),
      30_000,
    );
    pending.set(0, {
      resolve: () => {
        clearTimeout(timer);
        resolve();
      },
      reject: (e) => {
        clearTimeout(timer);
        reject(e);
      },
    });
  });
  return {
    label,
    async goto(url) {
      await send({ op: "goto", url });
    },
    evaluate: (fn, arg) =>
      send({ op: "eval", expr: `(${fn.toString()})(${JSON.stringify(arg)})` }) as never,
    async closePage() {
      await send({ op: "close" });
    },
    async close() {
      if (exited) return;
      child.stdin!.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await onExit;
      clearTimeout(timer);
    },
  };
}
