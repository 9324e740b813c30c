// The lobby load generator: a separate process (pinned to its own core by lobby_load.ts) that
// holds WebSocket clients against one server and answers commands given as JSON lines on stdin
// with JSON lines on stdout. Keeping it out of the orchestrator's process means the numbers it
// reports are not disturbed by the orchestrator's sampling, and its CPU time is reported apart.
//
// usage (normally spawned by lobby_load.ts): deno run -A bench/load_generator.ts duet ws://127.0.0.1:8000
import { WebSocket as NodeWebSocket } from "ws";
import { type LoadProtocol, protocolFor, SERVER_KINDS, type ServerKind } from "./load_protocol.ts";
import { duetCreate, duetJoin, duetJoinTarget, FLOOR_SESSION, parseType } from "./load_protocol.ts";

/**
 * The client implementation. Browsers set TCP_NODELAY on WebSocket connections, and so does the
 * `ws` package (even under Deno); Deno's built-in WebSocket client sets TCP_NODELAY=0 (Nagle on),
 * which delays small back-to-back writes and would blame the server for the client's batching.
 * BENCH_WS=deno selects the built-in one to show that effect.
 */
const WS_IMPL = Deno.env.get("BENCH_WS") === "deno" ? "deno" : "ws";
const WebSocket = WS_IMPL === "deno"
  ? globalThis.WebSocket
  : NodeWebSocket as unknown as typeof globalThis.WebSocket;

/** Commands the orchestrator sends, one JSON object per line. */
export type GeneratorCommand =
  | { cmd: "idle"; total: number; timeoutMs: number }
  | { cmd: "close-idle"; timeoutMs: number }
  | { cmd: "pairing"; pairs: number; timeoutMs: number }
  | {
    cmd: "relay";
    pairs: number;
    rateHz: number;
    warmupMs: number;
    durationMs: number;
    timeoutMs: number;
    /** The server's processes, written into BENCH_RTT_TIMELINE's files. */
    serverPids?: number[];
  }
  | { cmd: "exit" };

/** One client connection with a bounded wait for its ready message. */
interface Client {
  ws: WebSocket;
  id: string;
  onText: ((text: string) => void) | null;
}

const CONNECT_CONCURRENCY = 200;

function emit(ev: Record<string, unknown>): void {
  console.log(JSON.stringify(ev));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Opens one client and resolves once the server said it is ready; rejects on close/timeout. */
function connect(
  proto: LoadProtocol,
  base: string,
  label: string,
  timeoutMs: number,
  room?: string,
) {
  return new Promise<Client>((resolve, reject) => {
    const ws = new WebSocket(proto.url(base, label, room));
    const client: Client = { ws, id: "", onText: null };
    let state: "connecting" | "ready" | "failed" = "connecting";
    const timer = setTimeout(
      () => fail(new Error(`no ready message within ${timeoutMs} ms`)),
      timeoutMs,
    );
    function fail(e: Error) {
      if (state !== "connecting") return;
      state = "failed";
      clearTimeout(timer);
      try {
        ws.close();
      } catch { /* already closing */ }
      reject(e);
    }
    ws.onmessage = (e) => {
      const text = typeof e.data === "string" ? e.data : "";
      if (state === "connecting") {
        if (proto.isReady(text)) {
          state = "ready";
          clearTimeout(timer);
          client.id = proto.idFrom(text, label);
          resolve(client);
        } else if (parseType(text) === "error" || parseType(text) === "ERROR") {
          fail(new Error(`server refused: ${text.slice(0, 120)}`));
        }
        return;
      }
      client.onText?.(text);
    };
    ws.onerror = () => fail(new Error("websocket error"));
    ws.onclose = (e) => fail(new Error(`closed ${e.code} ${e.reason}`));
  });
}

/**
 * Runs `make(i)` for i in 0..count-1 with at most `concurrency` in flight, until `timeoutMs`
 * passes; what did not finish counts as failed (with the first error's message).
 */
async function runBounded<T>(
  count: number,
  concurrency: number,
  timeoutMs: number,
  make: (i: number) => Promise<T>,
): Promise<{ done: T[]; failed: number; firstError: string }> {
  const done: T[] = [];
  let next = 0, firstError = "";
  const deadline = performance.now() + timeoutMs;
  async function worker() {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      try {
        done.push(await make(i));
      } catch (e) {
        firstError ||= (e as Error).message;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { done, failed: count - done.length, firstError };
}

/** Opens `count` clients with bounded concurrency; returns those that made it and failures. */
async function connectMany(
  proto: LoadProtocol,
  base: string,
  prefix: string,
  count: number,
  timeoutMs: number,
): Promise<{ clients: Client[]; failed: number; firstError: string }> {
  const r = await runBounded(
    count,
    CONNECT_CONCURRENCY,
    timeoutMs,
    (i) => connect(proto, base, `${prefix}${i}`, Math.min(10_000, timeoutMs)),
  );
  return { clients: r.done, failed: r.failed, firstError: r.firstError };
}

/** Closes clients and waits (bounded) until the sockets are gone, so the next phase starts clean. */
async function closeAll(clients: Client[], timeoutMs: number): Promise<number> {
  let open = 0;
  const done = new Promise<void>((resolve) => {
    for (const c of clients) {
      if (c.ws.readyState === WebSocket.CLOSED) continue;
      open++;
      c.ws.onclose = () => {
        if (--open === 0) resolve();
      };
      c.ws.onerror = null;
      c.ws.close();
    }
    if (open === 0) resolve();
  });
  await Promise.race([done, sleep(timeoutMs)]);
  return open;
}

/** Waits for the first message on `c` that `pred` accepts, or rejects after `ms`. */
function nextMessage(c: Client, pred: (t: string) => boolean, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      c.onText = null;
      reject(new Error(`no expected message within ${ms} ms`));
    }, ms);
    c.onText = (t) => {
      if (!pred(t)) return;
      clearTimeout(timer);
      c.onText = null;
      resolve(t);
    };
  });
}

