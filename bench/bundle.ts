// Bundling for the benchmarks with the installed `esbuild` npm package (a dev dependency), never
// `deno bundle`: Deno's bundler fetches @esbuild/linux-x64 from the registry the first time it
// runs on a machine, which fails inside the benchmarks' network namespaces and on a fresh clone.
// esbuild's own binary ships inside node_modules, so nothing here touches the network.
//
// run.ts bundles the bench page once, before any benchmark enters its namespace, and hands the
// file to every job through BENCH_PAGE_JS; a benchmark started by hand bundles it itself.

const ROOT = new URL("..", import.meta.url).pathname;

/** The esbuild binary of the npm package (node_modules/.bin/esbuild). */
export const ESBUILD = `${ROOT}node_modules/.bin/esbuild`;

/** The environment variable that carries a prebuilt bench page bundle to a benchmark process. */
export const PAGE_BUNDLE_ENV = "BENCH_PAGE_JS";

/** How to bundle one entry. */
export interface BundleOptions {
  minify?: boolean;
  /** Modules left out of the bundle (e.g. a peer dependency the host page provides). */
  external?: string[];
}

/**
 * Resolves `duet-netcode` and its subpaths to the sources (as Vite's packageAliases do), so a bundle
 * never needs `lib/` (not in a fresh clone) or picks up a stale one.
 */
export const BUNDLE_TSCONFIG = "bench/bundle_tsconfig.json";

/** The esbuild command line for one browser ESM bundle of `entry` (pure, for tests). */
export function esbuildArgs(entry: string, outfile: string, o: BundleOptions = {}): string[] {
  return [
    entry,
    "--bundle",
    "--format=esm",
    "--platform=browser",
    "--target=es2022",
    "--log-level=error",
    `--outfile=${outfile}`,
    `--tsconfig=${BUNDLE_TSCONFIG}`,
    ...(o.minify ? ["--minify"] : []),
    ...(o.external ?? []).map((e) => `--external:${e}`),
  ];
}

/** Bundles `entry` (a path relative to the repository) into `outfile`; throws with esbuild's words. */
export async function bundleTo(entry: string, outfile: string, o: BundleOptions = {}) {
  let r: Deno.CommandOutput;
  try {
    r = await new Deno.Command(ESBUILD, {
      args: esbuildArgs(entry, outfile, o),
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (e) {
    throw new Error(
      `cannot run ${ESBUILD} (${(e as Error).message}): install the dev dependencies (npm ci)`,
    );
  }
  if (!r.success) {
    throw new Error(`esbuild ${entry} failed: ${new TextDecoder().decode(r.stderr).trim()}`);
  }
}

/** Bundles `entry` and returns the JavaScript text. */
export async function bundleText(entry: string, o: BundleOptions = {}): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "duet-bundle-" });
  try {
    await bundleTo(entry, `${dir}/out.js`, o);
    return await Deno.readTextFile(`${dir}/out.js`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The bench page's entry: bench/page_main.ts and everything it imports. */
export const PAGE_ENTRY = "bench/page_main.ts";

/**
 * The bench page script: the prebuilt file named by BENCH_PAGE_JS when run.ts made one, else a
 * fresh bundle (a benchmark started by hand, outside any namespace).
 */
export async function benchPageScript(): Promise<string> {
  const prebuilt = Deno.env.get(PAGE_BUNDLE_ENV);
  if (prebuilt) return await Deno.readTextFile(prebuilt);
  return await bundleText(PAGE_ENTRY);
}
