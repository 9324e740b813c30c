// The Phaser game in two real Chromium pages against the real lobby: bots play over WebRTC (clean
// and impaired by the seeded simulator) and must agree on every confirmed frame sampled; the lobby
// lists a room created elsewhere within a second and pairs by click; closing a page ends the other
// page's match with a "peer left" screen. Screenshots of the lobby and of a match with the network
// overlay are saved under test-results/ (and attached to the report).
import { expect, type Page, type TestInfo } from "@playwright/test";
import { type GamePageFixtures, test } from "./game_pages.ts";
import type {} from "../examples/air_hockey/app/automation.ts"; // declares globalThis.duet
import { Buffer } from "node:buffer";

const PLAY_MS = 10_000;

// 10 s of play plus connecting, on a shared two-core machine: more than the config's default.
test.describe.configure({ timeout: 90_000 });

const state = (page: Page) => page.evaluate(() => globalThis.duet.state);

async function waitForState(page: Page, want: string, timeout = 15_000): Promise<void> {
  await expect.poll(() => state(page), { timeout, message: `waiting for ${want}` }).toBe(want);
}

/** Checksums of `frames` on a page (null for frames it does not know). */
function checksums(page: Page, frames: number[]): Promise<(number | null)[]> {
  return page.evaluate((fs) => fs.map((f) => globalThis.duet.checksum(f)), frames);
}

/** Two bots play for PLAY_MS; their confirmed frames must match, sampled across the match. */
async function botMatch(
  openGame: GamePageFixtures["openGame"],
  sim: string,
  testInfo: TestInfo,
  screenshot: string | null,
): Promise<void> {
  const extra = sim ? `&sim=${sim}` : "";
  // Headless Chromium draws WebGL in software (SwiftShader) at a high CPU cost that starves the
  // pages' event loops on a small CI machine; Canvas is much cheaper. The page that takes the
  // screenshot keeps Phaser's automatic choice (WebGL), so both renderers are exercised, in the
  // same match.
  const a = await openGame(
    `?quick&bot=1&name=Bot%20One${extra}${screenshot ? "&overlay" : "&renderer=canvas"}`,
    "bot 1",
  );
  // The first page's quick match creates the room; the second one's finds it.
  await expect.poll(() => a.evaluate(() => globalThis.duet.room() !== null)).toBe(true);
  const b = await openGame(`?quick&bot=2&name=Bot%20Two${extra}&renderer=canvas`, "bot 2");
  await Promise.all([waitForState(a, "playing"), waitForState(b, "playing")]);
  const players = await Promise.all(
    [a, b].map((p) => p.evaluate(() => globalThis.duet.stats().player)),
  );
  expect(players.sort()).toEqual([0, 1]);

  // The overlay key works on the page that started without it.
  expect(await b.evaluate(() => globalThis.duet.overlay())).toBe(false);
  await b.keyboard.press("F3");
  expect(await b.evaluate(() => globalThis.duet.overlay())).toBe(true);
  // The package's DOM overlay (duet-netcode/ui) with the match's live numbers.
  await expect(b.getByTestId("net-overlay")).toBeVisible();
  await expect(b.getByTestId("net-overlay").locator("[data-stat=rtt]")).toHaveText(/^\d+\.\d ms$/);
  await b.keyboard.press("Backquote");
  expect(await b.evaluate(() => globalThis.duet.overlay())).toBe(false);
  await expect(b.getByTestId("net-overlay")).toBeHidden();

  await a.waitForTimeout(PLAY_MS / 2);
  if (screenshot) {
    const path = testInfo.outputPath(screenshot);
    await a.screenshot({ path });
    await testInfo.attach(screenshot, { path, contentType: "image/png" });
  }
  await a.waitForTimeout(PLAY_MS / 2);

  const [sa, sb] = await Promise.all([a, b].map((p) => p.evaluate(() => globalThis.duet.stats())));
  expect(await state(a)).toBe("playing"); // a bot match lasts at least a minute
  const confirmed = Math.min(sa.confirmedFrame, sb.confirmedFrame);
  // 60 Hz for 10 s is 600 frames; leave room for a slow shared CI machine and for stalls.
  expect(confirmed).toBeGreaterThan(300);
  const frames = Array.from({ length: 40 }, (_, i) => Math.floor((confirmed * i) / 39));
  const [ca, cb] = await Promise.all([checksums(a, frames), checksums(b, frames)]);
  expect(ca.every((c) => typeof c === "number")).toBe(true);
  expect(ca).toEqual(cb);
  expect(sa.desyncs + sb.desyncs).toBe(0);
  // The match really moved: the sampled states are not all the same.
  expect(new Set(ca).size).toBeGreaterThan(30);
  if (sim) {
    expect(sa.rollbacks + sb.rollbacks).toBeGreaterThan(0);
    expect(sa.packetsLost + sb.packetsLost).toBeGreaterThan(0);
  }
  await testInfo.attach("stats", { body: JSON.stringify({ a: sa, b: sb }, null, 2) });
}

