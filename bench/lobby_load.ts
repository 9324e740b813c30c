// Benchmark 1: duet's lobby server vs PeerJS's server under the same load generator.
// Each server runs in its own process pinned to core 0, the generator (load_generator.ts) in
// another pinned to core 1; this orchestrator only reads /proc and passes commands. Measured:
// idle connections held and RSS KiB per idle connection, open-loop relay of ~100-byte messages
// between pairs (messages/s, server CPU µs per relayed message, RTT percentiles), duet's pairing
// latency, and the generator's own CPU so a client-bound run is visible.
//
// usage: deno run -A bench/lobby_load.ts [--quick] [--out FILE] [--only duet|peerjs]
import { jsonLines, pinned, type ProcSample, sampleProc, waitForHttp } from "./proc.ts";
import { protocolFor, type ServerKind } from "./load_protocol.ts";
import { roundSummary, summarize, type Summary } from "./stats.ts";
import { parseArgs, writeJson } from "./cli.ts";

/** One idle level: how many connections were held and what they cost the server. */
export interface IdleResult {
  target: number;
  held: number;
  failed: number;
  firstError?: string;
  rssKiB: number;
  rssKiBPerConn: number;
  connectMs: number;
}

/** One relay level. `rttMs` summarises round trips A->server->B->server->A. */
export interface RelayResult {
  pairs: number;
  failedPairs: number;
  firstError?: string;
  offeredRoundTripsPerS: number;
  messagesPerS: number;
  serverCpuUsPerMsg: number;
  serverCpuPct: number;
  /** Share of the window the server was runnable but waiting for a CPU (other load). */
  serverRunDelayPct: number;
  generatorCpuPct: number;
  rttMs: Summary;
  lostOrLate: number;
  serverErrors: number;
  messageBytes: number;
}

/** Everything measured for one server. */
export interface ServerResult {
  server: ServerKind;
  command: string;
  pinned: boolean;
  baselineRssKiB: number;
  idle: IdleResult[];
  relay: RelayResult[];
  pairingMs?: Summary;
  error?: string;
}

/** Sizes and durations of one run; `--quick` shrinks everything for a smoke run. */
export interface LobbyLoadConfig {
  idleLevels: number[];
  relayPairs: number[];
  rateHz: number;
  warmupMs: number;
  durationMs: number;
  pairingPairs: number;
}

/** The full-run and quick-run configurations. */
export function lobbyConfig(quick: boolean): LobbyLoadConfig {
  return quick
    ? {
      idleLevels: [1000],
      relayPairs: [10, 100, 1000],
      rateHz: 10,
      warmupMs: 500,
      durationMs: 1500,
      pairingPairs: 50,
    }
    : {
      idleLevels: [1000, 5000, 10000],
      relayPairs: [10, 100, 1000],
      rateHz: 10,
      warmupMs: 1000,
      durationMs: 6000,
      pairingPairs: 300,
    };
}

