// The canvas example (game/examples/canvas/, pong without Phaser), built into dist/canvas/ after
// the air-hockey build, so `npm start` serves it at /canvas/. It resolves duet-netcode exactly as
// the air-hockey build does.
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";
import { packageAliases } from "./vite.config.ts";

const path = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: "game/examples/canvas",
  base: "./",
  resolve: { alias: packageAliases },
  build: {
    outDir: path("./dist/canvas"),
    emptyOutDir: false,
    target: "es2022",
    sourcemap: true,
  },
});
