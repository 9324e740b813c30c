/**
 * The production build ships no source maps and no test pages (the source maps were 11 MB and
 * `/e2e/harness.html` was served in production); the browser tests' build keeps both, in its own
 * directory. Checked on Vite's resolved configuration for both modes, without building.
 */
import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;

/** Vite's resolved build settings for `mode` (in Node: Vite's bundler does not load in Deno). */
async function build(mode: string, configFile = "vite.config.ts") {
  const script = `
    import { resolveConfig } from "vite";
    const c = await resolveConfig({ configFile: ${JSON.stringify(configFile)}, mode: ${
    JSON.stringify(mode)
  },
      logLevel: "silent" }, "build", ${JSON.stringify(mode)});
    console.log(JSON.stringify({ outDir: c.build.outDir, sourcemap: c.build.sourcemap,
      input: c.build.rollupOptions.input }));`;
  const out = await new Deno.Command("node", {
    args: ["--input-type=module", "-e", script],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as {
    outDir: string;
    sourcemap: boolean;
    input: Record<string, string>;
  };
}

Deno.test("the production build has no source maps and no test harness", async () => {
  const prod = await build("production");
  assert.equal(prod.sourcemap, false);
  assert.deepEqual(Object.keys(prod.input), ["main"]);
  assert.ok(!Object.values(prod.input).some((p) => p.includes("/e2e/")));
  assert.match(prod.outDir, /\/dist$/);
});

Deno.test("the browser tests' build has the harness and maps, in dist-e2e/", async () => {
  const e2e = await build("e2e");
  assert.equal(e2e.sourcemap, true);
  assert.match(e2e.outDir, /\/dist-e2e$/);
  const pages = await build("production", "vite.harness.config.ts");
  assert.ok(Object.values(pages.input).some((p) => p.endsWith("/e2e/harness.html")));
  assert.match(pages.outDir, /\/dist-e2e\/e2e$/);
});
