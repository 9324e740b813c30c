// Investigation tool (not part of `npm run bench`): what the lobby allocates per relayed `signal`
// message and what it retains per idle connection, measured so that machine load does not
// change the figure. The server (duet's lobby, or the `ws` floor for comparison) runs in a child
// process with V8's young generation made large enough (`--min/max-semi-space-size`) that no
// scavenge runs while a batch of messages is relayed: the growth of `heapUsed` over the batch,
// divided by the messages, is then the bytes allocated per message. The clients run in this
// process (`ws`, as the load generator), so their allocations are not counted. `--trace-gc` on
// the child tells whether a GC fell into a window; such a window is reported, not used.
//
// Idle: `gc()` in the child, open N connections (duet sends `welcome` and `rooms`), wait, `gc()`
// again; the growth of `heapUsed` (and `external`, ws's buffers) per connection is what the
// server retains for each.
//
// usage: deno run -A bench/lobby_alloc.ts [duet|floor-ws] [pairs=100] [messages=20000] [idle=2000]
import { WebSocket } from "ws";
import { parseArgs } from "./cli.ts";
import { BENCH_LOBBY_ENV } from "./lobby_env.ts";
import {
  duetCreate,
  duetJoin,
  duetJoinTarget,
  duetProtocol,
  FLOOR_SESSION,
} from "./load_protocol.ts";

/** One memory reading in the server process. */
interface Mark {
  heapUsed: number;
  external: number;
  rss: number;
  /** The server's CPU time so far (user + system, µs). */
  cpuUs: number;
  /** The same for its main (JavaScript) thread only, which the CPU profile samples. */
  mainCpuUs: number;
  /** GC trace lines the child printed since the previous mark. */
  gcs: number;
}

const SEMI_SPACE_MB = 256;

/** This process's CPU time in µs, all threads (schedstat: ns, unlike /proc/stat's 10 ms ticks). */
function cpuUs(): number {
  let ns = 0;
  for (const t of Deno.readDirSync("/proc/self/task")) ns += taskNs(t.name);
  return ns / 1000;
}

/** One thread's CPU time in ns (its schedstat's first field). */
const taskNs = (tid: string | number) =>
  Number(Deno.readTextFileSync(`/proc/self/task/${tid}/schedstat`).split(" ")[0]);

/** V8's sampling heap profiler on this process (node:inspector), 64-byte interval. */
async function heapSampler() {
  const { Session } = await import("node:inspector");
  const session = new Session();
  session.connect();
  const post = (method: string, params: object = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) =>
      session.post(
        method,
        params,
        (err, res) => err ? reject(err) : resolve((res ?? {}) as Record<string, unknown>),
      )
    );
  await post("HeapProfiler.enable");
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", {
    interval: Number(Deno.env.get("LOBBY_ALLOC_PROFILE_INTERVAL") ?? 50),
  });
  const cpu = Deno.env.get("LOBBY_ALLOC_CPU") === "1";
  return {
    start: () =>
      cpu ? post("Profiler.start") : post("HeapProfiler.startSampling", {
        samplingInterval: 64,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      }),
    stop: async () =>
      JSON.stringify((await post(cpu ? "Profiler.stop" : "HeapProfiler.stopSampling")).profile),
  };
}

async function serve(kind: string): Promise<void> {
  let port: number;
  if (kind === "floor-ws") {
    const { serveWsFloor } = await import("./floor_relay.ts");
    const s = await serveWsFloor(0);
    port = (s.address() as { port: number }).port;
  } else {
    const { startServer } = await import("../signal/server.ts");
    const { loadConfig } = await import("../signal/config.ts");
    const env = { ...BENCH_LOBBY_ENV, MAX_CONNECTIONS: "12000", LOG_LEVEL: "error" } as Record<
      string,
      string
    >;
    const config = loadConfig((k) => env[k], []);
    const s = await startServer({ ...config, port: 0, hostname: "127.0.0.1", staticDir: null });
    port = s.port;
  }
  const gc = (globalThis as unknown as { gc: () => void }).gc;
  const sampling = await heapSampler();
  console.log(JSON.stringify({ port }));
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of Deno.stdin.readable) {
    buf += decoder.decode(chunk);
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line === "exit") Deno.exit(0);
      if (line === "sample") await sampling.start();
      if (line.startsWith("sampled ")) {
        await Deno.writeTextFile(line.slice(8), await sampling.stop());
      }
      if (line.startsWith("snapshot ")) {
        gc();
        const v8 = await import("node:v8");
        v8.writeHeapSnapshot(line.slice(9));
      }
      if (line === "gc") {
        gc();
        gc();
      }
      const m = Deno.memoryUsage();
      console.log(
        JSON.stringify({
          mark: {
            heapUsed: m.heapUsed,
            external: m.external,
            rss: m.rss,
            cpuUs: cpuUs(),
            mainCpuUs: taskNs(Deno.pid) / 1000,
          },
        }),
      );
    }
  }
}

