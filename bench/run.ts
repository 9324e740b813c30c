// `npm run bench`: runs every benchmark of issue 6 in its own process (inside a loopback-only
// network namespace, with real UDP impairment for the input-latency runs), prints a table and
// writes bench/results/latest.json, latest.md and the SVG charts beside them. Every benchmark is
// bounded in time; one that fails or times out is reported as such and the rest still run.
//
// usage: npm run bench [-- --quick] [-- --only wire,size,recovery,rollback,lobby,lobbyProfile,lobbyTail,connect,tick,spectators,input]
//   --quick   ~1 minute smoke run with small counts; writes to bench/results/tmp/quick/
//   --out DIR write the report somewhere else
//   --only    runs some benchmarks and keeps the other sections of the report it updates (each
//             section records its commit; the report flags those older than HEAD)
import { parseArgs } from "./cli.ts";
import { type Sandbox, sandbox } from "./sandbox.ts";
import { cdfChart } from "./svg.ts";
import { consoleSummary, markdown, oneLine, type Results, verdicts } from "./report.ts";
import { bundleTo, PAGE_BUNDLE_ENV, PAGE_ENTRY } from "./bundle.ts";
import { cpuCount, hasCommand } from "./proc.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const DENO = `${ROOT}node_modules/.bin/deno`;

/** One benchmark process: which file, its flags, its network, and its time budget. */
interface Job {
  key: string;
  file: string;
  args: string[];
  impair: { delayMs: number; lossPct: number } | null;
  budgetS: number;
}

/**
 * What the full run compares with the transport's default under 20 ms + 5%: resendAfterMs values,
 * and the default woken by a page setTimeout chain (where browsers clamp the resend timer to 4 ms).
 */
export const RESEND_SWEEP = ["4", "2", "1", "timeout"];

/** The jobs of a run, in order; `only` filters by key prefix. */
export function plan(quick: boolean, only: string[] | null): Job[] {
  const q = quick ? ["--quick"] : [];
  const jobs: Job[] = [
    { key: "wire", file: "bench/wire.ts", args: q, impair: null, budgetS: 60 },
    { key: "size", file: "bench/client_size.ts", args: [], impair: null, budgetS: 60 },
    { key: "recovery", file: "bench/recovery.ts", args: q, impair: null, budgetS: quick ? 30 : 60 },
    { key: "resume", file: "bench/resume.ts", args: q, impair: null, budgetS: quick ? 120 : 300 },
    {
      key: "rollback",
      file: "bench/rollback.ts",
      args: q,
      impair: null,
      budgetS: quick ? 90 : 180,
    },
    {
      key: "lobby",
      file: "bench/lobby_load.ts",
      args: q,
      impair: null,
      budgetS: quick ? 120 : 600,
    },
    {
      // Where duet's CPU per relayed message goes above the floor's (the relay misses' profile).
      key: "lobbyProfile",
      file: "bench/relay_cpu_profile.ts",
      args: q,
      impair: null,
      budgetS: quick ? 60 : 180,
    },
    {
      // What the slowest 1% of the 100-pair relay's round trips waited on (perf, both cores).
      key: "lobbyTail",
      file: "bench/relay_tail_profile.ts",
      args: q,
      impair: null,
      budgetS: quick ? 90 : 240,
    },
    { key: "connect", file: "bench/connect.ts", args: q, impair: null, budgetS: quick ? 90 : 180 },
    {
      key: "tick",
      file: "bench/tick_budget.ts",
      args: q,
      impair: null,
      budgetS: quick ? 150 : 210,
    },
    {
      key: "spectators",
      file: "bench/spectators.ts",
      args: q,
      impair: null,
      budgetS: quick ? 60 : 120,
    },
    {
      key: "input.lossy",
      file: "bench/input_latency.ts",
      // The transport's defaults, then the resend delays the sweep compares (same run, same net).
      args: [...q, "--impair", "20,5", "--strategies", quick ? "2" : RESEND_SWEEP.join(",")],
      impair: { delayMs: 20, lossPct: 5 },
      budgetS: quick ? 90 : 270,
    },
    {
      key: "input.baseline",
      file: "bench/input_latency.ts",
      args: [...q, "--impair", "20,0"],
      impair: { delayMs: 20, lossPct: 0 },
      budgetS: quick ? 60 : 120,
    },
  ];
  return only ? jobs.filter((j) => only.some((o) => j.key.startsWith(o))) : jobs;
}

