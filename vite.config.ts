// Vite bundles the browser side (game/) into dist/, which the Deno lobby serves on one port.
// `npm run dev` runs Vite's hot-reload server and forwards the lobby's routes to `npm run signal`.
//
// Two builds: `vite build` is the production build (dist/: the game only, no source maps, no test
// pages); `vite build --mode e2e` (`npm run build:e2e`) is the browser tests' build (dist-e2e/:
// the game plus the network test harness, with source maps for readable stack traces).
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

const lobby = process.env.DUET_LOBBY ?? "http://127.0.0.1:8000";
const page = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig(({ mode }) => {
  const e2e = mode === "e2e";
  return {
    root: "game",
    base: "./",
    build: {
      outDir: e2e ? "../dist-e2e" : "../dist",
      emptyOutDir: true,
      target: "es2022",
      sourcemap: e2e,
      rollupOptions: {
        input: {
          main: page("./game/index.html"),
          ...(e2e ? { harness: page("./game/e2e/harness.html") } : {}),
        },
      },
    },
    server: {
      proxy: {
        "/ws": { target: lobby.replace(/^http/, "ws"), ws: true },
        "/api": lobby,
        "/healthz": lobby,
      },
    },
  };
});
