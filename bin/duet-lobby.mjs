#!/usr/bin/env node
// duet-lobby: runs the compiled lobby (lib/signal/main.js) under Deno, with every flag passed on
// (`npx duet-lobby --port 8000 --static-dir dist`; `--help` lists them).
//
// Why a Node launcher: npm runs bins with Node, and the lobby needs Deno (Deno.serve). Deno comes
// from the `deno` npm package (an optional dependency of duet-netcode, installed by default),
// whose platform binary sits in node_modules, so this works offline with no global Deno. DENO_BIN
// overrides it; a `deno` on PATH is the last resort.
//
// The lobby stays in this process group, so a terminal's Ctrl-C or a supervisor killing the
// group reaches it directly; a signal sent to this launcher alone (SIGTERM from `kill`, a
// container stop) is passed on. Deno keeps its handler installed after the lobby's first
// signal starts the graceful shutdown, so a signal that arrives twice (group + forwarded) is
// harmless. The lobby's exit code (0 after a shutdown, 1 failed to start, 2 bad configuration)
// becomes this process's.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import process from "node:process";

const main = fileURLToPath(new URL("../lib/signal/main.js", import.meta.url));
const PERMISSIONS = ["--allow-net", "--allow-env", "--allow-read", "--allow-sys"];

/** The Deno executable: $DENO_BIN, the `deno` npm package's binary, or `deno` on PATH. */
function findDeno() {
  if (process.env.DENO_BIN) return process.env.DENO_BIN;
  const require = createRequire(import.meta.url);
  try {
    // install_api.cjs picks the @deno/<platform> package's binary (no download).
    return require("deno/install_api.cjs").runInstall();
  } catch {
    const onPath = spawnSync("deno", ["--version"], { stdio: "ignore" });
    if (onPath.status === 0) return "deno";
    return null;
  }
}

if (!existsSync(main)) {
  console.error(`duet-lobby: ${main} is missing; this copy of duet-netcode was not built.`);
  process.exit(1);
}
const deno = findDeno();
if (!deno) {
  console.error(
    "duet-lobby: no Deno found. It comes with duet-netcode as the optional dependency `deno`;\n" +
      "reinstall without --omit=optional (or --no-optional), set DENO_BIN, or install Deno.",
  );
  process.exit(1);
}

// --no-config: the game's own deno.json (if any) must not change how the lobby resolves or runs.
// --node-modules-dir=manual: msgpackr, valibot (and ioredis for Redis) come from node_modules.
const child = spawn(
  deno,
  [
    "run",
    "--no-config",
    "--node-modules-dir=manual",
    ...PERMISSIONS,
    main,
    ...process.argv.slice(2),
  ],
  // DUET_LOBBY_COMMAND: `--help` shows `duet-lobby [flags]`, not the repository's deno command.
  { stdio: "inherit", env: { ...process.env, DUET_LOBBY_COMMAND: "duet-lobby" } },
);

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"];
for (const signal of FORWARDED) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
child.on("error", (err) => {
  console.error(`duet-lobby: could not start ${deno}: ${err.message}`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  if (signal) {
    // Die the same way, so a supervisor sees the signal and not a made-up exit code.
    for (const s of FORWARDED) process.removeAllListeners(s);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
