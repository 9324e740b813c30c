// A lobby restart during a match: the match keeps going peer to peer while the lobby is down and
// after it is back, because the lobby only brokers the connection. The lobby here is a process of
// the test's own (playwright.config.ts's cannot be restarted), on a port it comes back on.
import type { Page } from "@playwright/test";
import { call, expect, test } from "./fixtures.ts";
import { freePort, type LobbyService, startLobby } from "./services.ts";

/** Sends `count` more frames from both pages and waits until each has all of the other's. */
async function exchange(a: Page, b: Page, count: number, total: number) {
  await Promise.all([call(a, "sendFrames", count), call(b, "sendFrames", count)]);
  for (const page of [a, b]) {
    await expect.poll(async () => (await call(page, "snapshot")).received, { timeout: 5_000 })
      .toBe(total);
  }
}

test("a match keeps exchanging frames while the lobby restarts (SIGTERM, down, back)", async ({ openPlayer }) => {
  const port = await freePort();
  let lobby: LobbyService = await startLobby({ SHUTDOWN_DEADLINE_MS: "2000" }, port);
  try {
    const a = await openPlayer(`${lobby.http}/e2e/harness.html?name=Ann`);
    const b = await openPlayer(`${lobby.http}/e2e/harness.html?name=Bob`);
    await Promise.all([call(a, "connect"), call(b, "connect")]);
    await exchange(a, b, 60, 60);

    // A deploy: the lobby drains and exits. The pages hear `shutting-down`; being in a match
    // with a seat held, their lobby clients back off and come back for the seat (issue 13),
    // which a restarted in-memory lobby no longer has: the match goes on peer to peer.
    expect(await lobby.stop("SIGTERM")).toBe(0);
    for (const page of [a, b]) {
      await expect.poll(async () => (await call(page, "snapshot")).lobby).toBe("reconnecting");
    }
    await exchange(a, b, 120, 180);

    lobby = await startLobby({}, port);
    await exchange(a, b, 60, 240);
    for (const page of [a, b]) {
      const snap = await call(page, "snapshot");
      expect(snap.match).toBe("open");
      expect(snap.outOfOrder).toBe(0);
      expect(await call(page, "received")).toEqual(await call(page, "expectedFromPeer", 240));
    }
  } finally {
    await lobby.stop();
  }
});