/** A pair of clients that can relay to each other; `pairedMs` is duet's pairing latency. */
interface Pair {
  a: Client;
  b: Client;
  pairedMs: number;
  /**
   * What the relayed messages name as their session: duet's pairing's, from `paired`; for the
   * floor a stand-in of the same length, so that both relay the same bytes. PeerJS has none.
   */
  session?: string;
}

/**
 * Makes one pair. duet: A creates a private room, B joins by invite code; pairing latency runs
 * from B's join to both `paired`. With two bases (duet-redis) A is on the first lobby process and
 * B on the second, so every pair spans both. PeerJS has no rooms: two connected ids are a pair;
 * the floor pairs the two sockets that name the same room in their URL.
 */
async function makePair(proto: LoadProtocol, bases: string[], label: string, ms: number) {
  const [a, b] = await Promise.all([
    connect(proto, bases[0], `${label}a`, ms, label),
    connect(proto, bases[1] ?? bases[0], `${label}b`, ms, label),
  ]);
  if (proto.kind === "floor") return { a, b, pairedMs: NaN, session: FLOOR_SESSION } as Pair;
  if (proto.kind !== "duet") return { a, b, pairedMs: NaN } as Pair;
  const joined = nextMessage(a, (t) => duetJoinTarget(t) !== "", ms);
  a.ws.send(duetCreate());
  const code = duetJoinTarget(await joined);
  const isPaired = (t: string) => parseType(t) === "paired";
  const pa = nextMessage(a, isPaired, ms);
  const pb = nextMessage(b, isPaired, ms);
  const t0 = performance.now();
  b.ws.send(duetJoin(code));
  let ta = 0, tb = 0, paired = "";
  await Promise.all([
    pa.then((t) => (ta = performance.now(), paired = t)),
    pb.then(() => tb = performance.now()),
  ]);
  const session = String((JSON.parse(paired) as { session?: unknown }).session ?? "");
  return { a, b, pairedMs: Math.max(ta, tb) - t0, session } as Pair;
}

async function makePairs(
  proto: LoadProtocol,
  base: string[],
  count: number,
  concurrency: number,
  timeoutMs: number,
): Promise<{ pairs: Pair[]; failed: number; firstError: string }> {
  const r = await runBounded(
    count,
    concurrency,
    timeoutMs,
    (i) => makePair(proto, base, `p${Date.now()}-${i}`, 10_000),
  );
  return { pairs: r.done, failed: r.failed, firstError: r.firstError };
}

