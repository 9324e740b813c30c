// Spectators in real Chromium pages against the real lobby: two bots play air hockey; a third page
// watches from the start through the lobby screen's Watch button (pressed from the keyboard), a
// fourth joins 20 s into the match with ?watch=ROOM and must catch up. Both spectators' checksums
// equal the players' at sampled confirmed frames, and a player leaving ends the watching with the
// end screen. One match serves every check, so the spec costs one match.
import { expect, type Page } from "@playwright/test";
import { test } from "./game_pages.ts";
import type {} from "../examples/air_hockey/app/automation.ts"; // declares globalThis.duet

// 20 s of play before the late spectator, then its catch-up, on a shared two-core machine.
test.describe.configure({ timeout: 120_000 });

const state = (page: Page) => page.evaluate(() => globalThis.duet.state);
const confirmedFrame = (page: Page) => page.evaluate(() => globalThis.duet.stats().confirmedFrame);

async function waitForState(page: Page, want: string, timeout = 20_000): Promise<void> {
  await expect.poll(() => state(page), { timeout, message: `waiting for ${want}` }).toBe(want);
}

function checksums(page: Page, frames: number[]): Promise<(number | null)[]> {
  return page.evaluate((fs) => fs.map((f) => globalThis.duet.checksum(f)), frames);
}

/** Checksums of `spectator` equal the players' at 30 frames up to what all of them confirmed. */
async function sameAsPlayers(spectator: Page, players: Page[]): Promise<number> {
  const confirmed = Math.min(
    ...(await Promise.all([spectator, ...players].map(confirmedFrame))),
  );
  const frames = Array.from({ length: 30 }, (_, i) => Math.floor((confirmed * i) / 29));
  const [want, other, got] = await Promise.all(
    [...players, spectator].map((p) => checksums(p, frames)),
  );
  expect(want.every((c) => typeof c === "number")).toBe(true);
  expect(other).toEqual(want);
  expect(got).toEqual(want);
  expect(new Set(got).size).toBeGreaterThan(20);
  return confirmed;
}

test(
  "spectators: Watch from the lobby and a late ?watch= both follow the match to the players' checksums, and see its end",
  async ({ openGame }, testInfo) => {
    const started = performance.now();
    const a = await openGame("?quick&bot=21&name=Left%20Bot&renderer=canvas", "bot 1");
    await expect.poll(() => a.evaluate(() => globalThis.duet.room() !== null)).toBe(true);
    const b = await openGame("?quick&bot=22&name=Right%20Bot&renderer=canvas", "bot 2");
    await Promise.all([waitForState(a, "playing"), waitForState(b, "playing")]);
    const room = await a.evaluate(() => globalThis.duet.room()!.room);
    const matchStart = performance.now();

    // From the lobby screen: the playing room has a labelled Watch button, reached by keyboard.
    const early = await openGame("?renderer=canvas&name=Early%20Fan", "spectator 1");
    const watch = early.getByRole("button", { name: `Watch ${room.name}` });
    await expect(watch).toBeVisible({ timeout: 15_000 });
    await watch.focus();
    await early.keyboard.press("Enter");
    await waitForState(early, "playing");
    expect(await early.evaluate(() => globalThis.duet.mode)).toBe("spectator");
    expect(await a.evaluate(() => globalThis.duet.mode)).toBe("player");
    // The room list counts the spectator.
    await expect.poll(
      () =>
        a.evaluate((id) => globalThis.duet.rooms().find((r) => r.id === id)?.spectators, room.id),
    ).toBe(1);

    // 20 s into the match, a spectator arrives by URL and must catch up with the live edge.
    await a.waitForTimeout(Math.max(0, 20_000 - (performance.now() - matchStart)));
    const late = await openGame(`?watch=${room.id}&renderer=canvas`, "spectator 2");
    const arrived = performance.now();
    await waitForState(late, "playing");
    const edge = await confirmedFrame(a);
    expect(edge).toBeGreaterThan(600);
    // Caught up: within a second of play of the players' confirmed frame as it was on arrival.
    await expect.poll(() => confirmedFrame(late), { timeout: 20_000 }).toBeGreaterThan(edge - 60);
    const catchUpS = (performance.now() - arrived) / 1000;
    // Then it follows a few frames behind, not drifting away.
    await late.waitForTimeout(3_000);
    const [lead, behind] = await Promise.all([confirmedFrame(a), confirmedFrame(late)]);
    expect(lead - behind).toBeLessThan(120);

    const frames = {
      early: await sameAsPlayers(early, [a, b]),
      late: await sameAsPlayers(late, [a, b]),
    };

    // A player leaves: both spectators play out what they got, then the end screen says why.
    await b.close();
    for (const s of [early, late]) {
      await expect(s.getByTestId("end-screen")).toBeVisible({ timeout: 15_000 });
      await expect(s.getByTestId("end-message")).toContainText(/left/);
      expect(await state(s)).toBe("ended");
    }
    await expect(late.getByTestId("back-to-lobby")).toBeVisible();
    const seconds = (performance.now() - started) / 1000;
    await testInfo.attach("spectate timings", {
      body: JSON.stringify({ catchUpS, confirmedCompared: frames, specSeconds: seconds }, null, 2),
    });
    console.log(
      `spectate: late spectator caught up in ${catchUpS.toFixed(1)} s; frames compared up to ` +
        `${frames.early} / ${frames.late}; spec ${seconds.toFixed(1)} s`,
    );
  },
);

test("a locked room's match is watched with its password: Watch asks for it, a wrong one is refused", async ({ openGame }) => {
  const host = await openGame("?name=Lock&renderer=canvas", "host");
  const guest = await openGame("?name=Key&renderer=canvas", "guest");
  const form = host.getByTestId("create-room");
  await form.getByLabel("Room name").fill("Vault");
  await form.getByLabel("Password").fill("hunter2");
  await form.getByRole("button", { name: "Create room" }).click();
  await expect(host.getByTestId("waiting")).toBeVisible();
  await guest.getByTestId("room").filter({ hasText: "Vault" }).click();
  await guest.getByTestId("password-input").fill("hunter2");
  await guest.keyboard.press("Enter");
  await Promise.all([waitForState(host, "playing"), waitForState(guest, "playing")]);

  const fan = await openGame("?name=Fan&renderer=canvas", "spectator");
  const watch = fan.getByRole("button", { name: "Watch Vault (password needed)" });
  await expect(watch).toBeVisible({ timeout: 15_000 });
  await watch.click();
  const dialog = fan.getByRole("dialog");
  await expect(dialog).toContainText("Enter its password to watch.");
  await fan.getByTestId("password-input").fill("nope");
  await dialog.getByRole("button", { name: "Watch" }).click();
  await expect(fan.getByTestId("end-message")).toContainText(/wrong password/i);
  expect(await state(fan)).not.toBe("playing");
  await fan.getByTestId("back-to-lobby").click();
  await fan.getByRole("button", { name: "Watch Vault (password needed)" }).click();
  await fan.getByTestId("password-input").fill("hunter2");
  await fan.keyboard.press("Enter");
  await waitForState(fan, "playing");
  expect(await fan.evaluate(() => globalThis.duet.mode)).toBe("spectator");
  await expect.poll(() => confirmedFrame(fan), { timeout: 15_000 }).toBeGreaterThan(60);
  await sameAsPlayers(fan, [host, guest]);
});
