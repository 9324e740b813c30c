/**
 * Oversized and fragmented WebSocket messages are refused while they arrive (1009), before the
 * lobby buffers them: 32 connections announcing 60 MiB messages, and 32 sending an endless
 * fragmented message, leave the lobby's memory where it was. Invalid UTF-8 in a text frame gets
 * 1007. (Deno's WebSocket buffered up to 64 MiB per message: 48 MiB to 3,974 MiB RSS.)
 */
import assert from "node:assert/strict";
import { startLobbyProcess } from "../signal/testing/lobby_process.ts";
import { waitUntil } from "../signal/testing/service_process.ts";
import {
  closeCode,
  frame,
  frameHeader,
  readHead,
  readUntilClosed,
  rssKiB,
  upgradeRequest,
} from "./testing/raw_socket.ts";

async function upgradedSocket(port: number): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(upgradeRequest(port));
  const head = await readHead(conn);
  assert.match(head, /^HTTP\/1\.1 101 /);
  return conn;
}

Deno.test("oversized and endlessly fragmented messages get 1009 at once; memory stays flat", async () => {
  const lobby = await startLobbyProcess({ LOG_LEVEL: "error", MAX_CONNECTIONS_PER_IP: "0" });
  try {
    const before = await rssKiB(lobby.process.pid);
    const chunk = new Uint8Array(8192).fill(0x61);
    const attacks = await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        const conn = await upgradedSocket(lobby.port);
        if (i % 2 === 0) {
          // A 60 MiB text message announced in the header, then the first 64 KiB of it.
          await conn.write(frameHeader(0x1, 60 * 1024 * 1024));
          for (let k = 0; k < 8; k++) await conn.write(chunk).catch(() => {});
        } else {
          // A fragmented message that never ends: 8 KiB fragments, no FIN.
          await conn.write(frame(0x1, chunk, false)).catch(() => {});
          for (let k = 0; k < 8; k++) await conn.write(frame(0x0, chunk, false)).catch(() => {});
        }
        return await readUntilClosed(conn, 5000);
      }),
    );
    for (const [i, r] of attacks.entries()) {
      assert.ok(r.closedAfterMs !== null, `attack ${i} still open`);
      assert.equal(closeCode(r.bytes), 1009, `attack ${i}`);
    }
    const after = await rssKiB(lobby.process.pid);
    // 64 unfinished 60 MiB messages would be gigabytes; a refused header costs nothing.
    assert.ok(after - before < 64 * 1024, `RSS ${before} -> ${after} KiB`);
    // Nor do they keep their slots: cut a second after the close frame, answered or not.
    await waitUntil(
      async () => (await (await fetch(`${lobby.http}/healthz`)).json()).connections === 0,
      3000,
      () => "connections still open",
    );
  } finally {
    await lobby.stop();
  }
});

Deno.test("invalid UTF-8 in a text frame is closed with 1007", async () => {
  const lobby = await startLobbyProcess({ LOG_LEVEL: "error" });
  try {
    const conn = await upgradedSocket(lobby.port);
    await conn.write(frame(0x1, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])));
    const r = await readUntilClosed(conn, 3000);
    // welcome and rooms come first; the close frame after them.
    assert.equal(closeCode(r.bytes), 1007);
  } finally {
    await lobby.stop();
  }
});
