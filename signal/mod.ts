/**
 * `duet-netcode/lobby`: the Deno lobby as a library. Runs under Deno (it uses `Deno.serve`), so
 * its type declarations refer to Deno's types.
 *
 * Placeholder from the package build (issue 10) until `startLobby` lands: the server and its
 * configuration as the CLI (`signal/main.ts`, bin `duet-lobby`) uses them.
 *
 * @module
 */

export { DEFAULT_CONFIG, loadConfig, type ServerConfig, usage } from "./config.ts";
export { type RunningServer, startServer } from "./server.ts";