/** The child server and a way to read its memory. */
async function spawnServer(kind: string) {
  // LOBBY_ALLOC_RSS=1: V8's default young generation, so that RSS per idle connection is what
  // the lobby benchmark sees (the large one for clean relay windows inflates RSS).
  const plain = Deno.env.get("LOBBY_ALLOC_RSS") === "1";
  const flags = [
    "--expose-gc",
    "--trace-gc",
    ...(plain
      ? []
      : [`--min-semi-space-size=${SEMI_SPACE_MB}`, `--max-semi-space-size=${SEMI_SPACE_MB}`]),
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `--v8-flags=${flags.join(",")}`,
      new URL(import.meta.url).pathname,
      "--serve",
      kind,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  let gcs = 0;
  const next = async (): Promise<Record<string, unknown>> => {
    for (;;) {
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith("{")) return JSON.parse(line);
        if (/Scavenge|Mark-Compact|Mark-Sweep|Minor/.test(line)) gcs++;
        continue;
      }
      const r = await lines.read();
      if (r.done) throw new Error("server exited");
      buf += r.value;
    }
  };
  const port = (await next()).port as number;
  const mark = async (gc: boolean): Promise<Mark> => {
    await writer.write(new TextEncoder().encode(gc ? "gc\n" : "mark\n"));
    const m = (await next()).mark as Omit<Mark, "gcs">;
    const out = { ...m, gcs: gc ? 0 : gcs };
    gcs = 0;
    return out;
  };
  /**
   * Starts the sampling heap profiler, or stops it and writes its profile to `path`; answers
   * with a mark taken once that is done.
   */
  const sample = async (path?: string): Promise<Mark> => {
    await writer.write(new TextEncoder().encode(path ? `sampled ${path}\n` : "sample\n"));
    return { ...((await next()).mark as Omit<Mark, "gcs">), gcs: 0 };
  };
  /** Writes a heap snapshot of the server to `path` (then answers with a mark). */
  const snapshot = async (path: string) => {
    await writer.write(new TextEncoder().encode(`snapshot ${path}\n`));
    await next();
  };
  const stop = async () => {
    await writer.write(new TextEncoder().encode("exit\n")).catch(() => {});
    await child.status;
  };
  return { port, mark, sample, snapshot, stop };
}

function open(url: string): Promise<{ ws: WebSocket; first: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("message", (d) => resolve({ ws, first: String(d) }));
    ws.once("error", reject);
  });
}

