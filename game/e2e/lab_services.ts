/**
 * The services of a {@link NetLab}'s internet: a lobby (signal/main.ts) and coturn (STUN and
 * TURN with the lobby's REST credentials), both on 203.0.113.1 inside the lab's `wan` namespace.
 * The tests' own namespace has no route there, so readiness is read from each process's log
 * instead of probed. Each is a child of the test, stopped by it (SIGTERM, then SIGKILL).
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { LAB, type NetLab } from "./net_lab.ts";
import { coturnArgs, TURNSERVER } from "../../signal/testing/coturn_args.ts";

/** A process in the lab with its output kept for failure messages. */
export interface LabService {
  output(): string;
  stop(): Promise<void>;
}

/** A lobby in the lab. */
export interface LabLobby extends LabService {
  /** `http://203.0.113.1:<port>`: the game page's origin as the homes see it. */
  http: string;
}

/** coturn in the lab. */
export interface LabCoturn extends LabService {
  port: number;
  secret: string;
  /** The TURN urls (UDP and TCP) for the lobby's TURN_URLS. */
  turnUrls: string;
  /** The STUN url for the lobby's ICE_STUN_URLS. */
  stunUrl: string;
}

function startIn(lab: NetLab, command: string, args: string[], env: Record<string, string>) {
  const [cmd, argv] = lab.wrap("wan", command, args);
  const child: ChildProcess = spawn(cmd, argv, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const waiters: (() => void)[] = [];
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-64_000);
    for (const w of waiters.splice(0)) w();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let done = false;
  const exited = new Promise<void>((resolve) => {
    child.on("exit", () => {
      done = true;
      for (const w of waiters.splice(0)) w();
      resolve();
    });
  });
  /** Resolves once the output matches `re`; rejects on exit or after `ms`. */
  const waitFor = async (what: string, re: RegExp, ms: number): Promise<void> => {
    const end = Date.now() + ms;
    while (!re.test(text)) {
      if (done) throw new Error(`${what} exited:\n${text.slice(-3000)}`);
      const left = end - Date.now();
      if (left <= 0) {
        throw new Error(`${what} did not start within ${ms} ms:\n${text.slice(-3000)}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  };
  const stop = async (): Promise<void> => {
    if (!done) child.kill("SIGTERM");
    const timer = setTimeout(() => !done && child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };
  return { output: () => text, waitFor, stop };
}

/**
 * Starts a lobby on 203.0.113.1:`port` serving the built game (E2E_STATIC_DIR or dist-e2e/), with
 * `env` added (TURN_URLS, TURN_SECRET, ICE_STUN_URLS...), and waits for its "listening" line.
 */
export async function startLabLobby(
  lab: NetLab,
  port: number,
  env: Record<string, string> = {},
): Promise<LabLobby> {
  const s = startIn(
    lab,
    "node_modules/.bin/deno",
    ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-sys", "signal/main.ts"],
    {
      HOST: LAB.wan,
      PORT: String(port),
      STATIC_DIR: process.env.E2E_STATIC_DIR ?? "dist-e2e",
      LOG_LEVEL: "info",
      ...env,
    },
  );
  try {
    await s.waitFor("the lobby", /"listening"/, 20_000);
  } catch (err) {
    await s.stop();
    throw err;
  }
  return { output: s.output, stop: s.stop, http: `http://${LAB.wan}:${port}` };
}

/** Starts coturn on 203.0.113.1:`port` (UDP and TCP) with a shared secret. */
export async function startLabCoturn(
  lab: NetLab,
  port = 3478,
  secret = "duet-lab-secret",
): Promise<LabCoturn> {
  const s = startIn(
    lab,
    TURNSERVER,
    coturnArgs({
      ip: LAB.wan,
      port,
      minPort: 40000,
      relayPorts: 1000,
      secret,
      realm: "duet.test",
      // One log line per request: tests read who allocated from it.
      verbose: true,
    }),
    {},
  );
  try {
    await s.waitFor("coturn", /TCP listener opened on/, 10_000);
    await s.waitFor("coturn", /UDP listener opened on|listener opened on .*udp/i, 10_000);
  } catch (err) {
    await s.stop();
    throw err;
  }
  return {
    output: s.output,
    stop: s.stop,
    port,
    secret,
    turnUrls: `turn:${LAB.wan}:${port}?transport=udp,turn:${LAB.wan}:${port}?transport=tcp`,
    stunUrl: `stun:${LAB.wan}:${port}`,
  };
}
