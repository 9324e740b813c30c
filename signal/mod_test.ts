import assert from "node:assert/strict";
import { type AuthorizeInfo, DEFAULT_CONFIG, startLobby } from "./mod.ts";
import { connectClient } from "./testing/lobby_client.ts";

async function handshakeStatus(port: number, path: string, headers = ""): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${btoa("duet-mod-test!!!")}\r\n` +
          `Sec-WebSocket-Version: 13\r\n${headers}\r\n`,
      ),
    );
    const buf = new Uint8Array(4096);
    let text = "";
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
      if (text.includes("\r\n\r\n")) break;
    }
    return text;
  } finally {
    conn.close();
  }
}

Deno.test("startLobby: defaults from DEFAULT_CONFIG, a handle with the URL, close()", async () => {
  const lobby = await startLobby({
    port: 0,
    hostname: "127.0.0.1",
    staticDir: null,
    logLevel: "silent",
  });
  try {
    assert.equal(lobby.config.maxRooms, DEFAULT_CONFIG.maxRooms);
    assert.equal(lobby.url, `http://localhost:${lobby.port}/`);
    assert.equal(lobby.wsUrl, `ws://localhost:${lobby.port}/ws`);
    const client = await connectClient(`ws://127.0.0.1:${lobby.port}/ws`);
    assert.equal(client.welcome.protocol, 1);
    assert.equal(lobby.stats().connections, 1);
    await client.close();
  } finally {
    await lobby.close();
  }
  await assert.rejects(fetch(`http://127.0.0.1:${lobby.port}/healthz`));
});

Deno.test("authorize refuses a connection before the upgrade with its status; others get in", async () => {
  const seen: AuthorizeInfo[] = [];
  const lobby = await startLobby({
    port: 0,
    hostname: "127.0.0.1",
    staticDir: null,
    logLevel: "silent",
    authorize: async (request, info) => {
      seen.push(info);
      await new Promise((r) => setTimeout(r, 5)); // hooks may be asynchronous
      const cookie = request.headers.get("cookie") ?? "";
      if (info.url.searchParams.get("token") === "good" || cookie.includes("session=ok")) {
        return true;
      }
      if (info.url.searchParams.has("ban")) return false;
      return { status: 401, body: "token required\n", headers: { "x-why": "no token" } };
    },
  });
  try {
    const refused = await handshakeStatus(lobby.port, "/ws?token=bad");
    assert.match(refused, /^HTTP\/1\.1 401 /);
    assert.match(refused, /x-why: no token/);
    assert.match(await handshakeStatus(lobby.port, "/ws?ban"), /^HTTP\/1\.1 403 /);
    assert.match(
      await handshakeStatus(lobby.port, "/ws", "Cookie: session=ok\r\n"),
      /^HTTP\/1\.1 101 /,
    );
    const client = await connectClient(`ws://127.0.0.1:${lobby.port}/ws?token=good`);
    assert.equal(client.welcome.protocol, 1);
    await client.close();
    assert.equal(seen[0].address, "127.0.0.1");
    assert.equal(seen[0].url.pathname, "/ws");
    // Refused handshakes never became players.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(lobby.stats().players, 0);
  } finally {
    await lobby.close();
  }
});

Deno.test("an authorize hook that throws refuses with 500 and the lobby keeps serving", async () => {
  const lobby = await startLobby({
    port: 0,
    hostname: "127.0.0.1",
    staticDir: null,
    logLevel: "silent",
    authorize: () => {
      throw new Error("database down");
    },
  });
  try {
    assert.match(await handshakeStatus(lobby.port, "/ws"), /^HTTP\/1\.1 500 /);
    const health = await fetch(`http://127.0.0.1:${lobby.port}/healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
  } finally {
    await lobby.close();
  }
});

Deno.test("startLobby: the room-churn limits are options; 0 turns them off, bad values are refused", async () => {
  await assert.rejects(
    startLobby({ port: 0, hostname: "127.0.0.1", staticDir: null, churnPerSecond: -1 }),
    /churnPerSecond/,
  );
  const lobby = await startLobby({
    port: 0,
    hostname: "127.0.0.1",
    staticDir: null,
    logLevel: "silent",
    churnPerSecond: 0,
    ipChurnPerSecond: 0,
    // The message rate stays a limit of its own; raised so that only churn could refuse.
    messagesPerSecond: 1000,
    messageBurst: 1000,
  });
  try {
    const client = await connectClient(`ws://127.0.0.1:${lobby.port}/ws`);
    // 50 room changes from one connection and address: over both default bursts (8 and 40).
    for (let i = 0; i < 50; i++) {
      client.send({ type: "create", name: `r${i}`, rid: i });
      await client.expect("joined");
      client.send({ type: "leave" });
      await client.expect("left");
    }
    await client.close();
  } finally {
    await lobby.close();
  }
});
