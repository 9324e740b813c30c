// Benchmark: time to resume a match (issue 13). Two pages of the built example game
// (BENCH_GAME_DIST) play a bot match through a real lobby in one headless Chromium, each in its
// own browser context (its own sessionStorage, like two people). Two cases, repeated:
//
// - outage: all UDP (the DataChannels; the lobby is TCP) dropped with iptables for 5 s, then let
//   through again; ms from the end of the outage until both pages are `playing` with confirmed
//   frames 30 past where they stopped (both sides agree on new frames again).
// - reload: one page reloads (F5); ms from the reload until that page is `playing` in the same
//   session with its confirmed frame 30 past the survivor's at the reload.
//
// After each resumed try, both pages' checksums of a spread of confirmed frames are compared.
// iptables is touched only inside a loopback-only network namespace (run.ts starts this file in
// one); elsewhere the outage case is reported as not measured.
//
// usage: deno run -A bench/resume.ts [--quick] [--out FILE]   (inside a loopback-only namespace)
import { cutAllUdp, privateNamespace, restoreUdp } from "../game/e2e/udp_cut.ts";
import { startLobbyProcess } from "../signal/testing/lobby_process.ts";
import { parseArgs, writeJson } from "./cli.ts";
import { type Reading, type ResumeCase, resumeCase, resumedAt } from "./resume_core.ts";

type Page = import("playwright").Page;

const OUTAGE_MS = 5000;
/** A try that has not resumed in this long counts as failed. */
const GIVE_UP_MS = 15_000;

interface DuetView {
  state: string;
  stats(): { confirmedFrame: number; session: string };
  checksum(f: number): number | undefined;
}
const read = (p: Page) =>
  p.evaluate(() => {
    const d = (globalThis as unknown as { duet?: DuetView }).duet;
    if (!d) return { state: "loading", confirmedFrame: -1, session: "" };
    const s = d.stats();
    return { state: d.state, confirmedFrame: s.confirmedFrame, session: s.session };
  }).catch(() => ({ state: "loading", confirmedFrame: -1, session: "" }));