test("two bots quick-match, play 10 s and agree on every sampled confirmed frame", async (
  { openGame },
  testInfo,
) => {
  await botMatch(openGame, "", testInfo, "match-overlay.png");
});

test("the same under 15% loss, 40 ms delay and 10 ms jitter", async ({ openGame }, testInfo) => {
  await botMatch(openGame, "loss:15,delay:40,jitter:10", testInfo, null);
});

test(
  "the lobby lists another page's room within a second; a click pairs; closing a page ends the other's match",
  async (
    { openGame },
    testInfo,
  ) => {
    const alice = await openGame("?name=Alice", "alice");
    const bob = await openGame("?name=Bob&renderer=canvas", "bob");
    const carol = await openGame("?name=Carol&renderer=canvas", "carol");
    await expect(alice.getByTestId("lobby-status")).toHaveText(/Connected/);
    await expect(bob.getByTestId("lobby-status")).toHaveText(/Connected/);

    // A locked room: listed with a lock, and a wrong password gets a clear message.
    const carolForm = carol.getByTestId("create-room");
    await carolForm.locator("input[name=room-name]").fill("Carol's locked room");
    await carolForm.locator("input[name=password]").fill("hunter2");
    await carolForm.locator("button[type=submit]").click();
    const locked = alice.getByTestId("room").filter({ hasText: "Carol's locked room" });
    await expect(locked.locator(".lock")).toHaveAttribute("aria-label", "locked");

    // Timed inside the pages (both read the same wall clock), not through Playwright's round
    // trips, which on a loaded CI machine can take longer than the second being measured.
    await alice.evaluate(() => {
      const list = document.querySelector("[data-testid=room-list]")!;
      const seen = globalThis as unknown as { roomSeenAt?: number };
      new MutationObserver(() => {
        const rows = [...list.querySelectorAll("[data-testid=room]")];
        if (!seen.roomSeenAt && rows.some((r) => r.textContent?.includes("Bob's rink"))) {
          seen.roomSeenAt = Date.now();
        }
      }).observe(list, { childList: true, subtree: true });
    });
    await bob.locator("[data-testid=create-room] input[name=room-name]").fill("Bob's rink");
    const createdAt = await bob.evaluate(() => {
      document.querySelector<HTMLButtonElement>("[data-testid=create-room] button[type=submit]")!
        .click();
      return Date.now();
    });
    await expect(bob.getByTestId("waiting")).toBeVisible();
    const row = alice.getByTestId("room").filter({ hasText: "Bob's rink" });
    await expect(row).toBeVisible();
    await expect(row).toContainText("1/2");
    const seenAt = await alice.evaluate(() =>
      (globalThis as unknown as { roomSeenAt?: number }).roomSeenAt
    );
    expect(seenAt).toBeDefined();
    expect(seenAt! - createdAt).toBeLessThan(1_000);
    await testInfo.attach("room listed after (ms)", { body: String(seenAt! - createdAt) });

    const lobbyShot = testInfo.outputPath("lobby.png");
    await alice.screenshot({ path: lobbyShot });
    await testInfo.attach("lobby.png", { path: lobbyShot, contentType: "image/png" });

    await locked.click();
    await alice.getByTestId("password-input").fill("wrong");
    await alice.getByTestId("password-input").press("Enter");
    await expect(alice.getByTestId("lobby-message")).toHaveText(/Wrong password/);
    await alice.getByRole("button", { name: "Cancel" }).click();

    await row.click();
    await Promise.all([waitForState(alice, "playing"), waitForState(bob, "playing")]);
    const [pa, pb] = await Promise.all(
      [alice, bob].map((p) => p.evaluate(() => globalThis.duet.stats().player)),
    );
    expect([pa, pb].sort()).toEqual([0, 1]);
    await alice.waitForTimeout(1_000);

    await bob.close();
    const end = alice.getByTestId("end-screen");
    await expect(end).toBeVisible({ timeout: 10_000 });
    await expect(end).toContainText(/left/i);
    expect(await state(alice)).toBe("ended");
    const endShot = testInfo.outputPath("peer-left.png");
    await alice.screenshot({ path: endShot });
    await testInfo.attach("peer-left.png", { path: endShot, contentType: "image/png" });

    // Back to the lobby: the lobby works again.
    await alice.getByTestId("back-to-lobby").click();
    await waitForState(alice, "lobby");
    await expect(alice.getByTestId("lobby-status")).toHaveText(/Connected/);
  },
);