const DENO = new URL("../node_modules/.bin/deno", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;
// Another entry point can stand in for signal/main.ts to compare server variants (investigation).
const DUET_ENTRY = Deno.env.get("BENCH_DUET_ENTRY") ?? "signal/main.ts";

/** The command that starts a server kind on `port`, with its limits raised for the load. */
function serverCommand(
  kind: ServerKind,
  port: number,
): { cmd: string[]; env: Record<string, string> } {
  if (kind === "duet") {
    return {
      cmd: [DENO, "run", "--allow-net", "--allow-env", "--allow-read", "--allow-sys", DUET_ENTRY],
      env: {
        PORT: String(port),
        HOST: "127.0.0.1",
        STATIC_DIR: "",
        NO_COLOR: "1",
        // The idle level needs 10k connections; withFileLimit gives both processes the
        // descriptors. Production defaults otherwise (rate limit 20 msg/s per connection,
        // heartbeat): the relay load stays under them.
        MAX_CONNECTIONS: "12000",
      },
    };
  }
  // PeerJS as its users run it: Node, the `peer` package, concurrent_limit raised.
  const js = `import { PeerServer } from "peer";
PeerServer({ port: ${port}, host: "127.0.0.1", path: "/", concurrent_limit: 100000,
  alive_timeout: 600000, expire_timeout: 5000 });`;
  return { cmd: ["node", "--input-type=module", "-e", js], env: {} };
}

function healthUrl(kind: ServerKind, port: number): string {
  return kind === "duet" ? `http://127.0.0.1:${port}/healthz` : `http://127.0.0.1:${port}/`;
}

/** 10k idle connections need more descriptors than the usual soft limit of 1024 (root may raise it). */
export function withFileLimit(cmd: string[], limit = 32768): string[] {
  return [
    "sh",
    "-c",
    `ulimit -n ${limit} 2>/dev/null || ulimit -n hard 2>/dev/null; exec "$@"`,
    "sh",
    ...cmd,
  ];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the whole load against one server kind; never throws (errors land in `error`). */
export async function benchServer(
  kind: ServerKind,
  cfg: LobbyLoadConfig,
  port: number,
  log: (s: string) => void,
): Promise<ServerResult> {
  const { cmd, env } = serverCommand(kind, port);
  const srv = pinned(withFileLimit(cmd), 0);
  const result: ServerResult = {
    server: kind,
    command: kind === "duet" ? "deno run signal/main.ts" : "node: PeerServer from npm `peer`",
    pinned: srv.pinned,
    baselineRssKiB: NaN,
    idle: [],
    relay: [],
  };
  const server = new Deno.Command(srv.argv[0], {
    args: srv.argv.slice(1),
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  (async () => {
    const dec = new TextDecoder();
    for await (const c of server.stderr) stderr = (stderr + dec.decode(c)).slice(-4000);
  })();
  const gen = pinned([
    DENO,
    "run",
    "-A",
    Deno.env.get("BENCH_GEN_ENTRY") ?? "bench/load_generator.ts",
    kind,
    `ws://127.0.0.1:${port}`,
  ], 1);
  let generator: Deno.ChildProcess | null = null;
  try {
    if (!(await waitForHttp(healthUrl(kind, port), 20_000))) {
      throw new Error(`server did not come up: ${stderr.slice(-500)}`);
    }
    generator = new Deno.Command(gen.argv[0], {
      args: gen.argv.slice(1),
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const out = jsonLines(generator.stdout);
    const w = generator.stdin.getWriter();
    const send = (o: unknown) => w.write(new TextEncoder().encode(JSON.stringify(o) + "\n"));
    await out.next("ready", 20_000);
    await sleep(500);
    const base = sampleProc(server.pid);
    result.baselineRssKiB = base.rssKiB;

    for (const total of cfg.idleLevels) {
      await send({ cmd: "idle", total, timeoutMs: 60_000 });
      const r = await out.next("idle-done", 90_000);
      await sleep(1000); // let the server settle before reading its RSS
      const s = sampleProc(server.pid);
      const held = Number(r.held);
      result.idle.push({
        target: total,
        held,
        failed: Number(r.failed),
        ...(r.firstError ? { firstError: String(r.firstError) } : {}),
        rssKiB: s.rssKiB,
        rssKiBPerConn: held ? (s.rssKiB - base.rssKiB) / held : NaN,
        connectMs: Number(r.ms),
      });
      log(`  ${kind} idle ${held}/${total}: ${s.rssKiB} KiB RSS`);
    }
    await send({ cmd: "close-idle", timeoutMs: 20_000 });
    await out.next("close-done", 30_000);
    await sleep(500);

    if (kind === "duet") {
      await send({ cmd: "pairing", pairs: cfg.pairingPairs, timeoutMs: 60_000 });
      const r = await out.next("pairing-done", 90_000);
      result.pairingMs = roundSummary(summarize(r.pairingMs as number[]));
      log(`  duet pairing p50 ${result.pairingMs.p50} ms over ${result.pairingMs.n}`);
    }

    for (const pairs of cfg.relayPairs) {
      await send({
        cmd: "relay",
        pairs,
        rateHz: cfg.rateHz,
        warmupMs: cfg.warmupMs,
        durationMs: cfg.durationMs,
        timeoutMs: 60_000,
      });
      let s0: ProcSample | null = null, s1: ProcSample | null = null;
      const budget = 60_000 + cfg.warmupMs + cfg.durationMs + 20_000;
      const m0 = await out.next("relay-mark", budget).catch(() => null);
      if (m0) {
        s0 = sampleProc(server.pid);
        await out.next("relay-mark", cfg.durationMs + 10_000);
        s1 = sampleProc(server.pid);
      }
      const r = await out.next("relay-done", budget);
      if (r.error || !s0 || !s1) {
        result.relay.push(
          { pairs, failedPairs: pairs, firstError: String(r.error) } as RelayResult,
        );
        log(`  ${kind} relay ${pairs} pairs failed: ${r.error}`);
        continue;
      }
      const windowS = Number(r.windowMs) / 1000;
      const msgs = Number(r.relayedMessages);
      const serverCpuMs = s1.cpuMs - s0.cpuMs;
      const rel: RelayResult = {
        pairs: Number(r.pairs),
        failedPairs: Number(r.failedPairs),
        ...(r.firstError ? { firstError: String(r.firstError) } : {}),
        offeredRoundTripsPerS: Number(r.pairs) * cfg.rateHz,
        messagesPerS: msgs / windowS,
        serverCpuUsPerMsg: msgs ? (serverCpuMs * 1000) / msgs : NaN,
        serverCpuPct: (serverCpuMs / (s1.at - s0.at)) * 100,
        serverRunDelayPct: ((s1.runDelayMs - s0.runDelayMs) / (s1.at - s0.at)) * 100,
        generatorCpuPct: (Number(r.generatorCpuMs) / Number(r.windowMs)) * 100,
        rttMs: roundSummary(summarize(r.rttMs as number[])),
        lostOrLate: Number(r.lostOrLate),
        serverErrors: Number(r.serverErrors),
        messageBytes: protocolFor(kind).relay(`p${Date.now()}-${pairs}b`).length,
      };
      samplesOut[`${kind}.relay.${pairs}`] = r.rttMs as number[];
      result.relay.push(rel);
      log(
        `  ${kind} relay ${rel.pairs} pairs: ${rel.messagesPerS.toFixed(0)} msg/s, ` +
          `${
            rel.serverCpuUsPerMsg.toFixed(1)
          } µs/msg, rtt p50 ${rel.rttMs.p50} p99 ${rel.rttMs.p99} ` +
          `max ${rel.rttMs.max} ms, server ${rel.serverCpuPct.toFixed(0)}% (waited ${
            rel.serverRunDelayPct.toFixed(0)
          }%) gen ${rel.generatorCpuPct.toFixed(0)}% CPU`,
      );
    }
    await send({ cmd: "exit" });
    await Promise.race([generator.status, sleep(5000)]);
  } catch (e) {
    result.error = (e as Error).message;
    log(`  ${kind}: ${result.error}`);
  } finally {
    for (const p of [generator, server]) {
      if (!p) continue;
      try {
        p.kill("SIGTERM");
      } catch { /* already gone */ }
      await Promise.race([p.status, sleep(3000)]);
      try {
        p.kill("SIGKILL");
      } catch { /* already gone */ }
    }
  }
  return result;
}

/** Raw RTT samples per `<server>.relay.<pairs>`, for the report's CDF charts. */
const samplesOut: Record<string, number[]> = {};

/** Runs both servers back to back with the same generator and configuration. */
export async function runLobbyLoad(
  quick: boolean,
  only: ServerKind[] = ["duet", "peerjs"],
  log: (s: string) => void = console.error,
) {
  const cfg = lobbyConfig(quick);
  const out: Record<string, unknown> = { config: cfg };
  let port = 18_400;
  for (const kind of only) out[kind] = await benchServer(kind, cfg, port++, log);
  return { lobby: out, samples: samplesOut };
}

if (import.meta.main) {
  const a = parseArgs(Deno.args);
  const only = a.only ? [a.only as ServerKind] : undefined;
  const r = await runLobbyLoad(a.quick, only);
  await writeJson(a.out, r);
}
