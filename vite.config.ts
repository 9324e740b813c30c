// Vite bundles the browser side (game/) into dist/, which the Deno lobby serves on one port.
// `npm run dev` runs Vite's hot-reload server and forwards the lobby's routes to `npm run signal`.
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

const lobby = process.env.DUET_LOBBY ?? "http://127.0.0.1:8000";
const page = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: "game",
  base: "./",
  build: {
    outDir: "../dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    rollupOptions: {
      input: {
        main: page("./game/index.html"),
        harness: page("./game/e2e/harness.html"),
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
});
