/**
 * Starts the lobby server from the environment (see config.ts) and shuts it down cleanly on
 * SIGINT/SIGTERM: clients get `error` `shutting-down` and a 1001 close, then the process exits 0.
 *
 *     deno run --allow-net --allow-env --allow-read --allow-sys signal/main.ts
 *
 * Exit codes: 0 after a clean shutdown, 1 if the server could not start or stop, 2 for invalid
 * configuration.
 */
import { loadConfig, type ServerConfig } from "./config.ts";
import { startServer } from "./server.ts";

/** Grace period for the shutdown before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 5000;

/** Runs the lobby until a termination signal arrives. */
export async function main(): Promise<void> {
  let config: ServerConfig;
  try {
    config = loadConfig((name) => Deno.env.get(name));
  } catch (err) {
    console.error(`duet lobby: invalid configuration: ${(err as Error).message}`);
    Deno.exit(2);
  }
  let server;
  try {
    server = await startServer(config);
  } catch (err) {
    console.error(
      `duet lobby: cannot listen on ${config.hostname}:${config.port}: ${(err as Error).message}`,
    );
    Deno.exit(1);
  }
  const wsUrl = `${server.url.replace(/^http/, "ws")}ws`;
  const game = config.staticDir === null ? "no static files" : `game from ${config.staticDir}/`;
  console.log(
    `duet lobby listening on ${server.url} (lobby ${wsUrl}, ${game}, up to ${config.maxConnections} connections)`,
  );

  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const stop = async () => {
    for (const s of signals) Deno.removeSignalListener(s, stop);
    console.log("duet lobby: shutting down");
    const force = setTimeout(() => {
      console.error("duet lobby: shutdown timed out");
      Deno.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    await server.close();
    clearTimeout(force);
    Deno.exit(0);
  };
  for (const s of signals) Deno.addSignalListener(s, stop);
}

if (import.meta.main) await main();