/** Whether benchmarks run in their own process group (util-linux `setsid`). */
const GROUPS = hasCommand("setsid");

/** The last `max` characters of a child's stderr, passed through to ours as it comes. */
function teeTail(stream: ReadableStream<Uint8Array>, max = 4000) {
  let tail = "";
  const done = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      await Deno.stderr.write(chunk);
      tail = (tail + dec.decode(chunk, { stream: true })).slice(-max);
    }
  })();
  return { done, tail: () => tail };
}

/** The last non-empty line of a child's stderr that says why it stopped (for the report). */
export function lastWords(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  const error = lines.findLast((l) => /error|fail|cannot|missing|not found/i.test(l));
  return oneLine(error ?? lines.at(-1) ?? "");
}

/** Runs one job in its sandbox with a hard time limit; returns its JSON or why there is none. */
async function runJob(
  job: Job,
  tmp: string,
  env: Record<string, string>,
): Promise<{ out: Results | null; error?: string; box: Sandbox }> {
  const out = `${tmp}/${job.key}.json`;
  const box = sandbox([DENO, "run", "-A", job.file, ...job.args, "--out", out], job.impair);
  console.error(`bench: ${job.key} (${box.method}; budget ${job.budgetS} s)`);
  // Its own process group (setsid), so a timed-out benchmark is stopped with every server and
  // generator it started, and nothing it left behind outlives it.
  const argv = GROUPS ? ["setsid", ...box.argv] : box.argv;
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "inherit",
    stderr: "piped",
  }).spawn();
  const stderr = teeTail(child.stderr);
  const kill = (signal: Deno.Signal) => {
    try {
      if (GROUPS) Deno.kill(-child.pid, signal);
      else child.kill(signal);
    } catch { /* gone */ }
  };
  let timedOut = false;
  let hard: ReturnType<typeof setTimeout> | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    kill("SIGTERM");
    hard = setTimeout(() => kill("SIGKILL"), 5000);
  }, job.budgetS * 1000);
  const status = await child.status;
  clearTimeout(timer);
  clearTimeout(hard);
  if (GROUPS) {
    kill("SIGTERM"); // whatever the benchmark left running (a crash skips its cleanup)
    await new Promise((r) => setTimeout(r, 200));
    kill("SIGKILL");
  }
  await stderr.done.catch(() => {});
  try {
    return { out: JSON.parse(await Deno.readTextFile(out)), box };
  } catch {
    const why = lastWords(stderr.tail());
    return {
      out: null,
      box,
      error: (timedOut ? `timed out after ${job.budgetS} s` : `exited with code ${status.code}`) +
        (why ? `: ${why}` : ""),
    };
  }
}

/** The report sections a run writes, keyed as in sectionCommits. */
export const SECTIONS = [
  "wire",
  "size",
  "recovery",
  "resume",
  "rollback",
  "lobby",
  "lobbyProfile",
  "lobbyTail",
  "connect",
  "tick",
  "input",
] as const;

/**
 * Copies into `results` every section of `previous` this run did not measure, and returns the
 * commit of each section (this run's for what it measured, the older report's for the rest).
 */
export function mergeSections(
  results: Results,
  previous: Results | null,
  measured: Record<string, string>,
): Record<string, string> {
  const at: Record<string, string> = { ...measured };
  if (!previous) return at;
  for (const s of SECTIONS) {
    if (at[s] || !previous[s]) continue;
    results[s] = previous[s];
    at[s] = previous.meta?.sectionCommits?.[s] ?? previous.meta?.commit ?? "?";
  }
  return at;
}

