import assert from "node:assert/strict";
import { startServer } from "./server.ts";
import { type Coturn, startCoturn, TURNSERVER } from "./testing/coturn_server.ts";
import { connectClient } from "./testing/lobby_client.ts";
import { requireBinary } from "./testing/service_process.ts";
import { openTurnSession, turnAllocate } from "./testing/turn_client.ts";
import {
  iceRefreshMs,
  iceServersFor,
  type TurnConfig,
  turnCredential,
} from "./turn_credentials.ts";

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

/** HMAC-SHA1 through WebCrypto: an independent implementation to check node:crypto's against. */
async function webCryptoCredential(secret: string, username: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(username)),
  );
  return btoa(String.fromCharCode(...mac));
}

Deno.test("TURN REST credential: expiry:user and base64 HMAC-SHA1 of it", async () => {
  const c = turnCredential("s3cret", "abc123", 3600, NOW + 999);
  assert.equal(c.expiresAt, NOW / 1000 + 3600);
  assert.equal(c.username, `${NOW / 1000 + 3600}:abc123`);
  assert.equal(c.credential, await webCryptoCredential("s3cret", c.username));
  assert.match(c.credential, /^[A-Za-z0-9+/]{27}=$/);
  assert.notEqual(turnCredential("other", "abc123", 3600, NOW).credential, c.credential);
});

Deno.test("TURN credential inputs are checked", () => {
  assert.throws(() => turnCredential("", "a", 60, NOW), /secret/);
  assert.throws(() => turnCredential("s", "a", 0, NOW), /lifetime/);
  assert.throws(() => turnCredential("s", "a:b", 60, NOW), /must not contain/);
});

Deno.test("iceServersFor: static servers only, or with TURN and a fresh credential", () => {
  assert.deepEqual(iceServersFor([], null, "p", NOW), []);
  assert.equal(iceRefreshMs(null), null);
  const stun = [{ urls: ["stun:s.example:3478"] }];
  assert.deepEqual(iceServersFor(stun, null, "p", NOW), stun);
  const turn: TurnConfig = {
    urls: ["turn:t.example:3478?transport=udp", "turns:t.example:5349"],
    secret: "k",
    ttlSeconds: 600,
  };
  const [s, t] = iceServersFor(stun, turn, "p1", NOW);
  assert.deepEqual(s, { urls: ["stun:s.example:3478"] });
  assert.deepEqual(t, {
    urls: ["turn:t.example:3478?transport=udp", "turns:t.example:5349"],
    username: `${NOW / 1000 + 600}:p1`,
    credential: turnCredential("k", "p1", 600, NOW).credential,
  });
  // Refreshed at half the lifetime, so a client's list always has half of it left.
  assert.equal(iceRefreshMs(turn), 300_000);
});

// --- against a real coturn -------------------------------------------------------------------

const haveCoturn = requireBinary(TURNSERVER, "coturn (TURN credential)", "apt-get install coturn");

async function withCoturn(body: (turn: Coturn) => Promise<void>) {
  const turn = await startCoturn({ secret: "coturn-shared-secret" });
  try {
    await body(turn);
  } catch (err) {
    console.error(turn.process.output().slice(-3000));
    throw err;
  } finally {
    await turn.stop();
  }
}

Deno.test({
  name: "coturn accepts the TURN credential a real lobby hands out in welcome",
  ignore: !haveCoturn,
  async fn() {
    await withCoturn(async (turn) => {
      const lobby = await startServer({
        port: 0,
        hostname: "127.0.0.1",
        staticDir: null,
        logLevel: "error",
        turn: { urls: [turn.url], secret: turn.secret, ttlSeconds: 600 },
      });
      try {
        const client = await connectClient(`ws://127.0.0.1:${lobby.port}/ws`);
        const relay = client.welcome.iceServers.find((s) => s.username !== undefined)!;
        assert.deepEqual(relay.urls, [turn.url]);
        assert.match(relay.username!, new RegExp(`:${client.welcome.id}$`));
        const result = await turnAllocate(
          "127.0.0.1",
          turn.port,
          relay.username!,
          relay.credential!,
        );
        assert.equal(result.ok, true, JSON.stringify(result));
        await client.close();
      } finally {
        await lobby.close();
      }
    });
  },
});

Deno.test({
  name:
    "coturn (use-auth-secret) accepts the lobby's credential and refuses forged or expired ones",
  ignore: !haveCoturn,
  async fn() {
    await withCoturn(async (turn) => {
      const now = Date.now();
      const good = turnCredential(turn.secret, "player1", 600, now);
      const ok = await turnAllocate("127.0.0.1", turn.port, good.username, good.credential);
      assert.equal(ok.ok, true, JSON.stringify(ok));
      assert.match(ok.ok ? ok.relayed : "", /^127\.0\.0\.1:\d+$/);

      const forged = turnCredential("not-the-secret", "player1", 600, now);
      const refused = await turnAllocate(
        "127.0.0.1",
        turn.port,
        forged.username,
        forged.credential,
      );
      assert.deepEqual([refused.ok, !refused.ok && refused.code], [false, 401]);

      // Someone else's credential under a different name: the HMAC no longer matches.
      const stolen = await turnAllocate(
        "127.0.0.1",
        turn.port,
        good.username.replace("player1", "player2"),
        good.credential,
      );
      assert.deepEqual([stolen.ok, !stolen.ok && stolen.code], [false, 401]);

      // Issued an hour ago with a ten-minute lifetime: expired.
      const old = turnCredential(turn.secret, "player1", 600, now - 3_600_000);
      const expired = await turnAllocate("127.0.0.1", turn.port, old.username, old.credential);
      assert.deepEqual([expired.ok, !expired.ok && expired.code], [false, 401]);
    });
  },
});

Deno.test({
  name: "coturn checks a credential's expiry when allocating only: a live relay keeps refreshing",
  ignore: !haveCoturn,
  async fn() {
    await withCoturn(async (turn) => {
      const c = turnCredential(turn.secret, "player1", 1, Date.now());
      const session = await openTurnSession("127.0.0.1", turn.port);
      try {
        assert.equal((await session.allocate(c.username, c.credential)).ok, true);
        // Past the expiry (whole seconds), as a match outlasting its credential would be.
        await new Promise((r) => setTimeout(r, c.expiresAt * 1000 + 1100 - Date.now()));
        assert.deepEqual(await session.refresh(600), { ok: true, relayed: "" });
        const late = await turnAllocate("127.0.0.1", turn.port, c.username, c.credential);
        assert.deepEqual([late.ok, !late.ok && late.code], [false, 401]);
      } finally {
        session.close();
      }
    });
  },
});
