// Vite bundles the example game (game/examples/air_hockey/) into dist/, which the Deno lobby
// serves on one port. `npm run dev` runs Vite's hot-reload server and forwards the lobby's routes
// to `npm run signal`. The package's entry points resolve to their sources here, exactly as the
// import map in deno.json does, so the example imports duet only as `duet-netcode/...`.
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

export default defineConfig({
  root: "game/examples/air_hockey",
  base: "./",
  resolve: { alias: packageAliases },
  build: {
    outDir: path("./dist"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
  },
  server: {
    fs: { allow: [path(".")] },
    proxy: {
      "/ws": { target: lobby.replace(/^http/, "ws"), ws: true },
      "/api": lobby,
      "/healthz": lobby,
    },
  },
});
