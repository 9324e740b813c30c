// Benchmark 6: what each browser entry point of the package costs a page, minified + gzip, next to
// PeerJS's client. Bundled with the installed esbuild (bundle.ts), so nothing is downloaded; the
// biggest inputs of each bundle (esbuild's metafile) say where the bytes go.
//
// usage: deno run -A bench/client_size.ts [--out FILE]
import { BUNDLE_TSCONFIG, ESBUILD } from "./bundle.ts";
import { parseArgs, writeJson } from "./cli.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** One entry point whose size is reported. */
export interface SizeEntry {
  /**
   * `client` is judged against the 30 kB target; `import` (what a game's own import lines pull in),
   * `ui`, `example`, `peerjs` are reported.
   */
  role: "client" | "import" | "ui" | "example" | "peerjs";
  label: string;
  /** Modules (repository paths or package names) that together make the entry. */
  modules: string[];
  /** The entry's text when it is not every export of `modules` (named imports of a game). */
  source?: string;
}

/**
 * The import lines of a realistic game, bundled alone: the minimal one (lobby + one call that runs
 * the match) and the canvas quick start's (game/examples/canvas/: that plus the checksum helper,
 * the lobby screen and the overlay). Tree-shaking keeps only what these reach, so the distance
 * between them and the every-export figure is what a game does not pay for.
 */
export const GAME_IMPORTS: { label: string; modules: string[]; source: string }[] = [
  {
    label: "a game's import: { runMatch, connectLobby } from duet-netcode",
    modules: ["game/net/mod.ts"],
    source: 'export { connectLobby, runMatch } from "duet-netcode";',
  },
  {
    label: "the canvas quick start's imports (duet-netcode + duet-netcode/ui)",
    modules: ["game/net/mod.ts", "game/ui/mod.ts"],
    source: 'export { checksumWords, connectLobby, runMatch } from "duet-netcode";\n' +
      'export { createLobbyScreen, createNetworkOverlay } from "duet-netcode/ui";',
  },
];

const exists = (path: string) => {
  try {
    Deno.statSync(`${ROOT}${path}`);
    return true;
  } catch {
    return false;
  }
};

/**
 * The entry points, in one place so they can be repointed: the package's own `mod.ts` files once
 * they exist, and until then the stand-ins (the client = match connection + rollback session; the
 * UI entry is reported missing until game/ui/mod.ts exists). The example game is reported for
 * scale (it bundles Phaser).
 */
export function sizeEntries(has: (path: string) => boolean = exists): SizeEntry[] {
  const client = has("game/net/mod.ts")
    ? { label: "duet-netcode (game/net/mod.ts)", modules: ["game/net/mod.ts"] }
    : {
      label: "duet-netcode stand-in (game/net/match_connection.ts + sessions/p2p_session.ts)",
      modules: ["game/net/match_connection.ts", "game/net/sessions/p2p_session.ts"],
    };
  const example = ["game/examples/air_hockey/main.ts", "game/main.ts"].find(has);
  return [
    { role: "client", ...client },
    ...(has("game/net/mod.ts") ? GAME_IMPORTS.map((g) => ({ role: "import" as const, ...g })) : []),
    { role: "ui", label: "duet-netcode/ui (game/ui/mod.ts)", modules: ["game/ui/mod.ts"] },
    ...(example
      ? [{ role: "example" as const, label: `example game (${example})`, modules: [example] }]
      : []),
    { role: "peerjs", label: "PeerJS client (npm peerjs)", modules: ["peerjs"] },
  ];
}

/** The entry module esbuild reads from stdin: every export of every module, nothing dropped. */
export function entrySource(modules: readonly string[]): string {
  return modules.map((m, i) => {
    const spec = m.includes("/") && !m.startsWith("@") ? `./${m}` : m;
    return `export * as m${i} from ${JSON.stringify(spec)};`;
  }).join("\n");
}

/** gzip size of `bytes` (CompressionStream, zlib's default level 6). */
export async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/** One measured entry. */
export interface SizeResult {
  role: SizeEntry["role"];
  label: string;
  minifiedBytes?: number;
  gzipBytes?: number;
  /** The largest inputs by bytes in the minified output (package or path). */
  top?: { input: string; bytes: number }[];
  /**
   * The client entry only: gzip bytes each dependency adds, as the full bundle minus one built with
   * that dependency left out (`--external`; webrtc-adapter takes its `sdp` with it), and what is
   * left for duet's own code without all of them.
   */
  shares?: { input: string; gzipBytes: number }[];
  error?: string;
}