/**
 * What crashed in a run: benchmark processes that failed or timed out, and servers or runtimes
 * inside a benchmark that could not run. Single failed tries (a connect attempt on a slow machine)
 * are figures, not crashes; so is a section that says it cannot run here (e.g. no redis-server).
 */
export function crashes(r: Results): string[] {
  const out: string[] = [...(r.errors ?? [])];
  for (const [k, v] of Object.entries(r.lobby ?? {})) {
    const e = (v as Results)?.error;
    if (typeof e === "string" && !e.includes("cannot run:")) out.push(`lobby ${k}: ${oneLine(e)}`);
  }
  for (const e of r.rollback?.errors ?? []) out.push(`rollback: ${oneLine(e)}`);
  const tail = r.lobbyTail?.error;
  if (typeof tail === "string" && !tail.includes("cannot run:")) {
    out.push(`lobbyTail: ${oneLine(tail)}`);
  }
  // A tick condition that could not connect on a slow machine is a figure; none at all is a crash.
  if (r.tick && !(r.tick.rows ?? []).length) {
    out.push(`tick: no condition ran: ${oneLine((r.tick.errors ?? []).join("; "))}`);
  }
  for (const e of r.connect?.errors ?? []) {
    if (/^duet lobby:/.test(e)) out.push(`connect: ${oneLine(e)}`);
  }
  for (const x of r.size?.entries ?? []) {
    if (x.role === "client" && x.error) out.push(`size ${x.label}: ${oneLine(x.error)}`);
  }
  return out;
}

