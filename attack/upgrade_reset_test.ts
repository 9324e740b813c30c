/**
 * A TCP reset right after the upgrade request (before or after the 101) leaks nothing: the
 * connection slot and the per-address ticket are released, so after 200 such resets against a
 * cap of 20 a real client still gets in. (Deno.serve leaked both for good: 503 for everyone.)
 */
import assert from "node:assert/strict";
import { startServer } from "../signal/server.ts";
import { connectClient } from "../signal/testing/lobby_client.ts";
import { upgradeRequest } from "./testing/raw_socket.ts";

Deno.test("200 resets right after the upgrade request leave no slot or ticket behind", async () => {
  const server = await startServer({
    port: 0,
    hostname: "127.0.0.1",
    staticDir: null,
    logLevel: "error",
    maxConnections: 20,
    maxConnectionsPerIp: 4,
  });
  try {
    for (let round = 0; round < 20; round++) {
      await Promise.all(Array.from({ length: 10 }, async (_, i) => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        await conn.write(upgradeRequest(server.port));
        // Half close at once; half after the 101 arrived unread, which makes close() a reset.
        if (i % 2 === 1) await new Promise((r) => setTimeout(r, 20));
        conn.close();
      }));
    }
    for (let i = 0; i < 200 && server.stats().sockets > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(
      { ...server.stats(), rooms: undefined },
      { connections: 0, sockets: 0, players: 0, rooms: undefined },
    );
    // The per-address cap is 4: four real clients from the same address still fit.
    const clients = await Promise.all(
      [1, 2, 3, 4].map(() => connectClient(`ws://127.0.0.1:${server.port}/ws`)),
    );
    for (const c of clients) assert.equal(c.welcome.protocol, 1);
    await Promise.all(clients.map((c) => c.close()));
  } finally {
    await server.close();
  }
});
