// The consumer test: duet-netcode as a game developer gets it. `npm pack`, the tarball installed
// in a directory outside the repository (tools/consumer.mjs; .ci/run prepares it before the
// network namespace), the README's quick-start game written there, type-checked against the
// shipped .d.ts, built with Vite, esbuild and webpack 5, served by the installed `duet-lobby`,
// and two Chromium pages that quick-match through the lobby screen and play with agreeing
// checksums (the Vite build) or reach the match (the webpack build). The sync test runs on the
// same game from plain Node and from Deno.
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { promisify } from "node:util";
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { expect, PLAYER_PERMISSIONS, test } from "./fixtures.ts";
import { freePort, type Service, startService, waitFor } from "./services.ts";
import { prepareConsumer } from "../../tools/consumer.mjs";

const run = promisify(execFile);
const EXAMPLE = "game/examples/canvas";
/** The quick start's files: the canvas example, which the README shows in full. */
const QUICK_START = ["index.html", "main.ts", "pong.ts", "draw.ts"];

/** The consumer's tsconfig, as the README gives it. */
const TSCONFIG = {
  compilerOptions: {
    target: "es2022",
    module: "esnext",
    moduleResolution: "bundler",
    lib: ["es2022", "dom", "dom.iterable"],
    types: [],
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    // Check the shipped .d.ts too, not only the consumer's own files (TypeScript's own lib files
    // are skipped: checking lib.dom.d.ts is most of the time and says nothing about duet).
    skipLibCheck: false,
    skipDefaultLibCheck: true,
  },
  include: ["*.ts"],
};

/** From plain Node: the protocol entry validates a message, the sync test runs the game. */
const SYNC_CHECK = `import { parseClientMessage } from "duet-netcode/protocol";
import { runSyncTest } from "duet-netcode/testing";
import { createPong } from "./out/pong.js";

const hello = parseClientMessage('{"type":"hello","name":"Ann"}');
if (!hello.ok) throw new Error("protocol: " + JSON.stringify(hello));
const report = runSyncTest({
  game: createPong(42),
  frames: 900,
  checkDistance: 8,
  input: (frame, player) => ((frame >> (3 + player)) & 1) + 1,
});
console.log(JSON.stringify(report));
`;

let dir = "";

/**
 * Repacks and reinstalls offline (all a prepared consumer needs); failing that, e.g. on a fresh
 * checkout with the registry in reach, installs from the registry. Without either, the offline
 * error says how to prepare it.
 */
function prepare(): string {
  try {
    return prepareConsumer({ offline: true });
  } catch (offline) {
    try {
      return prepareConsumer({ offline: false });
    } catch {
      throw offline;
    }
  }
}
const inDir = (cmd: string, args: string[], env: Record<string, string> = {}) =>
  run(cmd, args, { cwd: dir, env: { ...process.env, ...env }, maxBuffer: 16 << 20 });

test.describe.configure({ mode: "serial" });

test.beforeAll(() => {
  // Packing (a tsc build) and installing take a while on a loaded two-core machine.
  test.setTimeout(240_000);
  dir = prepare();
  const readme = readFileSync("README.md", "utf8");
  for (const file of QUICK_START) {
    const text = readFileSync(join(EXAMPLE, file), "utf8");
    // The README's quick start must be the example, byte for byte, or it has drifted.
    expect(readme.includes(text.trimEnd()), `README.md shows ${EXAMPLE}/${file} verbatim`)
      .toBe(true);
    copyFileSync(join(EXAMPLE, file), join(dir, file));
  }
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2) + "\n");
  writeFileSync(join(dir, "sync_check.mjs"), SYNC_CHECK);
  for (const out of ["dist", "out", "wp-src", "dist-webpack"]) {
    rmSync(join(dir, out), { recursive: true, force: true });
  }
});