/** `vite build` of the example into `outDir`; "" on success, else why not. */
async function buildGame(outDir: string): Promise<string> {
  try {
    const r = await new Deno.Command(`${ROOT}node_modules/.bin/vite`, {
      args: ["build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "error"],
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    return r.success ? "" : oneLine(new TextDecoder().decode(r.stderr)) || "vite build failed";
  } catch (e) {
    return oneLine((e as Error).message);
  }
}

function readJson(path: string): Results | null {
  try {
    return JSON.parse(Deno.readTextFileSync(path));
  } catch {
    return null;
  }
}

function sh(cmd: string, args: string[]): string {
  try {
    const r = new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).outputSync();
    return new TextDecoder().decode(r.stdout).trim();
  } catch {
    return "";
  }
}

function readText(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/** The closing note: the hand-written explanation (bench/closing_note.md) plus every miss. */
function closingNote(r: Results): string {
  const hand = readText(`${ROOT}bench/closing_note.md`).trim();
  const misses = verdicts(r).filter((v) => v.pass !== true);
  const auto = misses.map((v) =>
    `- ${v.pass === null ? "Not measured" : "MISSED"}: ${v.target} — ${v.figure}.`
  );
  return [
    hand,
    auto.length ? "This run:\n\n" + auto.join("\n") : "Every target was met in this run.",
  ]
    .filter(Boolean).join("\n\n");
}

/** Charts a report may show, by key, when their files are beside it. */
const CHART_FILES: Record<string, string> = {
  relay: "relay_rtt_cdf.svg",
  connect: "connect_cdf.svg",
  input: "input_latency_cdf.svg",
};

/**
 * `--render`: rewrites latest.md from latest.json with today's closing note and miss reasons. The
 * figures, their commits and the charts are left exactly as measured.
 */
async function renderSaved(outDir: string): Promise<void> {
  const results = JSON.parse(await Deno.readTextFile(`${outDir}/latest.json`)) as Results;
  results.targets = verdicts(results);
  results.note = closingNote(results);
  const figures = Object.fromEntries(
    Object.entries(CHART_FILES).filter(([, f]) => readText(`${outDir}/${f}`) !== ""),
  );
  await Deno.writeTextFile(`${outDir}/latest.json`, JSON.stringify(results, null, 1) + "\n");
  await Deno.writeTextFile(`${outDir}/latest.md`, markdown(results, figures));
  console.log(`rewrote ${outDir}/latest.md from the saved figures`);
}

if (import.meta.main) {
  const a = parseArgs(Deno.args);
  const only = a.only ? a.only.split(",") : null;
  const outDir = a.rest[0] ?? a.out ?? `${ROOT}bench/results${a.quick ? "/tmp/quick" : ""}`;
  await Deno.mkdir(outDir, { recursive: true });
  if (a.render) {
    await renderSaved(outDir);
    Deno.exit(0);
  }
  const tmp = await Deno.makeTempDir({ prefix: "duet-bench-run-" });
  const t0 = performance.now();
  // Everything a benchmark needs is built here, outside the namespaces (which have no registry).
  const jobEnv: Record<string, string> = {};
  const pageErr = await bundleTo(PAGE_ENTRY, `${tmp}/bench_page.js`).then(
    () => (jobEnv[PAGE_BUNDLE_ENV] = `${tmp}/bench_page.js`, ""),
    (e) => (e as Error).message,
  );
  // The tick benchmark times the built example game's frames too: build it with Vite (installed,
  // no network) into the run's temporary directory, never over the checkout's dist/.
  if (plan(a.quick, only).some((j) => j.key === "tick" || j.key === "resume")) {
    const built = await buildGame(`${tmp}/dist`);
    if (built === "") jobEnv.BENCH_GAME_DIST = `${tmp}/dist`;
    else {console.error(
        `bench: the example game did not build, its frames are not measured: ${built}`,
      );}
  }
  const results: Results = {
    meta: {
      date: new Date().toISOString(),
      quick: a.quick,
      cpus: cpuCount(),
      cpuModel: /model name\s*:\s*(.*)/.exec(readText("/proc/cpuinfo"))?.[1] ?? "",
      kernel: sh("uname", ["-r"]),
      loadAvg: readText("/proc/loadavg").split(" ").slice(0, 3).join(" "),
      deno: Deno.version.deno,
      node: sh("node", ["--version"]),
      chromium: "",
      commit: sh("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]) +
        // The report's own files changing (an earlier run's results) is not a code change.
        (sh("git", [
            "-C",
            ROOT,
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ".",
            ":(exclude)bench/results",
          ])
          ? "+dirty"
          : ""),
    },
    errors: pageErr ? [`bench page bundle: ${oneLine(pageErr)}`] : [] as string[],
  };
  const commit = results.meta.commit as string;
  const sectionCommits: Record<string, string> = {};
  const samples: Record<string, number[]> = {};
  const inputRuns: Results[] = [];
  const load: Record<string, string> = {};
  const loadNow = () => readText("/proc/loadavg").split(" ")[0];
  for (const job of plan(a.quick, only)) {
    const before = loadNow();
    const jobStart = performance.now();
    const { out, error, box } = await runJob(job, tmp, jobEnv);
    load[job.key] = `${before} -> ${loadNow()}`;
    console.error(
      `bench: ${job.key} done in ${((performance.now() - jobStart) / 1000).toFixed(0)} s`,
    );
    if (!out) {
      results.errors.push(`${job.key}: ${error}`);
      if (job.key.startsWith("input")) {
        inputRuns.push({ ...job.impair, sandbox: box, error });
      }
      continue;
    }
    sectionCommits[job.key.split(".")[0]] = commit;
    if (job.key === "wire") results.wire = out.wire;
    if (job.key === "size") results.size = out.size;
    if (job.key === "recovery") results.recovery = out.recovery;
    if (job.key === "resume") results.resume = out.resume;
    if (job.key === "tick") {
      results.tick = out.tick;
      results.meta.chromium ||= out.tick.chromium;
    }
    if (job.key === "spectators") results.spectators = out.spectators;
    if (job.key === "rollback") {
      results.rollback = out.rollback;
      results.meta.chromium ||= out.rollback.chromium;
    }
    if (job.key === "lobby") {
      results.lobby = out.lobby;
      for (const [k, v] of Object.entries(out.samples ?? {})) samples[`lobby.${k}`] = v as number[];
    }
    if (job.key === "lobbyProfile") results.lobbyProfile = out.relayProfile;
    if (job.key === "lobbyTail") results.lobbyTail = out.lobbyTail;
    if (job.key === "connect") {
      const { samples: s, ...rest } = out;
      results.connect = rest.connect;
      Object.assign(samples, s);
    }
    if (job.key.startsWith("input")) {
      inputRuns.push({ ...out.result, sandbox: box, realImpairment: box.impaired });
      results.meta.chromium ||= out.result.chromium;
      samples[`${job.key}.duet`] = out.samples.duet;
      samples[`${job.key}.reliable`] = out.samples.reliable;
    }
  }
  if (inputRuns.length) {
    const lossy = inputRuns.find((x) => x.lossPct === 5);
    const base = inputRuns.find((x) => x.lossPct === 0);
    results.input = {
      conditionsText:
        `Two pages of one headless Chromium, connected through duet's lobby and peer ` +
        `connection; ${a.quick ? 3 : 40} s of 60 Hz input frames in both directions, sent ` +
        `at the same time two ways over one connection, the sender woken each frame by a ` +
        `worker's timer as the package's match loop is (never a page setTimeout chain, whose ` +
        `nested timers the browser clamps to 4 ms). Latency: sender's send call to the ` +
        `receiving page's delivery of that frame (both directions pooled). "Lost to the game": ` +
        `sent but never delivered within 1.5 s after the end. "Stall": a run of frames later ` +
        `than (input delay 2 + max prediction 8) frames = 166.7 ms, where a rollback session ` +
        `would have to wait.`,
      conditions: inputRuns.map((x) => ({
        delayMs: x.delayMs,
        lossPct: x.lossPct,
        method: x.sandbox?.method,
        description: x.sandbox?.description,
        realImpairment: x.sandbox?.impaired ?? false,
      })),
      runs: inputRuns,
      duet: lossy?.duet,
      reliable: lossy?.reliable,
      impaired: lossy
        ? { delayMs: lossy.delayMs, lossPct: lossy.lossPct, realImpairment: lossy.realImpairment }
        : undefined,
      baseline: base ? { duet: base.duet, reliable: base.reliable } : undefined,
    };
  }
  if (results.lobby) {
    const c = results.lobby.config ?? {};
    results.lobby.conditions =
      `Each server in its own process${
        results.lobby.duet?.pinned ? " pinned to CPU 0" : ""
      }, each with its own load generator process (bench/load_generator.ts, \`ws\` clients with ` +
      `TCP_NODELAY like browsers)${results.lobby.duet?.pinned ? " pinned to CPU 1" : ""}, all at ` +
      `nice -10 when run as root; loopback-only namespace. Relay levels alternate between the ` +
      `servers, ${c.rounds} round(s), order reversed each round; rows pool the rounds. ` +
      `Idle: connections opened cumulatively to ${
        c.idleLevels?.join("/")
      }, RSS read 1 s after; then every server is restarted, so the relay ` +
      `levels do not collect the idle levels' closed connections. ` +
      `Relay: open loop, every pair's first client sends one ~100-byte ICE-candidate message to ` +
      `the other ${c.rateHz} times a second (phases spread evenly), which echoes it back; ` +
      `${c.warmupMs} ms warm-up then ${c.durationMs} ms measured per level; RTT is the round trip ` +
      `(two relays); CPU from /proc/<pid>/stat (10 ms ticks), "waited" is run-queue time from ` +
      `schedstat (other load on the machine). duet runs with its production per-connection rate ` +
      `limit (20 msg/s) and pairs in private rooms; its per-address limits and both room-churn limits are off ` +
      `(bench/lobby_env.ts) because every generated client comes from 127.0.0.1; PeerJS runs with concurrent_limit raised. The floor relays (bench/floor_relay.ts) have no ` +
      `validation, metrics or limits; duet-redis is two lobby processes and redis-server, all on ` +
      `the servers' core, every pair split across the two processes.`;
  }
  // A partial run (--only) keeps the other sections of the report it updates, each with the
  // commit it was measured at, so the report can flag figures older than this run.
  const previous = only ? readJson(`${outDir}/latest.json`) : null;
  results.meta.sectionCommits = mergeSections(results, previous, sectionCommits);
  results.meta.durationS = (performance.now() - t0) / 1000;
  // Other work on the machine shows in every figure; the 1-minute load average around each
  // benchmark tells a reader whether to trust a run (2 CPUs: above ~2 the benchmarks competed).
  // Carried-over sections keep the load they were measured under.
  const carried = Object.entries(previous?.meta?.loadAvgPerBenchmark ?? {})
    .filter(([job]) => !sectionCommits[job.split(".")[0]]);
  results.meta.loadAvgPerBenchmark = { ...Object.fromEntries(carried), ...load };
  results.targets = verdicts(results);
  results.note = closingNote(results);

  const figures: Record<string, string> = {};
  const chart = (key: string, file: string, svg: string) => {
    Deno.writeTextFileSync(`${outDir}/${file}`, svg);
    figures[key] = file;
  };
  const relaySeries = ["100", "1000"].flatMap((p) =>
    ["duet", "floor-deno", "floor-ws", "peerjs"].map((s) => ({
      label: `${s}, ${p} pairs`,
      samples: samples[`lobby.${s}.relay.${p}`] ?? [],
    }))
  );
  if (relaySeries.some((s) => s.samples.length)) {
    chart(
      "relay",
      "relay_rtt_cdf.svg",
      cdfChart(relaySeries, {
        title: "Lobby relay round trip: duet vs the bare relays and PeerJS",
        xLabel: "RTT ms",
        note: `${results.lobby?.config?.rateHz} round trips/s per pair, open loop, same generator`,
        logX: true,
      }),
    );
  }
  if (samples["connect.duet"] || samples["connect.bare"]) {
    chart(
      "connect",
      "connect_cdf.svg",
      cdfChart([
        { label: "duet", samples: samples["connect.duet"] ?? [] },
        { label: "bare RTCPeerConnection", samples: samples["connect.bare"] ?? [] },
      ], {
        title: "Connect time: paired to both channels open",
        xLabel: "ms",
        note: `headless Chromium, loopback, ${results.connect?.tries} tries each, alternating`,
      }),
    );
  }
  const inputSeries = [
    { label: "duet, 20 ms + 5%", samples: samples["input.lossy.duet"] ?? [] },
    { label: "reliable, 20 ms + 5%", samples: samples["input.lossy.reliable"] ?? [] },
    { label: "duet, 20 ms + 0%", samples: samples["input.baseline.duet"] ?? [] },
    { label: "reliable, 20 ms + 0%", samples: samples["input.baseline.reliable"] ?? [] },
  ];
  if (inputSeries.some((s) => s.samples.length)) {
    chart(
      "input",
      "input_latency_cdf.svg",
      cdfChart(inputSeries, {
        title: "Input frame delivery latency at 60 Hz",
        xLabel: "ms",
        note: results.input?.conditions?.[0]?.method === "netimpair"
          ? "real UDP delay/loss via netimpair; both directions pooled"
          : `impairment: ${results.input?.conditions?.[0]?.method ?? "?"}`,
        logX: false,
      }),
    );
  }
  await Deno.writeTextFile(`${outDir}/latest.json`, JSON.stringify(results, null, 1) + "\n");
  await Deno.writeTextFile(`${outDir}/latest.md`, markdown(results, figures));
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
  console.log("\n" + consoleSummary(results));
  if (results.errors.length) console.log("\nerrors: " + results.errors.join("; "));
  console.log(
    `\nwrote ${outDir}/latest.json and latest.md (${results.meta.durationS.toFixed(0)} s)`,
  );
  // A benchmark that crashed fails the run (CI's smoke run relies on it); a missed target or a
  // slow machine does not.
  const crashed = crashes(results);
  if (crashed.length) {
    console.log(`\nbench: ${crashed.length} benchmark(s) crashed:\n- ${crashed.join("\n- ")}`);
    Deno.exit(1);
  }
}
