/**
 * The `duet-lobby` command: {@link startLobby} (mod.ts) with settings from environment variables
 * and flags (see config.ts, or `--help`), shut down gracefully on SIGINT/SIGTERM: it stops
 * accepting, every client gets `error`
 * `shutting-down` and a 1001 close, and the process exits 0 within SHUTDOWN_DEADLINE_MS.
 *
 *     deno run --allow-net --allow-env --allow-read --allow-sys signal/main.ts [--port 8000 ...]
 *
 * Logs are JSON lines (log.ts). Exit codes: 0 after a shutdown, 1 if the server could not start,
 * 2 for invalid configuration.
 */
import { loadConfig, type ServerConfig, usage } from "./config.ts";
import { createLogger } from "./log.ts";
import { startLobby } from "./mod.ts";

/** Extra time past the shutdown deadline before the process exits regardless. */
const SHUTDOWN_GRACE_MS = 2000;

/** Runs the lobby until a termination signal arrives. */
export async function main(args: readonly string[] = Deno.args): Promise<void> {
  if (args.includes("--help") || args.includes("-h")) {
    // Set by bin/duet-lobby.mjs: the help names the command the user typed.
    console.log(usage(Deno.env.get("DUET_LOBBY_COMMAND") || undefined));
    return;
  }
  let config: ServerConfig;
  try {
    config = loadConfig((name) => Deno.env.get(name), args);
  } catch (err) {
    // No logger yet: LOG_LEVEL itself may be what is wrong.
    createLogger("error").error("invalid-config", {
      msg: `duet lobby: invalid configuration: ${(err as Error).message}`,
      error: err,
    });
    Deno.exit(2);
  }
  const log = createLogger(config.logLevel);
  let server;
  try {
    server = await startLobby(config);
  } catch (err) {
    log.error("start-failed", {
      msg: `duet lobby: cannot start on ${config.hostname}:${config.port}: ${
        (err as Error).message
      }`,
      error: err,
    });
    Deno.exit(1);
  }
  const ws = `${server.url.replace(/^http/, "ws")}ws`;
  const game = config.staticDir === null ? "no static files" : `game from ${config.staticDir}/`;
  log.info("listening", {
    msg: `duet lobby listening on ${server.url} (lobby ${ws}, ${game}, ${server.registry.kind} ` +
      `registry, up to ${server.maxSockets} connections)`,
    url: server.url,
    port: server.port,
    registry: server.registry.kind,
    turn: config.turn !== null,
    allowedOrigins: config.allowedOrigins.length > 0 ? config.allowedOrigins : "all",
    maxSockets: server.maxSockets,
    metricsPort: server.metricsPort,
  });

  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const stop = async (signal: Deno.Signal) => {
    for (const s of signals) Deno.removeSignalListener(s, handlers[s]!);
    log.info("shutting-down", {
      msg: "duet lobby: shutting down",
      signal,
      deadlineMs: config.shutdownDeadlineMs,
    });
    const force = setTimeout(() => {
      log.error("shutdown-timeout", { msg: "duet lobby: shutdown overran its deadline" });
      Deno.exit(1);
    }, config.shutdownDeadlineMs + SHUTDOWN_GRACE_MS);
    await server.close();
    clearTimeout(force);
    Deno.exit(0);
  };
  const handlers: Partial<Record<Deno.Signal, () => void>> = {};
  for (const s of signals) {
    handlers[s] = () => void stop(s);
    Deno.addSignalListener(s, handlers[s]!);
  }
}

if (import.meta.main) await main();