test("the tarball ships the compiled entries, the bin, the README and the LICENSE, and no tests, examples or benchmarks", async () => {
  const { version } = JSON.parse(readFileSync("package.json", "utf8"));
  const list = await inDir("tar", ["-tzf", `duet-netcode-${version}.tgz`]);
  const files = list.stdout.trim().split("\n").map((f) => f.replace(/^package\//, ""));
  for (const f of files) {
    expect(f, "shipped file").toMatch(
      /^(lib\/.+\.(js|d\.ts|js\.map)|bin\/duet-lobby\.mjs|README\.md|LICENSE|package\.json)$/,
    );
    expect(f, "shipped file").not.toMatch(
      /_test\.|\/e2e\/|\/examples\/|^bench\/|testdata|fixtures/,
    );
  }
  for (const entry of ["game/net", "shared", "signal", "game/ui", "game/testing"]) {
    expect(files).toContain(`lib/${entry}/mod.js`);
    expect(files).toContain(`lib/${entry}/mod.d.ts`);
  }
  const pkg = JSON.parse(
    readFileSync(join(dir, "node_modules", "duet-netcode", "package.json"), "utf8"),
  );
  expect(Object.keys(pkg.dependencies).sort()).toEqual([
    "msgpackr",
    "valibot",
    "webrtc-adapter",
    "ws",
  ]);
  expect(pkg.private).toBeUndefined();
  expect(pkg.license).toBe("MIT");
  expect(files).toContain("LICENSE");
});

test("the quick-start game type-checks against the shipped .d.ts (tsc --noEmit)", async () => {
  test.setTimeout(240_000);
  await inDir("node_modules/.bin/tsc", ["--noEmit", "-p", "."]);
  // And the shipped browser entries need neither Deno's nor Node's types.
  const probe = Object.entries({
    "duet-netcode": "createSignalingClient",
    "duet-netcode/protocol": "parseClientMessage",
    "duet-netcode/ui": "h",
    "duet-netcode/testing": "runSyncTest",
  }).map(([from, name], i) => `import { ${name} as x${i} } from "${from}"; void x${i};`);
  mkdirSync(join(dir, "probe"), { recursive: true });
  writeFileSync(join(dir, "probe", "entries.ts"), probe.join("\n") + "\n");
  writeFileSync(
    join(dir, "probe", "tsconfig.json"),
    JSON.stringify({ ...TSCONFIG, include: ["entries.ts"] }, null, 2),
  );
  await inDir("node_modules/.bin/tsc", ["--noEmit", "-p", "probe"]);
});

test("from plain Node and from Deno, the protocol entry loads and the game passes the sync test", async () => {
  test.setTimeout(240_000);
  // Node 20 runs no TypeScript: the game module is compiled by tsc, then imported as JS.
  writeFileSync(
    join(dir, "tsconfig.node.json"),
    JSON.stringify({
      extends: "./tsconfig.json",
      compilerOptions: {
        noEmit: false,
        outDir: "out",
        module: "nodenext",
        moduleResolution: "nodenext",
        rewriteRelativeImportExtensions: true,
        lib: ["es2022"],
        skipLibCheck: true,
      },
      include: ["pong.ts"],
    }),
  );
  await inDir("node_modules/.bin/tsc", ["-p", "tsconfig.node.json"]);
  const node = await inDir(process.execPath, ["sync_check.mjs"]);
  expect(JSON.parse(node.stdout)).toEqual({ ok: true, frames: 900 });
  // Deno runs the TypeScript as it is, resolving duet-netcode from the consumer's node_modules.
  writeFileSync(
    join(dir, "sync_check.ts"),
    SYNC_CHECK.replace("./out/pong.js", "./pong.ts"),
  );
  const deno = await inDir("node_modules/.bin/deno", [
    "run",
    "--no-config",
    "--node-modules-dir=manual",
    "--allow-read",
    "--allow-env",
    "sync_check.ts",
  ]);
  expect(JSON.parse(deno.stdout)).toEqual({ ok: true, frames: 900 });
});

test("esbuild bundles every browser entry for the browser, with no Node or Deno left in", async () => {
  test.setTimeout(240_000);
  writeFileSync(
    join(dir, "bundle_entry.ts"),
    [
      `import { createSignalingClient, createP2PSession } from "duet-netcode";`,
      `import { h } from "duet-netcode/ui";`,
      `import { parseClientMessage } from "duet-netcode/protocol";`,
      `import { runSyncTest } from "duet-netcode/testing";`,
      `export const ok = [createSignalingClient, createP2PSession, h, runSyncTest]`,
      `  .every((f) => typeof f === "function") && parseClientMessage('{"type":"quick"}').ok;`,
      "",
    ].join("\n"),
  );
  const esbuild = join(process.cwd(), "node_modules", ".bin", "esbuild");
  await inDir(esbuild, [
    "--bundle",
    "--platform=browser",
    "--format=esm",
    "--target=es2022",
    "bundle_entry.ts",
    "--outfile=out/bundle.js",
  ]);
  const bundle = readFileSync(join(dir, "out", "bundle.js"), "utf8");
  expect(bundle).not.toMatch(/from ["']node:|require\(["']node:|\bDeno\.[a-z]/);
});

test("the installed duet-lobby passes its flags on and exits with the lobby's code", async () => {
  test.setTimeout(120_000);
  const bin = join(dir, "node_modules", ".bin", "duet-lobby");
  const help = await inDir(bin, ["--help"]);
  expect(help.stdout).toContain("--static-dir");
  // The installed command's help names the installed command, not the repository's deno form.
  expect(help.stdout).toMatch(/^duet lobby: duet-lobby \[flags\]$/m);
  expect(help.stdout).not.toContain("signal/main.ts");
  // A bad flag value is the lobby's "invalid configuration": exit code 2, through the launcher.
  const bad = await inDir(bin, ["--port", "not-a-port"]).then(() => 0, (e) => e.code);
  expect(bad).toBe(2);
});

test("built with Vite and served by the installed duet-lobby, two pages quick-match and play with agreeing checksums", async ({ browser }) => {
  test.setTimeout(180_000);
  await inDir("node_modules/.bin/vite", ["build", "--logLevel", "warn"]);
  await withTwoPlayers(browser, "dist", (name, message) => {
    console.error(`[${name}] page error: ${message}`);
  }, async (pages) => {
    await quickMatch(pages);
    // Both players hold a key for a while, so the inputs differ and rollbacks happen.
    await pages[0].keyboard.down("ArrowUp");
    await pages[1].keyboard.down("ArrowDown");
    const confirmed = (page: Page) =>
      page.evaluate(() => globalThis.match?.stats().confirmedFrame ?? -1);
    for (const page of pages) {
      await expect.poll(() => confirmed(page), { timeout: 30_000 }).toBeGreaterThan(240);
    }
    const frame = Math.min(await confirmed(pages[0]), await confirmed(pages[1])) - 30;
    const sums = await Promise.all(
      pages.map((page) => page.evaluate((f) => globalThis.match?.checksum(f), frame)),
    );
    expect(sums[0]).toEqual(expect.any(Number));
    expect(sums[1]).toBe(sums[0]);
    const stats = await Promise.all(pages.map((p) => p.evaluate(() => globalThis.match?.stats())));
    for (const s of stats) expect(s?.desyncs ?? 0).toBe(0);
  });
});

/** Every browser entry, for the webpack bundle: the page reads `duetEntries` to see they ran. */
const WEBPACK_ENTRIES = `import { createP2PSession, createSignalingClient } from "duet-netcode";
import { h } from "duet-netcode/ui";
import { parseClientMessage } from "duet-netcode/protocol";
import { runSyncTest } from "duet-netcode/testing";

(globalThis as { duetEntries?: boolean }).duetEntries =
  [createSignalingClient, createP2PSession, h, runSyncTest].every((f) => typeof f === "function") &&
  parseClientMessage('{"type":"quick"}').ok;
`;

/** webpack 5 as a game developer sets it up: JS in (tsc's output), one script per entry out. */
const WEBPACK_CONFIG = `import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
export default {
  mode: "production",
  target: "web",
  context: here,
  entry: { main: "./wp-src/main.js", entries: "./wp-src/webpack_entries.js" },
  output: { path: join(here, "dist-webpack"), filename: "[name].js", clean: true },
  // Minifying would only add a minute on a loaded two-core machine; resolution and loading are
  // what this checks.
  optimization: { minimize: false },
  performance: { hints: false },
};
`;

test("webpack 5 bundles the quick start and every entry; the bundle plays a match in the page", async ({ browser }) => {
  test.setTimeout(240_000);
  // webpack reads no TypeScript without a loader, so tsc compiles the quick start to JS first,
  // as a project without ts-loader would.
  writeFileSync(join(dir, "webpack_entries.ts"), WEBPACK_ENTRIES);
  writeFileSync(
    join(dir, "tsconfig.webpack.json"),
    JSON.stringify({
      extends: "./tsconfig.json",
      compilerOptions: {
        noEmit: false,
        outDir: "wp-src",
        rewriteRelativeImportExtensions: true,
        skipLibCheck: true,
      },
      include: ["main.ts", "pong.ts", "draw.ts", "webpack_entries.ts"],
    }),
  );
  await inDir("node_modules/.bin/tsc", ["-p", "tsconfig.webpack.json"]);
  writeFileSync(join(dir, "webpack.config.mjs"), WEBPACK_CONFIG);
  const built = await inDir("node_modules/.bin/webpack", [
    "--config",
    "webpack.config.mjs",
    "--no-color",
  ]);
  expect(built.stdout).not.toMatch(/\bERROR\b/);
  const main = readFileSync(join(dir, "dist-webpack", "main.js"), "utf8");
  expect(main).not.toMatch(/from ["']node:|require\(["']node:|\bDeno\.[a-z]/);
  const html = readFileSync(join(dir, "index.html"), "utf8");
  const module = '<script type="module" src="./main.ts"></script>';
  expect(html).toContain(module);
  writeFileSync(
    join(dir, "dist-webpack", "index.html"),
    html.replace(module, '<script src="./entries.js"></script><script src="./main.js"></script>'),
  );

  const errors: string[] = [];
  await withTwoPlayers(browser, "dist-webpack", (name, message) => {
    errors.push(`[${name}] ${message}`);
  }, async (pages) => {
    for (const page of pages) {
      expect(await page.evaluate(() => globalThis.duetEntries)).toBe(true);
    }
    await quickMatch(pages);
    expect(errors).toEqual([]);
  });
});

/**
 * Serves `staticDir` of the consumer project with its installed duet-lobby bin, opens two
 * players' pages at it, runs `body`, then closes the pages and checks the lobby exits cleanly.
 */
async function withTwoPlayers(
  browser: Browser,
  staticDir: string,
  onPageError: (name: string, message: string) => void,
  body: (pages: Page[]) => Promise<void>,
): Promise<void> {
  const port = await freePort();
  const lobby: Service = startService(
    join(dir, "node_modules", ".bin", "duet-lobby"),
    ["--port", String(port), "--host", "127.0.0.1", "--static-dir", join(dir, staticDir)],
    { LOG_LEVEL: "warn" },
    port,
  );
  const contexts: BrowserContext[] = [];
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      "duet-lobby",
      async () => (await fetch(`${base}/healthz`)).ok,
      30_000,
      lobby.output,
    );
    const pages: Page[] = [];
    for (const name of ["Ann", "Bob"]) {
      const context = await browser.newContext({ permissions: PLAYER_PERMISSIONS });
      contexts.push(context);
      const page = await context.newPage();
      page.on("pageerror", (e) => onPageError(name, e.message));
      await page.goto(`${base}/`);
      pages.push(page);
    }
    await body(pages);
  } finally {
    for (const context of contexts) await context.close();
    expect(await lobby.stop("SIGTERM")).toBe(0);
  }
}

/** Quick match through the lobby screen's DOM, as a player does it, until both are playing. */
async function quickMatch(pages: Page[]): Promise<void> {
  for (const page of pages) {
    await page.getByRole("button", { name: /quick match/i }).click();
  }
  for (const page of pages) {
    await expect.poll(() => page.evaluate(() => globalThis.match?.phase), { timeout: 30_000 })
      .toBe("playing");
  }
}

declare global {
  /** Set by the webpack bundle's entries script: every duet-netcode entry loaded and ran. */
  var duetEntries: boolean | undefined;
  /** The example puts its running match here for the console (and this test). */
  var match:
    | {
      phase: string;
      stats(): { confirmedFrame: number; desyncs?: number };
      checksum(frame: number): number | undefined;
    }
    | undefined;
}
