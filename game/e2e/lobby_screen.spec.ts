// The package's lobby screen and network overlay (duet-netcode/ui) in real Chromium pages on the
// real lobby, driven only through the DOM as a player would (clicks, typing, Tab and Enter), on a
// game page that imports nothing but the package (game/e2e/lobby_screen.html). Screenshots of the
// lobby, the password dialog, the waiting card and the overlay are attached to the report.
import { type Browser, expect, type Page, test as base, type TestInfo } from "@playwright/test";
import { PLAYER_PERMISSIONS } from "./fixtures.ts";
import { freePort, startLobby } from "./services.ts";

interface Fixtures {
  /** Opens the test game page (own browser context: own storage, like another person). */
  open: (query?: string) => Promise<Page>;
}

const test = base.extend<Fixtures>({
  open: async ({ browser, baseURL }, use) => {
    await lobbyIdle(baseURL!);
    const pages: Page[] = [];
    await use((query = "") => openPage(browser, baseURL!, query, pages));
    for (const p of pages) await p.context().close();
  },
});

async function openPage(browser: Browser, baseURL: string, query: string, pages: Page[]) {
  const context = await browser.newContext({
    baseURL,
    permissions: PLAYER_PERMISSIONS,
    viewport: { width: 1100, height: 720 },
  });
  const page = await context.newPage();
  pages.push(page);
  const label = `page ${pages.length}`;
  page.on("pageerror", (e) => console.error(`[${label}] page error: ${e.message}`));
  await page.goto(`/e2e/lobby_screen.html${query}`);
  await expect(page.getByTestId("lobby-status")).toHaveText(/Connected/);
  return page;
}

/** Rooms left by an earlier test would show up in this one's list or pair with its quick match. */
async function lobbyIdle(baseURL: string): Promise<void> {
  await expect.poll(async () => {
    const res = await fetch(new URL("/api/rooms", baseURL));
    return ((await res.json()) as { rooms: unknown[] }).rooms.length;
  }, { message: "rooms left over from an earlier test", timeout: 10_000 }).toBe(0);
}

async function shot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(name);
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

const match = (page: Page) => page.getByTestId("match");

async function createRoom(page: Page, name: string, opts: { password?: string; priv?: boolean }) {
  const form = page.getByTestId("create-room");
  await form.getByLabel("Room name").fill(name);
  if (opts.priv) await form.getByText("Private (invite only)").click();
  if (opts.password) await form.getByLabel("Password").fill(opts.password);
  await form.getByRole("button", { name: "Create room" }).click();
  await expect(page.getByTestId("waiting")).toBeVisible();
}

