// Prepares the consumer project for the consumer test (game/e2e/consumer.spec.ts): a directory
// outside the repository with duet-netcode installed from a fresh `npm pack` tarball, plus Vite
// TypeScript and webpack (with webpack-cli), as a game developer following the README would have
// it: the quick start is bundled with Vite, esbuild (the repository's own) and webpack 5.
//
//     node tools/consumer.mjs            # pack and install, fetching from the registry if needed
//     node tools/consumer.mjs --offline  # pack and reinstall from npm's cache only
//
// Why two modes: the browser tests run in a network namespace with no registry. A first install
// needs package metadata that `npm ci` never caches, so .ci/run runs this once before entering
// the namespace; inside it the test repacks and reinstalls offline, which needs only the lock
// and the cached tarballs. Prints the directory. DUET_CONSUMER_DIR overrides where it lives.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The consumer directory: one per checkout, outside it. */
export function consumerDir() {
  if (process.env.DUET_CONSUMER_DIR) return process.env.DUET_CONSUMER_DIR;
  const id = createHash("sha256").update(root).digest("hex").slice(0, 10);
  return join(tmpdir(), `duet-consumer-${id}`);
}

/** The version a package of the repository's own install has (so the cache has its tarball). */
function installedVersion(name) {
  const file = join(root, "node_modules", name, "package.json");
  return JSON.parse(readFileSync(file, "utf8")).version;
}

/** Packs the repository (prepack builds lib/) and installs the tarball into the consumer. */
export function prepareConsumer({ offline = false } = {}) {
  const dir = consumerDir();
  mkdirSync(dir, { recursive: true });
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const tarball = `duet-netcode-${version}.tgz`;
  // Rewritten every time (keeping what npm added, e.g. duet-netcode itself), so a consumer
  // prepared before a bundler joined the list gets it too.
  const file = join(dir, "package.json");
  const before = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  const devDependencies = {
    typescript: installedVersion("typescript"),
    vite: installedVersion("vite"),
    webpack: installedVersion("webpack"),
    "webpack-cli": installedVersion("webpack-cli"),
  };
  writeFileSync(
    file,
    JSON.stringify(
      {
        ...before,
        name: "duet-consumer",
        private: true,
        type: "module",
        scripts: { build: "vite build", start: "duet-lobby --static-dir dist" },
        devDependencies,
      },
      null,
      2,
    ) + "\n",
  );
  const npm = (args) =>
    execFileSync("npm", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  execFileSync("npm", ["pack", "--pack-destination", dir], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const flags = ["--no-audit", "--no-fund", ...(offline ? ["--offline"] : [])];
  try {
    npm(["install", ...flags, `./${tarball}`]);
  } catch (err) {
    const detail = String(err.stderr ?? err.message).trim().split("\n").slice(-3).join("\n");
    throw new Error(
      offline
        ? `the consumer project in ${dir} is not prepared: run \`node tools/consumer.mjs\` ` +
          `with access to the npm registry first (.ci/run does, before entering the network ` +
          `namespace).\nnpm said: ${detail}`
        : `npm install in ${dir} failed:\n${detail}`,
    );
  }
  return dir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    console.log(prepareConsumer({ offline: process.argv.includes("--offline") }));
  } catch (err) {
    console.error(`consumer: ${err.message}`);
    process.exit(1);
  }
}