/** Own CPU time (user+system, ms) from /proc, for the "was the generator the bottleneck" check. */
function ownCpuMs(): number {
  try {
    const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) * 10; // utime, stime in 1/100 s ticks
  } catch {
    return NaN;
  }
}

/**
 * Open-loop relay load: every pair's A sends one message to B at `rateHz` (phases spread evenly),
 * B echoes it straight back, A records the round trip. Open loop keeps the offered rate the same
 * for both servers, so the RTT tail reflects the server, not the generator's pacing.
 */
async function relay(
  proto: LoadProtocol,
  base: string[],
  c: Extract<GeneratorCommand, { cmd: "relay" }>,
) {
  const setup0 = performance.now();
  const { pairs, failed, firstError } = await makePairs(proto, base, c.pairs, 32, c.timeoutMs);
  const setupMs = performance.now() - setup0;
  if (pairs.length === 0) {
    emit({
      ev: "relay-done",
      error: `no pair could be set up: ${firstError}`,
      failedPairs: failed,
    });
    return;
  }
  const rtts: number[] = [];
  // Investigation hook: BENCH_RTT_TIMELINE=DIR writes each measured round trip's send time
  // (Unix ms) beside its RTT, to tell a pause (slow round trips bunched in time) from spread cost.
  const timeline = Deno.env.get("BENCH_RTT_TIMELINE");
  const rttAt: number[] = [];
  // With the timeline: when B got each message, so a slow round trip splits into its two legs.
  const legAt: number[][] = pairs.map(() => []);
  const leg1: number[] = [];
  const inflight: number[][] = pairs.map(() => []);
  let measuring: "warmup" | "measure" | "drain" = "warmup";
  let received = 0, sentMeasured = 0, lostOrLate = 0, serverErrors = 0, firstServerError = "";
  let genLagMaxMs = 0, genLagOver20 = 0;
  let tMeasure0 = Infinity, tMeasure1 = Infinity;
  const msgA = pairs.map((p) => proto.relay(p.b.id, p.session));
  const msgB = pairs.map((p) => proto.relay(p.a.id, p.session));
  pairs.forEach((p, i) => {
    p.b.onText = (t) => {
      if (!proto.isRelay(t)) {
        if (t.includes("rror")) serverErrors++, firstServerError ||= t.slice(0, 200);
        return;
      }
      if (measuring === "measure") received++;
      if (timeline) legAt[i].push(performance.now());
      p.b.ws.send(msgB[i]);
    };
    p.a.onText = (t) => {
      if (!proto.isRelay(t)) {
        if (t.includes("rror")) serverErrors++, firstServerError ||= t.slice(0, 200);
        return;
      }
      const now = performance.now();
      if (measuring === "measure") received++;
      const sentAt = inflight[i].shift();
      const bAt = timeline ? legAt[i].shift() : undefined;
      if (sentAt !== undefined && sentAt >= tMeasure0 && sentAt < tMeasure1) {
        rtts.push(now - sentAt);
        if (timeline) rttAt.push(performance.timeOrigin + sentAt), leg1.push((bAt ?? NaN) - sentAt);
      }
    };
  });
  const n = pairs.length;
  const perMs = (n * c.rateHz) / 1000;
  const t0 = performance.now();
  let sent = 0;
  const stopAt = t0 + c.warmupMs + c.durationMs;
  const cpu0 = { v: NaN };
  await new Promise<void>((resolve) => {
    let lastTick = performance.now();
    const tick = () => {
      const now = performance.now();
      // The generator's own event-loop lag: a tick asked for 1 ms later that comes much later
      // means sends (and receive timestamps) were held up here, not in the server.
      if (measuring === "measure") {
        const lag = now - lastTick - 1;
        if (lag > genLagMaxMs) genLagMaxMs = lag;
        if (lag > 20) genLagOver20++;
      }
      lastTick = now;
      if (measuring === "warmup" && now >= t0 + c.warmupMs) {
        measuring = "measure";
        tMeasure0 = now;
        cpu0.v = ownCpuMs();
        emit({ ev: "relay-mark", phase: "start" });
      }
      const due = Math.floor((Math.min(now, stopAt) - t0) * perMs);
      while (sent < due) {
        const i = sent % n;
        const t = performance.now();
        inflight[i].push(t);
        pairs[i].a.ws.send(msgA[i]);
        if (measuring === "measure") sentMeasured++;
        sent++;
      }
      if (now >= stopAt) {
        tMeasure1 = now;
        measuring = "drain";
        emit({ ev: "relay-mark", phase: "end" });
        resolve();
      } else setTimeout(tick, 1);
    };
    tick();
  });
  const windowMs = tMeasure1 - tMeasure0;
  const cpuMs = ownCpuMs() - cpu0.v;
  // Drain: answers still in flight count toward the RTT samples (bounded wait).
  const drainEnd = performance.now() + 3000;
  while (inflight.some((q) => q.some((t) => t >= tMeasure0 && t < tMeasure1))) {
    if (performance.now() > drainEnd) break;
    await sleep(20);
  }
  for (const q of inflight) for (const t of q) if (t >= tMeasure0 && t < tMeasure1) lostOrLate++;
  if (timeline) {
    await Deno.writeTextFile(
      `${timeline}/relay-${n}-${Date.now()}.json`,
      JSON.stringify({
        server: Deno.args[0],
        serverPids: c.serverPids ?? [],
        generatorPid: Deno.pid,
        pairs: n,
        at: rttAt,
        rtt: rtts,
        leg1,
      }),
    );
  }
  const open = await closeAll(pairs.flatMap((p) => [p.a, p.b]), 5000);
  emit({
    ev: "relay-done",
    pairs: n,
    failedPairs: failed,
    firstError,
    setupMs,
    pairingMs: pairs.map((p) => p.pairedMs).filter((x) => Number.isFinite(x)),
    windowMs,
    sentRoundTrips: sentMeasured,
    relayedMessages: received,
    rttMs: rtts,
    lostOrLate,
    serverErrors,
    firstServerError,
    generatorCpuMs: cpuMs,
    generatorLagMaxMs: genLagMaxMs,
    generatorLagsOver20Ms: genLagOver20,
    stillOpen: open,
  });
}

