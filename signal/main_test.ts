import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { connectClient } from "./testing/lobby_client.ts";
import { startLobbyProcess } from "./testing/lobby_process.ts";
import { REDIS_SERVER, startRedis } from "./testing/redis_server.ts";
import { freeTcpPort, requireBinary, spawnService, waitUntil } from "./testing/service_process.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const STATIC_ROOT = fileURLToPath(new URL("./testdata/static_root", import.meta.url));
const PERMISSIONS = ["--allow-net", "--allow-env", "--allow-read", "--allow-sys"];

function spawnLobby(env: Record<string, string>) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, MAIN],
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Reads stdout until a line matches, returning the match; the rest of the stream stays open. */
async function waitForLine(
  reader: ReadableStreamDefaultReader<string>,
  pattern: RegExp,
): Promise<RegExpMatchArray> {
  let text = "";
  const deadline = setTimeout(() => reader.cancel(), 10_000);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`lobby exited before printing ${pattern}: ${text}`);
      text += value;
      const m = text.match(pattern);
      if (m) return m;
    }
  } finally {
    clearTimeout(deadline);
  }
}

Deno.test("main: starts from env, serves, and shuts down cleanly on SIGTERM", async () => {
  const child = spawnLobby({ PORT: "0", HOST: "127.0.0.1", STATIC_DIR: STATIC_ROOT });
  const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const [, url] = await waitForLine(stdout, /listening on (http:\/\/localhost:\d+\/)/);
    const port = new URL(url).port;
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
    const index = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(index.status, 200);
    await index.body?.cancel();

    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const messages: { type: string; code?: string }[] = [];
    const closed = new Promise<CloseEvent>((resolve) => (ws.onclose = resolve));
    const welcomed = new Promise<void>((resolve) => {
      ws.onmessage = (e) => {
        messages.push(JSON.parse(e.data));
        if (messages.length === 2) resolve();
      };
    });
    await welcomed;
    child.kill("SIGTERM");
    const event = await closed;
    assert.equal(event.code, 1001);
    assert.deepEqual(messages.map((m) => m.code ?? m.type), ["welcome", "rooms", "shutting-down"]);
    const status = await child.status;
    assert.equal(status.code, 0);
    await waitForLine(stdout, /shutting down/);
  } finally {
    await stdout.cancel();
    await child.stderr.cancel();
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await child.status;
  }
});

Deno.test("main: invalid configuration exits 2 naming the variable", async () => {
  const child = spawnLobby({ PORT: "eighty" });
  const [status, , stderr] = await Promise.all([
    child.status,
    child.stdout.cancel(),
    new Response(child.stderr).text(),
  ]);
  assert.equal(status.code, 2);
  assert.match(stderr, /PORT must be an integer/);
});

Deno.test("SIGTERM drains within SHUTDOWN_DEADLINE_MS, even with a client that never answers", async () => {
  const lobby = await startLobbyProcess({ SHUTDOWN_DEADLINE_MS: "800" });
  const stuck = await Deno.connect({ hostname: "127.0.0.1", port: lobby.port });
  try {
    const clients = await Promise.all([1, 2, 3].map(() => connectClient(lobby.ws)));
    // Upgrades, then never reads again nor answers the close: only the deadline ends it.
    await stuck.write(
      new TextEncoder().encode(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${btoa("duet-stuck-client")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    await stuck.read(new Uint8Array(1024));
    const t0 = performance.now();
    lobby.process.kill("SIGTERM");
    for (const c of clients) {
      const error = await c.skipTo("error");
      assert.deepEqual([error.code, error.close], ["shutting-down", true]);
      assert.equal((await c.closed).code, 1001);
    }
    const status = await lobby.process.exited;
    const elapsed = performance.now() - t0;
    assert.equal(status.code, 0);
    assert.ok(elapsed < 800 + 1500, `exited ${elapsed.toFixed(0)} ms after SIGTERM`);
    const events = lobby.logs().map((l) => l.event);
    assert.ok(events.includes("shutting-down"), events.join());
    assert.ok(
      events.includes("shutdown-complete") || events.includes("shutdown-deadline"),
      events.join(),
    );
  } finally {
    stuck.close();
    await lobby.stop();
  }
});

Deno.test("flags: --help lists every setting; --port and friends override the environment", async () => {
  const help = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, MAIN, "--help"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(help.code, 0);
  const text = new TextDecoder().decode(help.stdout);
  for (
    const flag of ["--port", "--redis-url", "--turn-secret", "--allowed-origins", "--log-level"]
  ) {
    assert.ok(text.includes(flag), flag);
  }
  // The flag wins over PORT, and --log-level=debug over LOG_LEVEL.
  const port = freeTcpPort();
  const child = spawnService(Deno.execPath(), [
    "run",
    ...PERMISSIONS,
    MAIN,
    "--port",
    String(port),
    "--log-level=debug",
    "--static-dir=",
  ], { env: { PORT: String(freeTcpPort()), HOST: "127.0.0.1", LOG_LEVEL: "error" } });
  try {
    await waitUntil(
      async () => (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.text())) !== "",
      15_000,
      () => child.output(),
    );
    const client = await connectClient(`ws://127.0.0.1:${port}/ws`);
    await client.close();
    await waitUntil(() => child.output().includes('"event":"ws-open"'), 5000, () => child.output());
  } finally {
    await child.stop();
  }
  const bad = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, MAIN, "--prot", "80"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(bad.code, 2);
  assert.match(new TextDecoder().decode(bad.stderr), /unknown flag --prot/);
});

Deno.test({
  name: "SIGTERM with Redis frozen mid-shutdown still exits at the deadline",
  ignore: !requireBinary(REDIS_SERVER, "Redis (shutdown deadline)", "apt-get install redis-server"),
  async fn() {
    const redis = await startRedis();
    const lobby = await startLobbyProcess({ REDIS_URL: redis.url, SHUTDOWN_DEADLINE_MS: "600" });
    try {
      const client = await connectClient(lobby.ws);
      // Redis stops answering (but keeps its connections): releasing the players would hang.
      redis.process.kill("SIGSTOP");
      const t0 = performance.now();
      lobby.process.kill("SIGTERM");
      assert.equal((await client.skipTo("error")).code, "shutting-down");
      const status = await lobby.process.exited;
      const elapsed = performance.now() - t0;
      assert.equal(status.code, 0);
      assert.ok(elapsed >= 550 && elapsed < 600 + 1500, `exited after ${elapsed.toFixed(0)} ms`);
      assert.ok(lobby.logs().some((l) => l.event === "shutdown-deadline"));
    } finally {
      redis.process.kill("SIGCONT");
      await lobby.stop();
      await redis.stop();
    }
  },
});
