/**
 * A lobby that ignores the open-file limit (no clamp): the attack tests run it under a tiny
 * `ulimit -n` to drive accept() into EMFILE for real and watch the accept watchdog recover.
 * Prints `port N` once listening. Test-only.
 *
 * usage: deno run -A attack/testing/unclamped_lobby.ts
 *
 * @module
 */
import { startServer } from "../../signal/server.ts";

const server = await startServer({
  port: 0,
  hostname: "127.0.0.1",
  staticDir: null,
  // The idle sockets must stay until the test lets them go.
  requestTimeoutMs: 60_000,
  maxConnectionsPerIp: 0,
  logLevel: "info",
}, { freeFds: null });
console.log(`port ${server.port}`);
Deno.addSignalListener("SIGTERM", () => server.close().then(() => Deno.exit(0)));
