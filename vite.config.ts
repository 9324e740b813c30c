// Vite bundles the example game (game/examples/air_hockey/) into dist/, which the Deno lobby
// serves on one port. `npm run dev` runs Vite's hot-reload server and forwards the lobby's routes
// to `npm run signal`. The package's entry points resolve to their sources here, exactly as the
// import map in deno.json does, so the example imports duet only as `duet-netcode/...`.
//
// Two builds: `vite build` is the production build (dist/: the game only, no source maps, no test
// pages); `vite build --mode e2e` is the browser tests' build (dist-e2e/, with source maps for
// readable stack traces), which vite.harness.config.ts completes with the test pages under
// dist-e2e/e2e/ (`npm run build:e2e` runs both).
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

const lobby = process.env.DUET_LOBBY ?? "http://127.0.0.1:8000";
const path = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** The package's entry points, by specifier, as the example and the tests import them. */
export const packageAliases = [
  { find: /^duet-netcode$/, replacement: path("./game/net/mod.ts") },
  { find: /^duet-netcode\/protocol$/, replacement: path("./shared/mod.ts") },
  { find: /^duet-netcode\/ui$/, replacement: path("./game/ui/mod.ts") },
  { find: /^duet-netcode\/testing$/, replacement: path("./game/testing/mod.ts") },
];

export default defineConfig(({ mode }) => {
  const e2e = mode === "e2e";
  return {
    root: "game/examples/air_hockey",
    base: "./",
    resolve: { alias: packageAliases },
    build: {
      outDir: path(e2e ? "./dist-e2e" : "./dist"),
      emptyOutDir: true,
      target: "es2022",
      sourcemap: e2e,
      rollupOptions: { input: { main: path("./game/examples/air_hockey/index.html") } },
    },
    server: {
      fs: { allow: [path(".")] },
      proxy: {
        "/ws": { target: lobby.replace(/^http/, "ws"), ws: true },
        "/api": lobby,
        "/healthz": lobby,
      },
    },
  };
});
