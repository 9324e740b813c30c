// Matches that survive a dropped link (issue 13): all UDP (the DataChannels; the lobby's
// WebSocket is TCP) is dropped with iptables inside the test's private network namespace while two
// bot pages play. A 5 s outage pauses both and the match goes on with the same checksums; one
// longer than the grace period ends it on both sides with the reason.
import { expect, type Page } from "@playwright/test";
import type {} from "../examples/air_hockey/app/automation.ts"; // declares globalThis.duet
import { botPair } from "./game_pages.ts";
import { cutAllUdp, NEEDS_NAMESPACE, privateNamespace, restoreUdp } from "./udp_cut.ts";

const test = botPair(["?quick&bot=21&name=Out%20A", "?quick&bot=22&name=Out%20B"], restoreUdp);

test.describe.configure({ timeout: 120_000 });
test.skip(!privateNamespace(), NEEDS_NAMESPACE);

const stats = (p: Page) => p.evaluate(() => globalThis.duet.stats());

test("a 5 s outage pauses both pages, neither leaves playing, and the match goes on in sync", async ({ pair }) => {
  const [a, b] = pair;
  await a.waitForTimeout(3000);
  const before = (await stats(a)).frame;
  cutAllUdp();
  const states = new Set<string>();
  for (let t = 0; t < 5000; t += 500) {
    await a.waitForTimeout(500);
    for (const p of pair) states.add(await p.evaluate(() => globalThis.duet.state));
  }
  const during = (await stats(a)).frame;
  restoreUdp();
  expect([...states]).toEqual(["playing"]);
  expect(during - before).toBeLessThan(120); // paused, not running on alone
  await expect.poll(async () => (await stats(a)).confirmedFrame, { timeout: 20_000 })
    .toBeGreaterThan(during + 120);
  for (const p of pair) expect(await p.evaluate(() => globalThis.duet.state)).toBe("playing");
  const confirmed = Math.min((await stats(a)).confirmedFrame, (await stats(b)).confirmedFrame);
  const frames = Array.from({ length: 30 }, (_, i) => Math.floor((confirmed * i) / 29));
  const sums = (p: Page) => p.evaluate((fs) => fs.map((f) => globalThis.duet.checksum(f)), frames);
  const [ca, cb] = await Promise.all([sums(a), sums(b)]);
  expect(ca.every((c) => typeof c === "number")).toBe(true);
  expect(ca).toEqual(cb);
});

test("an outage past the grace period ends the match on both pages with the reason", async ({ pair }) => {
  const [a, b] = pair;
  await a.waitForTimeout(2000);
  cutAllUdp();
  await a.waitForTimeout(10_000);
  for (const p of pair) expect(await p.evaluate(() => globalThis.duet.state)).toBe("playing");
  for (const p of [a, b]) {
    await expect.poll(() => p.evaluate(() => globalThis.duet.state), { timeout: 30_000 })
      .toBe("ended");
    expect(await p.evaluate(() => globalThis.duet.message)).toMatch(/Lost the connection/);
  }
});