/** The client's dependencies whose gzip share is reported (webrtc-adapter is required: mission). */
export const CLIENT_DEPENDENCIES = ["webrtc-adapter", "msgpackr", "valibot"];

/** Groups a metafile input path by package (node_modules/x) or by file. */
export function inputGroup(path: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return m ? m[1] : path;
}

async function measure(e: SizeEntry, external: readonly string[] = []): Promise<SizeResult> {
  const local = e.modules.filter((m) => m.includes("/") && !m.startsWith("@"));
  const missing = local.filter((m) => !exists(m));
  if (missing.length) return { role: e.role, label: e.label, error: `not there: ${missing}` };
  if (e.role === "peerjs" && !exists("node_modules/peerjs/package.json")) {
    return {
      role: e.role,
      label: e.label,
      error: "peerjs is not installed (a dev dependency would let this run measure it)",
    };
  }
  const dir = await Deno.makeTempDir({ prefix: "duet-size-" });
  try {
    const child = new Deno.Command(ESBUILD, {
      args: [
        "--bundle",
        "--minify",
        "--format=esm",
        "--platform=browser",
        "--target=es2022",
        "--log-level=error",
        "--sourcefile=entry.ts",
        "--loader=ts",
        `--metafile=${dir}/meta.json`,
        `--tsconfig=${BUNDLE_TSCONFIG}`,
        ...external.map((x) => `--external:${x}`),
        `--outfile=${dir}/out.js`,
      ],
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(e.source ?? entrySource(e.modules)));
    await w.close();
    const r = await child.output();
    if (!r.success) throw new Error(new TextDecoder().decode(r.stderr).trim());
    const js = await Deno.readFile(`${dir}/out.js`);
    const meta = JSON.parse(await Deno.readTextFile(`${dir}/meta.json`));
    const groups = new Map<string, number>();
    for (
      const out of Object.values(meta.outputs) as {
        inputs: Record<string, { bytesInOutput: number }>;
      }[]
    ) {
      for (const [path, x] of Object.entries(out.inputs)) {
        const g = inputGroup(path);
        groups.set(g, (groups.get(g) ?? 0) + x.bytesInOutput);
      }
    }
    const top = [...groups].sort((a, b) => b[1] - a[1]).slice(0, 6)
      .map(([input, bytes]) => ({ input, bytes }));
    return {
      role: e.role,
      label: e.label,
      minifiedBytes: js.byteLength,
      gzipBytes: await gzipSize(js),
      top,
    };
  } catch (err) {
    return { role: e.role, label: e.label, error: (err as Error).message.slice(0, 300) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Measures every entry; one that cannot be bundled says why instead of failing the run. */
export async function runClientSize() {
  const entries: SizeResult[] = [];
  for (const e of sizeEntries()) {
    const r = await measure(e);
    if (e.role === "client" && r.gzipBytes !== undefined) {
      r.shares = [];
      for (const dep of CLIENT_DEPENDENCIES) {
        const without = await measure(e, [dep]);
        if (without.gzipBytes !== undefined) {
          r.shares.push({ input: dep, gzipBytes: r.gzipBytes - without.gzipBytes });
        }
      }
      const own = await measure(e, CLIENT_DEPENDENCIES);
      if (own.gzipBytes !== undefined) {
        r.shares.push({ input: "duet's own code (all three left out)", gzipBytes: own.gzipBytes });
      }
    }
    entries.push(r);
    console.error(
      r.error
        ? `  size ${r.label}: ${r.error}`
        : `  size ${r.label}: ${r.minifiedBytes} B minified, ${r.gzipBytes} B gzip`,
    );
  }
  return {
    size: {
      conditions: "esbuild (node_modules) --bundle --minify --format=esm --target=es2022 for " +
        "the browser, every export of the entry kept; gzip at zlib's default level 6",
      entries,
    },
  };
}

if (import.meta.main) {
  const a = parseArgs(Deno.args);
  await writeJson(a.out, await runClientSize());
}