test("a public room created on one page is listed on another, and a click on it pairs them", async (
  { open },
  testInfo,
) => {
  const host = await open("?name=Hana");
  const guest = await open("?name=Gil");
  await expect(guest.getByTestId("room-list")).toContainText("No rooms yet");
  await createRoom(host, "Hana's table", {});
  await expect(host.getByTestId("waiting")).toContainText("Hana's table");
  await expect(host.getByTestId("leave-room")).toBeFocused();
  await shot(host, testInfo, "lobby-waiting.png");

  const row = guest.getByTestId("room").filter({ hasText: "Hana's table" });
  await expect(row).toContainText("1/2");
  await expect(row.getByRole("button")).toHaveAccessibleName(/Hana's table, 1 of 2 players: join/);
  await expect(guest.getByTestId("lobby-status")).toHaveAttribute("aria-live", "polite");
  await shot(guest, testInfo, "lobby.png");
  await row.click();
  await expect(match(guest)).toContainText("Playing against Hana");
  await expect(match(host)).toContainText("Playing against Gil");
  await expect(guest.getByTestId("lobby")).toBeHidden();

  await expect(guest.getByTestId("frame")).not.toHaveText("0"); // the match runs

  // Leaving shows the screen again, working; the other side is back in the lobby with the reason.
  await guest.getByTestId("leave-match").click();
  await expect(guest.getByTestId("lobby")).toBeVisible();
  await expect(guest.getByTestId("quick-match")).toBeEnabled();
  await expect(host.getByTestId("lobby")).toBeVisible();
  await expect(host.getByTestId("lobby-message")).toHaveText("Your opponent left the match.");
  await expect(host.getByTestId("quick-match")).toBeEnabled();
  await expect(host.getByTestId("quick-match")).toBeFocused();
});

test(
  "a locked room asks for its password: a wrong one is said in words, the right one joins",
  async (
    { open },
    testInfo,
  ) => {
    const host = await open("?name=Lock");
    const guest = await open("?name=Key");
    await createRoom(host, "Vault", { password: "hunter2" });
    const row = guest.getByTestId("room").filter({ hasText: "Vault" });
    await expect(row.locator(".lock")).toHaveAttribute("aria-label", "locked");
    await row.click();
    const dialog = guest.getByRole("dialog");
    await expect(dialog).toContainText("“Vault” is locked");
    await expect(guest.getByTestId("password-input")).toBeFocused();
    await guest.getByLabel("Room password").fill("wrong");
    await guest.keyboard.press("Enter");
    await expect(guest.getByTestId("lobby-message")).toHaveText("Wrong password for that room.");
    await expect(dialog).toContainText("Wrong password, try again.");
    await shot(guest, testInfo, "password-dialog.png");
    // Escape closes the dialog and gives focus back; the row opens it again.
    await guest.keyboard.press("Escape");
    await expect(dialog).toHaveCount(0);
    await row.click();
    await guest.getByTestId("password-input").fill("hunter2");
    await dialog.getByRole("button", { name: "Join" }).click();
    await expect(match(guest)).toContainText("Playing against Lock");
    await expect(match(host)).toContainText("Playing against Key");
  },
);

test(
  "a private room is never listed; its invite link joins it, and so does its code typed in",
  async (
    { open },
    testInfo,
  ) => {
    const host = await open("?name=Priv");
    const other = await open("?name=Other");
    await createRoom(host, "Hidden den", { priv: true });
    const code = (await host.getByTestId("invite-code").textContent())!.trim();
    expect(code.length).toBeGreaterThanOrEqual(16);
    const link = await host.getByTestId("invite-link").inputValue();
    expect(new URL(link).searchParams.get("room")).toBe(code);
    expect(new URL(link).searchParams.has("name")).toBe(false);
    await expect(host.getByTestId("copy-invite")).toBeFocused();
    await host.getByTestId("copy-invite").click();
    await expect(host.getByTestId("lobby-message")).toContainText(/link/);
    await shot(host, testInfo, "private-room.png");
    await other.waitForTimeout(300);
    await expect(other.getByTestId("room")).toHaveCount(0);

    // The invite link, opened as the other player would.
    const guest = await other.context().browser()!.newContext({ permissions: PLAYER_PERMISSIONS });
    try {
      const page = await guest.newPage();
      await page.goto(link);
      await expect(match(page)).toContainText("Playing against Priv");
      await expect(match(host)).toBeVisible();
    } finally {
      await guest.close();
    }

    // A second private room, joined by typing its code (a pasted link works the same way).
    await createRoom(other, "Second den", { priv: true });
    const code2 = (await other.getByTestId("invite-code").textContent())!.trim();
    const third = await open("?name=Third");
    await third.getByLabel("Join with a code").fill(`  ${code2} `);
    await third.getByLabel("Join with a code").press("Enter");
    await expect(match(third)).toContainText("Playing against Other");
  },
);

test("quick match from the keyboard alone: focus starts on it, Tab moves on, Enter starts", async ({ open }) => {
  const a = await open("?name=Keys");
  const b = await open("?name=Board");
  const quick = a.getByTestId("quick-match");
  await expect(quick).toBeFocused();
  await a.keyboard.press("Shift+Tab");
  await expect(a.getByLabel("Your name")).toBeFocused();
  await a.keyboard.press("Tab");
  await expect(quick).toBeFocused();
  await a.keyboard.press("Tab");
  await expect(a.getByLabel("Room name")).toBeFocused();
  await a.keyboard.press("Shift+Tab");
  await a.keyboard.press("Enter");
  await expect(a.getByTestId("waiting")).toBeVisible();
  // Focus moved to the waiting card; Enter there leaves, and focus comes back to Quick match.
  await expect(a.getByTestId("leave-room")).toBeFocused();
  await a.keyboard.press("Enter");
  await expect(quick).toBeFocused();
  await expect(quick).toBeEnabled();
  await a.keyboard.press("Enter");
  await expect(a.getByTestId("waiting")).toBeVisible();

  await expect(b.getByTestId("quick-match")).toBeFocused();
  await b.keyboard.press("Enter");
  await expect(match(a)).toContainText("Playing against Board");
  await expect(match(b)).toContainText("Playing against Keys");
});

test("a rename is remembered for the next visit and the opponent sees it", async ({ open }) => {
  const a = await open();
  const name = a.getByLabel("Your name");
  await expect(name).not.toHaveValue("");
  await name.fill("  Renamed   Rita ");
  await name.press("Enter");
  await expect(name).toHaveValue("Renamed Rita");
  await expect(a.getByTestId("lobby-message")).toHaveText("You are now Renamed Rita.");
  await expect(a.getByTestId("create-room").getByLabel("Room name")).toHaveAttribute(
    "placeholder",
    "Renamed Rita's room",
  );
  await name.fill("");
  await name.press("Enter");
  await expect(a.getByTestId("lobby-message")).toHaveText(/Names are 1 to 24 characters/);
  await expect(name).toHaveValue("Renamed Rita");

  await a.reload();
  await expect(a.getByTestId("lobby-status")).toHaveText(/Connected/);
  await expect(a.getByLabel("Your name")).toHaveValue("Renamed Rita");
  await a.getByTestId("quick-match").click();
  const b = await open("?name=Bea");
  await b.getByTestId("quick-match").click();
  await expect(match(b)).toContainText("Playing against Renamed Rita");
});

test("lobby errors are shown in words: an unknown code, a full room", async ({ open }) => {
  const a = await open("?name=Err");
  const code = a.getByLabel("Join with a code");
  await code.fill("NOSUCHROOM");
  await a.getByTestId("join-code").getByRole("button", { name: "Join" }).click();
  await expect(a.getByTestId("lobby-message")).toHaveText(
    "No room with that name or invite code (it may have closed).",
  );
  await expect(a.getByTestId("lobby-message")).toHaveAttribute("role", "alert");
  await code.fill("");
  await code.press("Enter");
  await expect(a.getByTestId("lobby-message")).toHaveText(/Type an invite code/);

  // A room that filled up while we looked: join it by id from the code box.
  const b = await open("?name=Full1");
  const c = await open("?name=Full2");
  await createRoom(b, "Crowded", {});
  const id = await b.evaluate(() =>
    (globalThis as unknown as { lobbyScreen: { lobby: { room: { id: string } } } }).lobbyScreen
      .lobby.room.id
  );
  await c.getByTestId("room").filter({ hasText: "Crowded" }).click();
  await expect(match(c)).toBeVisible();
  await code.fill(id);
  await code.press("Enter");
  await expect(a.getByTestId("lobby-message")).toHaveText(/full|No room/);
});

test("the network overlay toggles with F3 and the backtick key and shows live numbers", async (
  { open },
  testInfo,
) => {
  // A real match over a lossy, late link, so rollbacks (and their graph bars) happen.
  const a = await open("?name=Over&sim=loss:10,delay:30,jitter:10,seed:3");
  const b = await open("?name=Lay&sim=loss:10,delay:30,jitter:10,seed:4");
  await a.getByTestId("quick-match").click();
  await expect(a.getByTestId("waiting")).toBeVisible();
  await b.getByTestId("quick-match").click();
  await expect(match(a)).toBeVisible();
  const overlay = a.getByTestId("net-overlay");
  await expect(overlay).toBeHidden();
  await a.keyboard.press("F3");
  await expect(overlay).toBeVisible();
  await expect(overlay).toHaveAccessibleName("Network statistics");
  await expect(overlay.locator("[data-stat=rtt]")).toHaveText(/^\d+\.\d ms$/);
  await expect(overlay.locator("[data-stat=delay]")).toHaveText("2 f");
  await expect(overlay.locator("[data-stat=frame]")).not.toHaveText("0");
  const before = await overlay.locator("[data-stat=frame]").textContent();
  await expect(overlay.locator("[data-stat=frame]")).not.toHaveText(before!); // it redraws
  await expect(overlay.locator("[data-stat=rtt]")).not.toHaveText("0.0 ms"); // a measured RTT
  await expect(overlay.locator("[data-stat=loss]")).not.toHaveText("0.0 %");
  await expect(overlay.locator("[data-stat=rollbacks]")).not.toHaveText("0 /s");
  await expect(overlay.locator("canvas")).toBeVisible();
  // The graph has been drawn: some pixels carry the RTT line's colour.
  await expect.poll(() =>
    overlay.locator("canvas").evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let cyan = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] < 90 && d[i + 1] > 180 && d[i + 2] > 200) cyan++;
      }
      return cyan;
    })
  ).toBeGreaterThan(20);
  await shot(a, testInfo, "overlay.png");
  await a.keyboard.press("Backquote");
  await expect(overlay).toBeHidden();
  await a.keyboard.press("F3");
  await expect(overlay).toBeVisible();
  // Typing in a text field (a game's chat box, say) never toggles it.
  await a.evaluate(() => {
    const chat = document.createElement("input");
    chat.setAttribute("aria-label", "Chat");
    document.body.append(chat);
  });
  await a.getByLabel("Chat").focus();
  await a.keyboard.press("Backquote");
  await expect(a.getByLabel("Chat")).toHaveValue("`");
  await expect(overlay).toBeVisible();
  // Leaving the match removes it; the lobby screen is back.
  await a.getByTestId("leave-match").click();
  await expect(a.getByTestId("lobby")).toBeVisible();
  await expect(overlay).toHaveCount(0);
});

