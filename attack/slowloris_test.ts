/**
 * Slowloris: sockets that trickle their request head, their upgrade request or a body, or sit in
 * keep-alive, are closed within the request (or keep-alive) timeout, whatever they keep sending.
 * (Deno.serve held each of them for 90 s and more.)
 */
import assert from "node:assert/strict";
import { startServer } from "../signal/server.ts";
import { connectClient } from "../signal/testing/lobby_client.ts";
import { readUntilClosed, upgradeRequest } from "./testing/raw_socket.ts";

const TIMEOUT_MS = 600;

/** Sends `first`, then `trickle` every 100 ms until the server closes; the ms it took. */
async function holdOpen(port: number, first: string, trickle: string): Promise<number | null> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const enc = new TextEncoder();
  if (first) await conn.write(enc.encode(first));
  const timer = setInterval(() => conn.write(enc.encode(trickle)).catch(() => {}), 100);
  try {
    return (await readUntilClosed(conn, 5000)).closedAfterMs;
  } finally {
    clearInterval(timer);
  }
}

Deno.test("trickled headers, upgrades and bodies, and idle keep-alive, are closed in time", async () => {
  const server = await startServer({
    port: 0,
    hostname: "127.0.0.1",
    staticDir: null,
    logLevel: "error",
    requestTimeoutMs: TIMEOUT_MS,
    keepAliveTimeoutMs: TIMEOUT_MS,
  });
  const { port } = server;
  try {
    const cases: [string, string, string][] = [
      ["nothing at all", "", ""],
      ["headers trickled", "GET /healthz HTTP/1.1\r\nHost: x\r\n", "X-Slow: 1\r\n"],
      [
        "upgrade trickled",
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n",
        "X-Slow: 1\r\n",
      ],
      [
        "a body trickled",
        "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n",
        "a",
      ],
      ["idle keep-alive", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", ""],
    ];
    const results = await Promise.all(
      cases.map(([, first, trickle]) => holdOpen(port, first, trickle)),
    );
    for (let i = 0; i < cases.length; i++) {
      const ms = results[i];
      assert.ok(ms !== null, `${cases[i][0]}: still open after 5 s`);
      // The sweep runs every quarter timeout: closed by 1.25 timeouts, plus scheduling slack.
      assert.ok(ms < TIMEOUT_MS * 1.25 + 500, `${cases[i][0]}: closed after ${ms.toFixed(0)} ms`);
    }
    // The request-less ones were closed by the deadline sweep and counted as such.
    const timedOut = (await server.metrics.registry.render()).match(
      /^duet_sockets_timed_out_total (\d+)$/m,
    );
    assert.ok(Number(timedOut?.[1]) >= 3, `timed out: ${timedOut?.[1]}`);
    assert.equal(server.stats().sockets, 0);
  } finally {
    await server.close();
  }
});

Deno.test("a handshake the authorize hook never answers is closed in time and frees its ticket", async () => {
  const server = await startServer({
    port: 0,
    hostname: "127.0.0.1",
    staticDir: null,
    logLevel: "error",
    requestTimeoutMs: TIMEOUT_MS,
    maxConnectionsPerIp: 1,
  }, {
    hooks: {
      authorize: (_req, { url }) => url.searchParams.has("hang") ? new Promise(() => {}) : true,
    },
  });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn.write(upgradeRequest(server.port, "/ws?hang"));
    const { closedAfterMs } = await readUntilClosed(conn, 5000);
    assert.ok(
      closedAfterMs !== null && closedAfterMs < TIMEOUT_MS * 1.25 + 500,
      `${closedAfterMs}`,
    );
    // The one ticket of this address is free again.
    const client = await connectClient(`ws://127.0.0.1:${server.port}/ws`);
    assert.equal(client.welcome.protocol, 1);
    await client.close();
  } finally {
    await server.close();
  }
});
