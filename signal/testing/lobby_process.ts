/**
 * The lobby (signal/main.ts) as a separate process, for tests that need real processes: several
 * lobbies sharing one Redis, SIGKILL and SIGTERM. Test-only.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { freeTcpPort, type ServiceProcess, spawnService, waitUntil } from "./service_process.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const PERMISSIONS = ["--allow-net", "--allow-env", "--allow-read", "--allow-sys"];

/** A running lobby process. */
export interface LobbyProcess {
  port: number;
  /** `http://127.0.0.1:<port>` */
  http: string;
  /** `ws://127.0.0.1:<port>/ws` */
  ws: string;
  process: ServiceProcess;
  /** Parsed JSON log lines printed so far. */
  logs(): Record<string, unknown>[];
  /** SIGTERM, SIGKILL after a grace period; resolves once it exited. */
  stop(): Promise<void>;
}

/** Parses every JSON line of `text` (other lines are skipped). */
export function jsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // A line cut by the buffer limit.
    }
  }
  return out;
}

/**
 * Starts signal/main.ts on 127.0.0.1 (a free port unless `env.PORT` says otherwise, no static
 * files) with `env` added, and waits until `/healthz` answers (whatever LOG_LEVEL hides).
 */
export async function startLobbyProcess(
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<LobbyProcess> {
  const port = Number(env.PORT ?? freeTcpPort());
  const process = spawnService(Deno.execPath(), ["run", ...PERMISSIONS, MAIN, ...args], {
    env: { HOST: "127.0.0.1", STATIC_DIR: "", LOG_LEVEL: "info", ...env, PORT: String(port) },
  });
  let exited = false;
  process.exited.then(() => (exited = true));
  try {
    await waitUntil(
      async () => {
        if (exited) throw new Error("exited");
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        await res.body?.cancel();
        return res.ok;
      },
      15_000,
      () => `the lobby did not start: ${process.output().slice(-3000)}`,
    ).catch((err) => {
      if (exited) throw new Error(`the lobby exited: ${process.output().slice(-3000)}`);
      throw err;
    });
  } catch (err) {
    await process.stop();
    throw err;
  }
  return {
    port,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/ws`,
    process,
    logs: () => jsonLines(process.output()),
    stop: () => process.stop(),
  };
}