test("with many rooms a filter box appears and narrows the list by name", async (
  { open },
  testInfo,
) => {
  test.setTimeout(90_000); // seven pages on a shared machine
  const viewer = await open("?name=Viewer");
  await expect(viewer.getByTestId("room-filter")).toBeHidden();
  const names = ["Ice rink", "Beach court", "Moon base", "Ice palace", "Garage", "Rooftop"];
  // The pages open together (the slow part); the rooms are made one after another, so the list's
  // order is known.
  const hosts = await Promise.all(names.map((_, i) => open(`?name=Host${i}`)));
  for (const [i, name] of names.entries()) {
    await createRoom(hosts[i], name, { password: i === 1 ? "pw" : undefined });
  }
  await expect(viewer.getByTestId("room")).toHaveCount(names.length);
  // Oldest first: the order they were made in.
  await expect(viewer.getByTestId("room")).toHaveText(names.map((n) => new RegExp(n)));
  const filter = viewer.getByLabel("Filter rooms by name");
  await expect(filter).toBeVisible();
  await shot(viewer, testInfo, "many-rooms.png");
  await filter.fill("ICE");
  await expect(viewer.getByTestId("room")).toHaveText([/Ice rink/, /Ice palace/]);
  await filter.fill("nothing like it");
  await expect(viewer.getByTestId("room-list")).toContainText("No room matches that filter.");
  await filter.fill("");
  await expect(viewer.getByTestId("room")).toHaveCount(names.length);
});