/**
 * Entry point: `load_generator.ts <kind> <ws base url> [second base url]`. With a second base,
 * idle clients alternate between the two and each pair's B connects to the second.
 */
export async function main(args: string[]): Promise<void> {
  const [kind, ...bases] = args;
  if (
    !SERVER_KINDS.includes(kind as ServerKind) || !bases.length ||
    !bases.every((b) => b.startsWith("ws"))
  ) {
    console.error(`usage: load_generator.ts <${SERVER_KINDS.join("|")}> <ws://host:port> [ws://…]`);
    Deno.exit(2);
  }
  const base = bases[0];
  const proto = protocolFor(kind as ServerKind);
  let idle: Client[] = [];
  const dec = new TextDecoder();
  let buf = "";
  emit({ ev: "ready", pid: Deno.pid, client: WS_IMPL });
  for await (const chunk of Deno.stdin.readable) {
    buf += dec.decode(chunk, { stream: true });
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      const c = JSON.parse(line) as GeneratorCommand;
      if (c.cmd === "exit") {
        await closeAll(idle, 3000);
        Deno.exit(0);
      } else if (c.cmd === "idle") {
        const t0 = performance.now();
        const more = Math.max(0, c.total - idle.length);
        const r = await connectMany(proto, base, `i${idle.length}-`, more, c.timeoutMs);
        idle = idle.concat(r.clients);
        emit({
          ev: "idle-done",
          held: idle.filter((x) => x.ws.readyState === WebSocket.OPEN).length,
          failed: r.failed,
          firstError: r.firstError,
          ms: performance.now() - t0,
        });
      } else if (c.cmd === "close-idle") {
        const open = await closeAll(idle, c.timeoutMs);
        idle = [];
        emit({ ev: "close-done", stillOpen: open });
      } else if (c.cmd === "pairing") {
        // One pair at a time: pairing latency without queueing behind other pairs.
        const r = await makePairs(proto, bases, c.pairs, 1, c.timeoutMs);
        await closeAll(r.pairs.flatMap((p) => [p.a, p.b]), 5000);
        emit({
          ev: "pairing-done",
          pairingMs: r.pairs.map((p) => p.pairedMs),
          failed: r.failed,
          firstError: r.firstError,
        });
      } else if (c.cmd === "relay") {
        await relay(proto, bases, c);
      }
    }
  }
}

if (import.meta.main) await main(Deno.args);
