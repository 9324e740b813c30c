import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

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