test("the status and the message say when the lobby goes away and when it is back", async (
  { browser },
  testInfo,
) => {
  // A lobby of the test's own, so it can be stopped and started again on the same port.
  const port = await freePort();
  let lobby = await startLobby({ SHUTDOWN_DEADLINE_MS: "1000" }, port);
  const context = await browser.newContext({ permissions: PLAYER_PERMISSIONS });
  try {
    const page = await context.newPage();
    await page.goto(`${lobby.http}/e2e/lobby_screen.html?name=Away`);
    const status = page.getByTestId("lobby-status");
    await expect(status).toHaveText(/Connected/);
    expect(await lobby.stop("SIGTERM")).toBe(0);
    await expect(status).toHaveText(/reconnecting/);
    await expect(page.getByTestId("lobby-message")).toHaveText(
      /The lobby is restarting|Lost the connection to the lobby/,
    );
    await expect(page.getByTestId("quick-match")).toBeDisabled();
    await expect(page.getByTestId("room-list")).toContainText("Waiting for the lobby");
    await shot(page, testInfo, "lobby-away.png");
    lobby = await startLobby({}, port);
    await expect(status).toHaveText(/Connected/, { timeout: 20_000 });
    await expect(page.getByTestId("lobby-message")).toHaveText("");
    await expect(page.getByTestId("quick-match")).toBeEnabled();
  } finally {
    await context.close();
    await lobby.stop();
  }
});

test("the screen takes its look from --duet-* custom properties set by the game", async ({ open }) => {
  const a = await open("?name=Theme");
  const quick = a.getByTestId("quick-match");
  const bg = () => quick.evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(await bg()).toBe("rgb(56, 225, 255)");
  await a.addStyleTag({ content: "body { --duet-accent: rgb(255, 0, 0); --duet-text: #123456; }" });
  await expect.poll(bg).toBe("rgb(255, 0, 0)"); // after the button's colour transition
  const text = await a.getByTestId("lobby").evaluate((el) => getComputedStyle(el).color);
  expect(text).toBe("rgb(18, 52, 86)");
  // The stylesheet is injected once however many screens a page makes.
  expect(await a.locator("style#duet-lobby-screen-css").count()).toBe(1);
});
