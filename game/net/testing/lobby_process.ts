/**
 * The real lobby (signal/main.ts) as a subprocess, for game/ tests: game/ may not import signal/,
 * and a real server keeps the client honest about the protocol. Test-only (uses Deno APIs).
 *
 * @module
 */

const lobbyMain = new URL("../../../signal/main.ts", import.meta.url).pathname;

/** A running lobby. */
export interface Lobby {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Starts the lobby on `port` and waits for /healthz; `stop()` kills it. */
export async function startLobby(port = freePort()): Promise<Lobby> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-sys", lobbyMain],
    env: { PORT: String(port), HOST: "127.0.0.1" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let errText = "";
  const drain = (async () => {
    for (;;) {
      const { value, done } = await stderr.read();
      if (done) return;
      errText += value;
    }
  })();
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      await res.body?.cancel();
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill();
      await child.status;
      await drain;
      throw new Error(`the lobby did not start on port ${port}: ${errText}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    async stop() {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      await drain;
    },
  };
}