test("a private room stays out of the list and its invite code joins it through ?room=", async ({ openGame }) => {
  const host = await openGame("?name=Host&renderer=canvas", "host");
  const watcher = await openGame("?name=Watcher&renderer=canvas", "watcher");
  await expect(host.getByTestId("lobby-status")).toHaveText(/Connected/);
  await expect(watcher.getByTestId("lobby-status")).toHaveText(/Connected/);

  const form = host.getByTestId("create-room");
  await form.locator("input[name=room-name]").fill("Secret rink");
  // As a person would: the switch's label, not the (visually covered) checkbox itself.
  await form.getByText("Private (invite only)").click();
  await expect(form.locator("input[name=private]")).toBeChecked();
  await form.locator("button[type=submit]").click();
  const invite = host.getByTestId("invite-code");
  await expect(invite).toBeVisible();
  const code = (await invite.textContent())!.trim();
  expect(code).toBe(await host.evaluate(() => globalThis.duet.room()?.code));
  expect(code.length).toBeGreaterThanOrEqual(16);

  // Never listed: neither to another page nor on the HTTP API.
  await watcher.waitForTimeout(500);
  await expect(watcher.getByTestId("room").filter({ hasText: "Secret rink" })).toHaveCount(0);
  const listed = await watcher.evaluate(() => fetch("/api/rooms").then((r) => r.text()));
  expect(listed).not.toContain("Secret rink");

  const guest = await openGame(`?name=Guest&renderer=canvas&room=${code}`, "guest");
  await Promise.all([waitForState(host, "playing"), waitForState(guest, "playing")]);
  expect(await watcher.evaluate(() => globalThis.duet.state)).toBe("lobby");
});

test("a match's replay, served back through ?replay=, reproduces its checksums; a damaged file is an error on the page", async ({ openGame, browser, baseURL }) => {
  const a = await openGame("?quick&bot=5&name=Rec%20One&renderer=canvas", "bot 1");
  await expect.poll(() => a.evaluate(() => globalThis.duet.room() !== null)).toBe(true);
  const b = await openGame("?quick&bot=6&name=Rec%20Two&renderer=canvas", "bot 2");
  await Promise.all([waitForState(a, "playing"), waitForState(b, "playing")]);
  await a.waitForTimeout(5_000);
  const bytes = await a.evaluate(() => Array.from(globalThis.duet.replay() ?? []));
  expect(bytes.length).toBeGreaterThan(20);
  const confirmed = await a.evaluate(() => globalThis.duet.stats().confirmedFrame);
  const frames = Array.from({ length: 20 }, (_, i) => Math.floor((confirmed * i) / 20));
  const want = await checksums(a, frames);
  expect(want.every((c) => typeof c === "number")).toBe(true);

  const context = await browser.newContext({ baseURL });
  try {
    const good = new Uint8Array(bytes);
    const damaged = good.slice();
    damaged[damaged.length - 9] ^= 0x40;
    await context.route("**/replays/good.duet", (r) => r.fulfill({ body: Buffer.from(good) }));
    await context.route("**/replays/bad.duet", (r) => r.fulfill({ body: Buffer.from(damaged) }));
    const viewer = await context.newPage();
    await viewer.goto("/?replay=/replays/good.duet&renderer=canvas");
    await expect(viewer.getByTestId("replay-controls")).toBeVisible({ timeout: 15_000 });
    expect(await viewer.evaluate(() => globalThis.duet.mode)).toBe("replay");
    expect(await viewer.evaluate(() => globalThis.duet.state)).toBe("playing");
    await viewer.getByTestId("replay-speed").selectOption("4");
    const last = frames[frames.length - 1];
    await expect.poll(() => viewer.evaluate((f) => globalThis.duet.checksum(f), last), {
      timeout: 30_000,
    }).not.toBeNull();
    expect(await checksums(viewer, frames)).toEqual(want);
    // At 4x the replay may already be over, so wait for its end, then play it again slowly,
    // pause, and the seek bar jumps back to the start (a click on a stale "Play again" label
    // would restart it instead of pausing).
    const play = viewer.getByTestId("replay-play");
    await expect(play).toHaveText("Play again", { timeout: 30_000 });
    await viewer.getByTestId("replay-speed").selectOption("0.25");
    await play.click();
    await expect(play).toHaveText("Pause");
    await play.click();
    await expect(play).toHaveText("Play");
    await viewer.getByTestId("replay-seek").fill("30");
    await expect(viewer.getByTestId("replay-frame")).toContainText("0:00 /");
    await expect(play).toHaveText("Play");

    const broken = await context.newPage();
    await broken.goto("/?replay=/replays/bad.duet&renderer=canvas");
    await expect(broken.getByTestId("replay-error")).toContainText(/damaged/);
    const missing = await context.newPage();
    await missing.goto("/?replay=/replays/none.duet&renderer=canvas");
    await expect(missing.getByTestId("replay-error")).toContainText(/HTTP 404|not a duet replay/);
  } finally {
    await context.close();
  }
});
