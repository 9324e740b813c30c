// Behind TURN: two Chromium pages allowed only relay candidates (iceTransportPolicy "relay") connect
// through a real coturn, with the short-lived credentials the lobby put in `welcome`, and input
// frames flow. A lobby whose secret does not match coturn's gets nowhere. Run inside a
// loopback-only network namespace (README); skipped, with the reason, when coturn is missing.
import { call, expect, test } from "./fixtures.ts";
import {
  type CoturnService,
  haveTurnserver,
  type LobbyService,
  startCoturn,
  startLobby,
} from "./services.ts";

const FRAMES = 240;

test.describe("TURN relay", () => {
  test.skip(
    !haveTurnserver(),
    "coturn (/usr/bin/turnserver) is not installed: apt-get install coturn",
  );

  let turn: CoturnService;
  test.beforeEach(async () => {
    turn = await startCoturn();
  });
  test.afterEach(async () => {
    await turn?.stop();
  });

  /** A lobby handing out TURN credentials for `turn`, signed with `secret`. */
  const lobbyFor = (secret: string) =>
    startLobby({ TURN_URLS: turn.url, TURN_SECRET: secret, TURN_TTL_SECONDS: "600" });

  test("relay-only pages connect through coturn with the lobby's credentials, and frames flow", async ({ openPlayer }) => {
    const lobby: LobbyService = await lobbyFor(turn.secret);
    try {
      const a = await openPlayer(`${lobby.http}/e2e/harness.html?relay&name=Ann`);
      const b = await openPlayer(`${lobby.http}/e2e/harness.html?relay&name=Bob`);
      const [ca, cb] = await Promise.all([call(a, "connect"), call(b, "connect")]);
      expect([ca.role, cb.role].sort()).toEqual(["answerer", "offerer"]);
      await Promise.all([call(a, "sendFrames", FRAMES), call(b, "sendFrames", FRAMES)]);
      for (const page of [a, b]) {
        await expect.poll(async () => (await call(page, "snapshot")).received, { timeout: 5_000 })
          .toBe(FRAMES);
        expect(await call(page, "received")).toEqual(await call(page, "expectedFromPeer", FRAMES));
        expect((await call(page, "snapshot")).match).toBe("open");
      }
      // Relay-only pages can only have met through coturn: both allocated there, each under the
      // lobby's `<expiry>:<player id>` username.
      const users = new Set(
        [
          ...turn.output().matchAll(
            /user <(\d+:[0-9a-z]+)>: incoming packet ALLOCATE processed, success/g,
          ),
        ]
          .map((m) => m[1]),
      );
      expect(users.size).toBe(2);
    } finally {
      await lobby.stop();
    }
  });

  test("credentials signed with the wrong secret are refused: relay-only pages cannot connect", async ({ openPlayer }) => {
    const lobby = await lobbyFor("not-the-coturn-secret");
    try {
      const a = await openPlayer(`${lobby.http}/e2e/harness.html?relay&timeout=3000`);
      const b = await openPlayer(`${lobby.http}/e2e/harness.html?relay&timeout=3000`);
      const settled = await Promise.allSettled([call(a, "connect"), call(b, "connect")]);
      for (const r of settled) {
        expect(r.status).toBe("rejected");
        expect(String((r as PromiseRejectedResult).reason)).toMatch(/ICE failed/);
      }
      expect(turn.output()).not.toMatch(/ALLOCATE processed, success/);
    } finally {
      await lobby.stop();
    }
  });
});