function nextText(ws: WebSocket, pred: (t: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    const on = (d: unknown) => {
      const t = String(d);
      if (!pred(t)) return;
      ws.off("message", on);
      resolve(t);
    };
    ws.on("message", on);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two paired clients and the session their signals name (load_generator.ts's Pair). */
async function pair(
  kind: string,
  base: string,
  i: number,
): Promise<[WebSocket, WebSocket, string]> {
  if (kind === "floor-ws") {
    const a = await open(`${base}/ws?room=r${i}`);
    const b = await open(`${base}/ws?room=r${i}`);
    return [a.ws, b.ws, FLOOR_SESSION];
  }
  const a = (await open(`${base}/ws`)).ws;
  const b = (await open(`${base}/ws`)).ws;
  const joined = nextText(a, (t) => duetJoinTarget(t) !== "");
  a.send(duetCreate());
  const code = duetJoinTarget(await joined);
  const paired = nextText(a, (t) => t.includes('"paired"'));
  b.send(duetJoin(code));
  const { session } = JSON.parse(await paired) as { session: string };
  return [a, b, session];
}

/** The window relayed under the profiler (LOBBY_ALLOC_HEAP): its messages and CPU times. */
export interface ProfiledWindow {
  messages: number;
  /** The server's CPU time over it, all threads (µs). */
  cpuUs: number;
  /** Its main thread's, which the CPU profile samples (µs). */
  mainCpuUs: number;
}

/**
 * Relays `messages` messages over `pairs` pairs at 10 Hz per pair and direction (the lobby
 * benchmark's pattern and under the per-connection rate), in windows short enough that the young
 * generation holds them; returns bytes allocated per message from each clean window.
 * LOBBY_ALLOC_HEAP=FILE first relays one window (LOBBY_ALLOC_PROFILE_WINDOWS times as long)
 * under the sampling heap profiler, or with LOBBY_ALLOC_CPU=1 the CPU profiler, into FILE.
 */
export async function relayAlloc(kind: string, pairs: number, messages: number) {
  const srv = await spawnServer(kind);
  const base = `ws://127.0.0.1:${srv.port}`;
  const ps: [WebSocket, WebSocket, string][] = [];
  for (let i = 0; i < pairs; i++) ps.push(await pair(kind, base, i));
  // What the browser client sends: the candidate with its pairing's session.
  const msgs = ps.map(([, , session]) => duetProtocol.relay("", session));
  let received = 0;
  for (const [[a, b], msg] of ps.map((p, i) => [p, msgs[i]] as const)) {
    b.on("message", () => {
      received++;
      b.send(msg);
    });
    a.on("message", () => received++);
  }
  // One round: every A sends one message, every B echoes it: 2 relayed per pair.
  const round = async () => {
    const want = received + 2 * ps.length;
    ps.forEach(([a], i) => a.send(msgs[i]));
    while (received < want) await sleep(1);
  };
  const perRound = 2 * ps.length;
  // Warm-up: JIT, ws buffers, metrics series.
  for (let r = 0; r < 30; r++) {
    await round();
    await sleep(100);
  }
  const windowRounds = Math.max(1, Math.floor(4000 / perRound));
  const results: number[] = [];
  let dirty = 0, cpuSum = 0, cpuMessages = 0;
  let sent = 0;
  const heapProfile = Deno.env.get("LOBBY_ALLOC_HEAP");
  let profiled: ProfiledWindow | null = null;
  if (heapProfile) {
    // One extra window under the sampling profiler; its figure is not used (sampling allocates).
    const rounds = windowRounds * Number(Deno.env.get("LOBBY_ALLOC_PROFILE_WINDOWS") ?? 1);
    // The marks are taken inside the profile, so that starting and writing it are not counted;
    // the young generation is emptied first, so that no scavenge falls into the window.
    await srv.mark(true);
    const p0 = await srv.sample();
    for (let r = 0; r < rounds; r++) {
      await round();
      await sleep(100);
    }
    const p1 = await srv.mark(false);
    await srv.sample(heapProfile);
    profiled = {
      messages: rounds * perRound,
      cpuUs: p1.cpuUs - p0.cpuUs,
      mainCpuUs: p1.mainCpuUs - p0.mainCpuUs,
    };
  }
  while (sent < messages) {
    await srv.mark(true);
    const m0 = await srv.mark(false);
    for (let r = 0; r < windowRounds; r++) {
      await round();
      await sleep(100);
    }
    const m1 = await srv.mark(false);
    sent += windowRounds * perRound;
    cpuSum += m1.cpuUs - m0.cpuUs;
    cpuMessages += windowRounds * perRound;
    if (m1.gcs > 0 || m1.heapUsed < m0.heapUsed) dirty++;
    else results.push((m1.heapUsed - m0.heapUsed) / (windowRounds * perRound));
  }
  for (const [a, b] of ps) a.close(), b.close();
  await srv.stop();
  results.sort((x, y) => x - y);
  const cpuUsPerMessage = +(cpuSum / cpuMessages).toFixed(2);
  return {
    kind,
    pairs,
    windows: results.length,
    dirty,
    cpuUsPerMessage,
    bytesPerMessage: results,
    profiled,
  };
}

/** Heap, external and RSS growth per idle connection over `n` connections. */
async function idleAlloc(kind: string, n: number) {
  const srv = await spawnServer(kind);
  const url = kind === "floor-ws"
    ? `ws://127.0.0.1:${srv.port}/ws?room=`
    : `ws://127.0.0.1:${srv.port}/ws`;
  // Warm the path first (JIT, first-use tables), then measure a fresh batch.
  const warm: WebSocket[] = [];
  for (let i = 0; i < 200; i++) {
    warm.push((await open(kind === "floor-ws" ? `${url}w${i}` : url)).ws);
  }
  await sleep(500);
  const snap = Deno.env.get("LOBBY_ALLOC_SNAPSHOT");
  if (snap) await srv.snapshot(`${snap}-0.heapsnapshot`);
  const m0 = await srv.mark(true);
  const socks: WebSocket[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(
      Array.from(
        { length: Math.min(100, n - i) },
        (_, j) => open(kind === "floor-ws" ? `${url}i${i + j}` : url),
      ),
    );
    for (const s of batch) socks.push(s.ws);
  }
  await sleep(1000);
  const m1 = await srv.mark(true);
  if (snap) await srv.snapshot(`${snap}-1.heapsnapshot`);
  for (const s of [...socks, ...warm]) s.close();
  await srv.stop();
  return {
    kind,
    connections: n,
    heapBytesPerConnection: Math.round((m1.heapUsed - m0.heapUsed) / n),
    externalBytesPerConnection: Math.round((m1.external - m0.external) / n),
    rssKiBPerConnection: +((m1.rss - m0.rss) / n / 1024).toFixed(2),
  };
}

if (import.meta.main) {
  if (Deno.args[0] === "--serve") await serve(Deno.args[1]);
  else {
    const [kind = "duet", pairs = 100, messages = 20000, idle = 2000] = parseArgs(Deno.args).rest
      .map((a, i) => (i === 0 ? a : Number(a))) as [string?, number?, number?, number?];
    if (messages > 0) {
      const r = await relayAlloc(kind, pairs, messages);
      const med = r.bytesPerMessage[Math.floor(r.bytesPerMessage.length / 2)];
      console.log(
        JSON.stringify({
          ...r,
          median: Math.round(med),
          bytesPerMessage: r.bytesPerMessage.map(Math.round),
        }),
      );
    }
    if (idle > 0) console.log(JSON.stringify(await idleAlloc(kind, idle)));
    Deno.exit(0);
  }
}
