/**
 * Real services for browser tests that need more than playwright.config.ts's lobby: a second
 * lobby process with its own settings (TURN, a port it can be restarted on) and coturn. Each is a
 * child process of the test, stopped in its `finally` (SIGTERM, then SIGKILL), so none outlives
 * it. Node APIs only: Playwright runs specs in Node.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect, createServer } from "node:net";
import process from "node:process";
import { coturnArgs, randomRelayPortBase, TURNSERVER } from "../../signal/testing/coturn_args.ts";

export { TURNSERVER };

/** Whether coturn is installed (tests skip with a message when it is not). */
export const haveTurnserver = (): boolean => existsSync(TURNSERVER);

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, probe: () => Promise<boolean>, ms: number, log: () => string) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await probe().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`${what} did not come up within ${ms} ms:\n${log().slice(-3000)}`);
}

/** A child process with its output kept (for failure messages). */
export interface Service {
  port: number;
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM (or `signal`), then SIGKILL after `graceMs`; resolves once it exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

function start(command: string, args: string[], env: Record<string, string>, port: number) {
  const child: ChildProcess = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-64_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    child.on("exit", (code) => resolve(code));
  });
  let done = false;
  exited.then(() => (done = true));
  const service: Service = {
    port,
    output: () => text,
    exited,
    async stop(signal = "SIGTERM", graceMs = 3000) {
      if (!done) child.kill(signal);
      const timer = setTimeout(() => {
        if (!done) child.kill("SIGKILL");
      }, graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  return service;
}

/** A lobby process (signal/main.ts). */
export interface LobbyService extends Service {
  /** `http://127.0.0.1:<port>` */
  http: string;
}

/**
 * Starts signal/main.ts on 127.0.0.1:`port` serving the built game (E2E_STATIC_DIR or dist-e2e/),
 * with `env` added, and waits for /healthz.
 */
export async function startLobby(
  env: Record<string, string> = {},
  port?: number,
): Promise<LobbyService> {
  const p = port ?? await freePort();
  const service = start(
    "node_modules/.bin/deno",
    ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-sys", "signal/main.ts"],
    {
      HOST: "127.0.0.1",
      STATIC_DIR: process.env.E2E_STATIC_DIR ?? "dist-e2e",
      LOG_LEVEL: "warn",
      ...env,
      PORT: String(p),
    },
    p,
  );
  try {
    await waitFor(
      "the lobby",
      async () => {
        const res = await fetch(`http://127.0.0.1:${p}/healthz`);
        return res.ok;
      },
      20_000,
      service.output,
    );
  } catch (err) {
    await service.stop("SIGKILL");
    throw err;
  }
  return { ...service, http: `http://127.0.0.1:${p}` };
}

/** A running coturn with a shared secret (use-auth-secret). */
export interface CoturnService extends Service {
  secret: string;
  /** `turn:127.0.0.1:<port>?transport=udp` */
  url: string;
}

/** Starts coturn on 127.0.0.1 with the TURN REST API shared secret; waits for its TCP listener. */
export async function startCoturn(secret = "duet-e2e-secret"): Promise<CoturnService> {
  const port = await freePort();
  const args = coturnArgs({
    port,
    minPort: randomRelayPortBase(),
    secret,
    realm: "duet.test",
    verbose: true,
  });
  const service = start(TURNSERVER, args, {}, port);
  try {
    await waitFor(
      "coturn",
      () =>
        new Promise<boolean>((resolve) => {
          const socket = connect(port, "127.0.0.1");
          socket.once("connect", () => {
            socket.destroy();
            resolve(true);
          });
          socket.once("error", () => resolve(false));
        }),
      10_000,
      service.output,
    );
  } catch (err) {
    await service.stop("SIGKILL");
    throw err;
  }
  return { ...service, secret, url: `turn:127.0.0.1:${port}?transport=udp` };
}

/** For specs that run a lobby of their own build (e.g. the consumer test's installed bin). */
export { start as startService, waitFor };
