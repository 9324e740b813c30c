/**
 * A short bot match between two {@link LabPage}s of the game (any browsers, anywhere in a lab):
 * quick match, both `playing`, a few seconds of confirmed frames, and the checksums of a sample of
 * them compared. It does not wait for the match to end (a bot match runs 75 s): agreeing on a few
 * hundred confirmed frames over the path under test is the point.
 *
 * @module
 */
import { expect, type TestInfo } from "@playwright/test";
import type {} from "../examples/air_hockey/app/automation.ts"; // declares globalThis.duet
import type { DuetStats } from "../examples/air_hockey/app/automation.ts";
import type { LabPage } from "./lab_browsers.ts";
import type { NetLab } from "./net_lab.ts";

/** Confirmed frames both sides must reach before the checksums are compared (5 s at 60 Hz). */
export const CONFIRMED_FRAMES = 300;

/** What a finished sample of a match shows. */
export interface LabMatchResult {
  stats: [DuetStats, DuetStats];
  /** Milliseconds from opening the second page to both pages `playing`. */
  connectMs: number;
}

const duetState = (p: LabPage) => p.evaluate(() => globalThis.duet?.state ?? "loading", null);

/** Waits for a page's `duet.state`; the failure message carries what the page says. */
export async function waitForDuetState(p: LabPage, want: string, timeout = 20_000) {
  await expect.poll(() => duetState(p), {
    timeout,
    message: `${p.label} waiting for ${want}`,
  }).toBe(want).catch(async (e) => {
    const msg = await p.evaluate(() => globalThis.duet?.message ?? null, null).catch(() => null);
    throw new Error(`${(e as Error).message}\n${p.label} says: ${msg}`);
  });
}

/** Opens the game on both pages (bots, Canvas renderer, quick match) and waits for `playing`. */
export async function startBotMatch(
  lobbyHttp: string,
  a: LabPage,
  b: LabPage,
): Promise<{ connectMs: number }> {
  const query = (n: number) => `?quick&bot=${n}&name=Bot%20${n}&renderer=canvas`;
  await a.goto(`${lobbyHttp}/${query(1)}`);
  // The first page's quick match creates the room; the second one's joins it.
  await expect.poll(() => a.evaluate(() => globalThis.duet?.room() != null, null), {
    message: `${a.label} waiting for its room`,
  }).toBe(true);
  const began = Date.now();
  await b.goto(`${lobbyHttp}/${query(2)}`);
  await Promise.all([waitForDuetState(a, "playing"), waitForDuetState(b, "playing")]);
  return { connectMs: Date.now() - began };
}

/** Both pages' stats. */
export function statsOf(a: LabPage, b: LabPage): Promise<[DuetStats, DuetStats]> {
  return Promise.all([a, b].map((p) => p.evaluate(() => globalThis.duet.stats(), null))) as Promise<
    [DuetStats, DuetStats]
  >;
}

/**
 * Lets the bots play until both confirmed `upTo` frames (default {@link CONFIRMED_FRAMES}), then
 * checks that both pages agree on the checksums of frames sampled across them, and that the match
 * really moved.
 */
export async function playAndCompare(
  a: LabPage,
  b: LabPage,
  upTo = CONFIRMED_FRAMES,
): Promise<[DuetStats, DuetStats]> {
  await expect.poll(async () => {
    const [sa, sb] = await statsOf(a, b);
    return Math.min(sa.confirmedFrame, sb.confirmedFrame);
  }, { timeout: 30_000, message: "both sides confirming frames" }).toBeGreaterThanOrEqual(upTo);
  const frames = Array.from({ length: 30 }, (_, i) => Math.floor((upTo * i) / 29));
  const sums = (p: LabPage) =>
    p.evaluate((fs) => fs.map((f) => globalThis.duet.checksum(f)), frames);
  const [ca, cb] = await Promise.all([sums(a), sums(b)]);
  expect(ca.every((c) => typeof c === "number")).toBe(true);
  expect(ca).toEqual(cb);
  // The puck and the bots moved: the sampled states are not all alike.
  expect(new Set(ca).size).toBeGreaterThan(20);
  const stats = await statsOf(a, b);
  expect(stats[0].desyncs + stats[1].desyncs).toBe(0);
  expect(stats.map((s) => s.state)).toEqual(["playing", "playing"]);
  return stats;
}

/**
 * Mid-match, cuts the direct path between the homes (the pair must be direct), waits until both
 * pages report a relayed path, and checks that the match went on: still `playing`, and another
 * {@link CONFIRMED_FRAMES} frames confirmed and agreed on after the cut. Returns how long the
 * switch took (cut to both pages relayed, as seen by polling).
 */
export async function cutDirectAndRecover(lab: NetLab, a: LabPage, b: LabPage): Promise<number> {
  // On a loaded machine ICE may report its relay pair first (seen in CI: the direct pair's checks
  // lagged): give it the time it takes to settle on direct, then insist on it.
  await expect.poll(async () => (await statsOf(a, b)).map((s) => s.path?.kind), {
    timeout: 10_000,
    message: "both pages on the direct path before the cut",
  }).toEqual(["direct", "direct"]);
  const before = await statsOf(a, b);
  expect(before.map((s) => s.path?.kind)).toEqual(["direct", "direct"]);
  const cutAt = Date.now();
  lab.cutDirect(true);
  await expect.poll(async () => (await statsOf(a, b)).map((s) => s.path?.kind), {
    timeout: 15_000,
    message: "both pages moving to the relay",
  }).toEqual(["relay", "relay"]);
  const switchMs = Date.now() - cutAt;
  const confirmed = Math.max(before[0].confirmedFrame, before[1].confirmedFrame);
  await playAndCompare(a, b, confirmed + CONFIRMED_FRAMES);
  return switchMs;
}

/**
 * A lab spec's teardown: when the test failed, attaches each page's `window.duet` state (and
 * `extra`, e.g. coturn's log) to the report; then closes every page.
 */
export async function closeLabPages(
  pages: LabPage[],
  testInfo: TestInfo,
  extra: Record<string, () => string> = {},
): Promise<void> {
  if (testInfo.status !== testInfo.expectedStatus) {
    for (const p of pages) {
      const s = await p.evaluate(() => ({
        state: globalThis.duet?.state,
        message: globalThis.duet?.message,
        stats: globalThis.duet?.stats(),
      }), null).catch((e) => String(e));
      await testInfo.attach(`${p.label} state`, { body: JSON.stringify(s, null, 2) });
    }
    for (const [name, body] of Object.entries(extra)) await testInfo.attach(name, { body: body() });
  }
  await Promise.all(pages.map((p) => p.close()));
}
