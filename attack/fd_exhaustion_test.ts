/**
 * File-descriptor exhaustion: a lobby with a small `ulimit -n` flooded with idle TCP sockets from
 * several loopback addresses must not exit, must shed what it cannot hold, close what never sends
 * a request, and serve `/healthz` again once the flood is gone. (Deno.serve exits with "Too many
 * open files" here.)
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { jsonLines } from "../signal/testing/lobby_process.ts";
import { freeTcpPort, spawnService, waitUntil } from "../signal/testing/service_process.ts";
import { idleSockets } from "./testing/raw_socket.ts";

const MAIN = fileURLToPath(new URL("../signal/main.ts", import.meta.url));
const UNCLAMPED = fileURLToPath(new URL("./testing/unclamped_lobby.ts", import.meta.url));
const SOURCES = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7"];

/** Runs `args` under `ulimit -n fdLimit`. */
function spawnLimited(fdLimit: number, args: string[], env: Record<string, string> = {}) {
  return spawnService("sh", [
    "-c",
    `ulimit -n ${fdLimit} && exec "$@"`,
    "sh",
    Deno.execPath(),
    "run",
    "--allow-net",
    "--allow-env",
    "--allow-read",
    "--allow-sys",
    ...args,
  ], { env });
}

async function healthy(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, {
    signal: AbortSignal.timeout(1000),
  });
  await res.body?.cancel();
  return res.status === 200;
}

Deno.test("an idle-socket flood past ulimit -n is shed and timed out; the lobby lives and recovers", async () => {
  const port = freeTcpPort();
  const lobby = spawnLimited(256, [MAIN], {
    PORT: String(port),
    HOST: "127.0.0.1",
    STATIC_DIR: "",
    LOG_LEVEL: "info",
    REQUEST_TIMEOUT_MS: "1500",
  });
  try {
    await waitUntil(() => healthy(port), 15_000, () => lobby.output());
    // The configured 4000 connections cannot fit 256 descriptors: clamped, and said so.
    const warning = jsonLines(lobby.output()).find((l) => l.event === "fd-budget");
    assert.ok(warning, lobby.output());
    assert.ok(Number(warning.maxSockets) < 256);

    const maxSockets = Number(warning.maxSockets);
    const flood = await idleSockets(port, 600, SOURCES);
    let exited = false;
    lobby.exited.then(() => (exited = true));
    // The kernel completes more handshakes than the lobby accepts (the rest wait in its queues);
    // the lobby holds at most its cap, sheds the rest, and closes the idle ones at the timeout.
    const seen: number[] = [];
    const t0 = performance.now();
    // At least 4 s of watching; then until the lobby has timed out half its cap of idle sockets
    // (on a machine busy with other tests its timers fire late), for at most 15 s.
    const watching = () => {
      const t = performance.now() - t0;
      return t < 4000 || (t < 15_000 && flood.closedByServer() < maxSockets / 2);
    };
    while (watching()) {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, {
        signal: AbortSignal.timeout(1000),
      }).catch(() => null);
      if (res?.status === 200) seen.push((await res.json()).sockets);
      else await res?.body?.cancel();
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(exited, false, lobby.output().slice(-2000));
    assert.ok(seen.length > 0, "healthz was never served during the flood");
    assert.ok(Math.max(...seen) <= maxSockets, `sockets seen: ${seen.join(",")}`);
    // Accepted idle sockets were closed by the lobby itself (request timeout), not by us.
    assert.ok(flood.closedByServer() >= maxSockets / 2, `${flood.closedByServer()} closed`);
    flood.close();
    await waitUntil(() => healthy(port), 5000, () => lobby.output().slice(-2000));
    const client = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const welcome = await new Promise<string>((resolve, reject) => {
      client.onmessage = (e) => resolve(String(e.data));
      client.onerror = () => reject(new Error("no welcome"));
    });
    assert.match(welcome, /"type":"welcome"/);
    client.close();
  } finally {
    await lobby.stop();
  }
});

Deno.test("when accept() does hit EMFILE, the watchdog replaces the deaf listener", async () => {
  // No clamp here: the flood really exhausts the descriptors.
  const lobby = spawnLimited(128, [UNCLAMPED]);
  try {
    let port = 0;
    await waitUntil(
      () => {
        port = Number(lobby.output().match(/^port (\d+)$/m)?.[1] ?? 0);
        return port > 0;
      },
      15_000,
      () => lobby.output(),
    );
    const flood = await idleSockets(port, 300, SOURCES);
    await new Promise((r) => setTimeout(r, 500));
    flood.close();
    // The listener went deaf at EMFILE; within a few watchdog periods it is replaced.
    await waitUntil(() => healthy(port), 10_000, () => lobby.output().slice(-2000));
    assert.ok(
      jsonLines(lobby.output()).some((l) => l.event === "listener-restart"),
      lobby.output().slice(-2000),
    );
  } finally {
    await lobby.stop();
  }
});
