/**
 * Real services for tests (redis-server, turnserver, lobby processes): spawned by the test that
 * needs them, their output kept for failure messages, and always stopped (kill, then wait) so no
 * process outlives the suite. Test-only.
 *
 * @module
 */
import { existsSync } from "node:fs";

/** A spawned service. */
export interface ServiceProcess {
  readonly pid: number;
  /** Everything it printed so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Resolves when the process has exited (by itself or killed). */
  readonly exited: Promise<Deno.CommandStatus>;
  /** Sends `signal` if still running. */
  kill(signal?: Deno.Signal): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** Whether an executable exists at `path` (tests skip, with a message, when a binary is missing). */
export function binaryExists(path: string): boolean {
  return existsSync(path);
}

/** Prints why a test file's real-server tests are skipped; returns whether they can run. */
export function requireBinary(path: string, what: string, install: string): boolean {
  if (binaryExists(path)) return true;
  console.warn(`SKIPPING ${what} tests: ${path} is missing (install it: ${install})`);
  return false;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freeTcpPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Starts `command` with `args`; its output is collected (bounded) for error messages. */
export function spawnService(
  command: string,
  args: string[],
  opts: { env?: Record<string, string>; clearEnv?: boolean } = {},
): ServiceProcess {
  const child = new Deno.Command(command, {
    args,
    env: opts.env,
    clearEnv: opts.clearEnv,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const collect = async (stream: ReadableStream<Uint8Array<ArrayBuffer>>) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      // Keep the tail: it says why a service failed.
      if (text.length > 64_000) text = text.slice(-32_000);
    }
  };
  const drained = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const exited = child.status.then(async (s) => {
    await drained;
    return s;
  });
  let running = true;
  exited.then(() => (running = false));
  let stopping: Promise<void> | null = null;
  const kill = (signal: Deno.Signal = "SIGTERM") => {
    if (!running) return;
    try {
      child.kill(signal);
    } catch {
      // Exited between the check and the kill.
    }
  };
  return {
    pid: child.pid,
    output: () => text,
    exited,
    kill,
    stop(graceMs = 2000) {
      return stopping ??= (async () => {
        kill("SIGTERM");
        let timer: ReturnType<typeof setTimeout> | undefined;
        const forced = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            kill("SIGKILL");
            resolve();
          }, graceMs);
        });
        await Promise.race([exited, forced]);
        clearTimeout(timer);
        await exited;
      })();
    },
  };
}

/** Polls `probe` every 25 ms until it returns true; throws with `describe()` after `timeoutMs`. */
export async function waitUntil(
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // Not ready yet.
    }
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
