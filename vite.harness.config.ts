// The Phaser-free test pages (game/e2e/harness.html, and lobby_screen.html for the ui), built
// beside the game into dist-e2e/e2e/ for the browser tests only: `npm run build` (what `npm start`
// serves) leaves them out.
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";
import { packageAliases } from "./vite.config.ts";

const path = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: "game/e2e",
  base: "./",
  resolve: { alias: packageAliases },
  build: {
    outDir: path("./dist-e2e/e2e"),
    emptyOutDir: false,
    target: "es2022",
    sourcemap: true,
    rollupOptions: {
      input: {
        harness: path("./game/e2e/harness.html"),
        lobby_screen: path("./game/e2e/lobby_screen.html"),
      },
    },
  },
});