/** Polls `pages` every 50 ms until `done` says when it resumed, or GIVE_UP_MS passes. */
async function watch(
  pages: Page[],
  t0: number,
  done: (readings: Reading[][]) => number | null,
): Promise<number | null> {
  const readings: Reading[][] = pages.map(() => []);
  while (performance.now() - t0 < GIVE_UP_MS) {
    const now = await Promise.all(pages.map(read));
    const t = performance.now() - t0;
    now.forEach((r, i) => readings[i].push({ t, ...r }));
    const at = done(readings);
    if (at !== null) return at;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

/** Both pages agree on the checksums of 20 confirmed frames spread over the match. */
async function agree(a: Page, b: Page): Promise<boolean> {
  const [ra, rb] = await Promise.all([read(a), read(b)]);
  const top = Math.min(ra.confirmedFrame, rb.confirmedFrame);
  if (top < 0) return false;
  const frames = Array.from({ length: 20 }, (_, i) => Math.floor((top * i) / 19));
  const sums = (p: Page) =>
    p.evaluate(
      (fs) => fs.map((f) => (globalThis as unknown as { duet: DuetView }).duet.checksum(f)),
      frames,
    );
  const [ca, cb] = await Promise.all([sums(a), sums(b)]);
  return ca.every((c, i) => typeof c === "number" && c === cb[i]);
}

/** Opens two bot pages that pair by quick match and waits until both play. */
async function openPair(
  browser: import("playwright").Browser,
  origin: string,
  permissions: string[],
  seed: number,
): Promise<Page[]> {
  const pages: Page[] = [];
  for (const i of [0, 1]) {
    const context = await browser.newContext({ permissions });
    const page = await context.newPage();
    await page.goto(`${origin}/?quick&bot=${seed + i}&name=Bench%20${i}&renderer=canvas`);
    // The first page's room must exist before the second quick-matches into it.
    await page.waitForFunction(
      () => (globalThis as unknown as { duet?: { room(): unknown } }).duet?.room() != null,
      null,
      { timeout: 20_000 },
    );
    pages.push(page);
  }
  for (const p of pages) {
    await p.waitForFunction(
      () => (globalThis as unknown as { duet?: DuetView }).duet?.state === "playing",
      null,
      { timeout: 30_000 },
    );
  }
  return pages;
}

async function closePair(pages: Page[]) {
  for (const p of pages) await p.context().close().catch(() => {});
}

async function outageTry(pages: Page[]): Promise<number | null> {
  const start = await Promise.all(pages.map(read));
  cutAllUdp();
  try {
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
  } finally {
    restoreUdp();
  }
  const t0 = performance.now();
  const base = Math.max(...start.map((r) => r.confirmedFrame));
  return await watch(pages, t0, (rs) => {
    const at = rs.map((r) => resumedAt(r, base));
    return at.every((x) => x !== null) ? Math.max(...(at as number[])) : null;
  });
}

async function reloadTry(pages: Page[]): Promise<number | null> {
  const [returner, survivor] = pages;
  const before = await read(survivor);
  const t0 = performance.now();
  // Not awaited: the page's load is part of what is timed.
  const reloading = returner.reload().catch(() => {});
  const at = await watch(
    [returner, survivor],
    t0,
    ([r]) => resumedAt(r.filter((x) => x.t > 0), before.confirmedFrame),
  );
  await reloading;
  if (at === null) return null;
  const after = await read(returner);
  return after.session === before.session ? at : null;
}

/** Runs both cases; a case that cannot run is reported in `errors`. */
export async function runResume(quick: boolean, port = 18_950) {
  const tries = quick ? 1 : 10;
  const errors: string[] = [];
  const cases: ResumeCase[] = [];
  const dist = Deno.env.get("BENCH_GAME_DIST");
  if (!dist) {
    errors.push("not measured: no built game (BENCH_GAME_DIST unset)");
    return { resume: { conditions: "", cases, errors } };
  }
  const { chromium } = await import("playwright");
  const config = (await import("../playwright.config.ts")).default;
  const permissions = config.use?.permissions ?? [];
  const lobby = await startLobbyProcess({
    PORT: String(port),
    LOG_LEVEL: "warn",
    STATIC_DIR: dist,
  });
  const browser = await chromium.launch({ ...(config.use?.launchOptions ?? {}), headless: true });
  let version = "";
  try {
    version = browser.version();
    for (const kind of ["outage", "reload"] as const) {
      if (kind === "outage" && !privateNamespace()) {
        errors.push("outage: not measured (needs root in a loopback-only network namespace)");
        continue;
      }
      const results: (number | null)[] = [];
      let inSync = true;
      let pages = await openPair(browser, lobby.http, permissions, 40);
      try {
        for (let i = 0; i < tries; i++) {
          await new Promise((r) => setTimeout(r, 2000));
          const ms = kind === "outage" ? await outageTry(pages) : await reloadTry(pages);
          results.push(ms === null ? null : Math.round(ms));
          console.error(
            `  resume ${kind} try ${i + 1}: ${
              ms === null ? "did not resume" : `${Math.round(ms)} ms`
            }`,
          );
          if (ms === null) {
            // The pairing is gone: later tries need a fresh one (and a reload that never resumes
            // will not start to on the next try).
            if (kind === "reload") break;
            await closePair(pages);
            pages = await openPair(browser, lobby.http, permissions, 50 + i * 2);
            continue;
          }
          if (!(await agree(pages[0], pages[1]))) inSync = false;
        }
      } catch (e) {
        errors.push(`${kind}: ${(e as Error).message}`);
      } finally {
        await closePair(pages);
      }
      if (results.some((x) => x === null) && kind === "reload") {
        errors.push("reload: a reloaded page did not come back into its match");
      }
      cases.push(resumeCase(kind, results, inSync));
    }
  } finally {
    await browser.close().catch(() => {});
    await lobby.stop();
  }
  for (const c of cases) {
    console.error(
      `  resume ${c.kind}: ${c.tries - c.failed}/${c.tries} resumed, p50 ${c.ms?.p50 ?? "-"} ms, ` +
        `p95 ${c.ms?.p95 ?? "-"} ms, checksums ${
          c.inSync === null ? "n/a" : c.inSync ? "agree" : "DIFFER"
        }`,
    );
  }
  return {
    resume: {
      conditions: `headless Chromium ${version}, two pages (own contexts) of the built example ` +
        `game with bots, quick-matched through a real lobby, loopback-only namespace; outage: all ` +
        `UDP dropped with iptables for ${OUTAGE_MS / 1000} s, ms from its end until both pages ` +
        `confirm 30 new frames; reload: page.reload() of one page, ms until it is playing in the ` +
        `same session 30 confirmed frames past the survivor's frame at the reload; ${tries} tries ` +
        `each, 2 s of play between tries, a try not resumed within ${GIVE_UP_MS / 1000} s failed`,
      chromium: version,
      cases,
      errors,
    },
  };
}

if (import.meta.main) {
  const a = parseArgs(Deno.args);
  await writeJson(a.out, await runResume(a.quick));
}
