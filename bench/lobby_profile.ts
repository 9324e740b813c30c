// Investigation tool (not part of `npm run bench`): where a lobby server's CPU time and
// allocations go under relay load. Runs one server kind under the lobby benchmark's generator
// with the V8 inspector on, and while the relay is measured takes a CPU profile (Profiler) and a
// sampling heap profile (HeapProfiler) through the inspector protocol; prints the functions with
// the most self time and the most allocated bytes, each also per relayed message.
//
// With an inspector session attached Deno reports every WebSocket frame to it
// (ext:deno_node/inspector_network_bridge.js, op_inspector_emit_protocol_event): up to a third
// of the CPU at 1000 pairs. Those frames, idle and GC are left out of the shares below, so the
// split is of the server's own work; absolute throughput under the profiler is not the bench's.
// Use 100 pairs (the default) and a quiet machine.
//
// usage (inside a loopback-only namespace):
//   deno run -A bench/lobby_profile.ts [duet|floor-deno|floor-ws] [pairs] [--out FILE]
import { runLobbyLoadWith } from "./lobby_load.ts";
import { parseArgs, writeJson } from "./cli.ts";
import type { ServerKind } from "./load_protocol.ts";

const INSPECT = "127.0.0.1:9229";

/** A node of a V8 CPU or sampling heap profile (the fields both share). */
export interface ProfileNode {
  id?: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize?: number;
  hitCount?: number;
  children?: (ProfileNode | number)[];
}

const ROOT_URL = new URL("..", import.meta.url).href;

/** "function file:line", with paths relative to `root` (the repository) when under it. */
export function frameKey(cf: ProfileNode["callFrame"], root = ROOT_URL): string {
  const url = cf.url.startsWith(root) ? cf.url.slice(root.length) : cf.url;
  return `${cf.functionName || "(anonymous)"} ${url || "(native)"}:${cf.lineNumber + 1}`;
}

/** Self weight per frame key, largest first: heap profiles are trees of nodes with selfSize. */
export function heapSelf(head: ProfileNode): [string, number][] {
  const out = new Map<string, number>();
  const walk = (n: ProfileNode) => {
    const k = frameKey(n.callFrame);
    out.set(k, (out.get(k) ?? 0) + (n.selfSize ?? 0));
    for (const c of n.children ?? []) if (typeof c !== "number") walk(c);
  };
  walk(head);
  return [...out].sort((a, b) => b[1] - a[1]);
}

/** Self samples per frame key, largest first: CPU profiles are flat node lists with hitCount. */
export function cpuSelf(nodes: ProfileNode[]): [string, number][] {
  const out = new Map<string, number>();
  for (const n of nodes) {
    const k = frameKey(n.callFrame);
    out.set(k, (out.get(k) ?? 0) + (n.hitCount ?? 0));
  }
  return [...out].sort((a, b) => b[1] - a[1]);
}

/** Frames that are the profiler's or the machine's, not the server's work. */
export function isOverhead(key: string): boolean {
  return /inspector|^\((idle|program|garbage collector)\)/.test(key);
}

/** A minimal inspector protocol client over the DevTools WebSocket. */
async function inspector() {
  const list = await (await fetch(`http://${INSPECT}/json/list`)).json();
  const ws = new WebSocket(list[0].webSocketDebuggerUrl);
  await new Promise((r, j) => {
    ws.onopen = r;
    ws.onerror = () => j(new Error("inspector did not open"));
  });
  let id = 0;
  const pending = new Map<number, (v: Record<string, unknown>) => void>();
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.id && pending.has(m.id)) {
      pending.get(m.id)!(m.result ?? {});
      pending.delete(m.id);
    }
  };
  return {
    call(method: string, params: Record<string, unknown> = {}) {
      return new Promise<Record<string, unknown>>((r) => {
        const i = ++id;
        pending.set(i, r);
        ws.send(JSON.stringify({ id: i, method, params }));
      });
    },
    close: () => ws.close(),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (import.meta.main) {
  const a = parseArgs(Deno.args);
  const kind = (a.rest[0] ?? "duet") as ServerKind;
  const pairs = Number(a.rest[1] ?? 100);
  Deno.env.set("BENCH_DENO_FLAGS", `--inspect=${INSPECT}`);
  const windowMs = 5000;
  const run = runLobbyLoadWith({
    idleLevels: [],
    relayPairs: [pairs],
    rateHz: 10,
    warmupMs: 4000,
    durationMs: windowMs + 4000,
    pairingPairs: 1,
    rounds: 1,
    redisRelayPairs: [],
    budgetMs: 120_000,
  }, [kind]);
  // Pair setup plus warm-up is over after ~4 s + setup; profile the middle of the window.
  const profiled = (async () => {
    await sleep(pairs >= 1000 ? 12_000 : 7_000);
    const c = await inspector();
    await c.call("Profiler.enable");
    await c.call("Profiler.setSamplingInterval", { interval: 200 });
    await c.call("HeapProfiler.enable");
    await c.call("HeapProfiler.startSampling", {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    await c.call("Profiler.start");
    await sleep(windowMs);
    const { profile: cpu } = await c.call("Profiler.stop") as { profile: { nodes: ProfileNode[] } };
    const { profile: heap } = await c.call("HeapProfiler.stopSampling") as {
      profile: { head: ProfileNode };
    };
    c.close();
    return { cpu: cpuSelf(cpu.nodes), heap: heapSelf(heap.head) };
  })();
  const [p, r] = await Promise.all([profiled, run]) as [
    { cpu: [string, number][]; heap: [string, number][] },
    Awaited<typeof run>,
  ];
  const row = (r.lobby as Record<string, { relay: { messagesPerS: number }[] }>)[kind]?.relay[0];
  const msgs = (row?.messagesPerS ?? NaN) * (windowMs / 1000);
  const own = ([k]: [string, number]) => !isOverhead(k);
  p.cpu = p.cpu.filter(own);
  p.heap = p.heap.filter(own);
  const cpuTotal = p.cpu.reduce((s, [, n]) => s + n, 0);
  const heapTotal = p.heap.reduce((s, [, n]) => s + n, 0);
  const out = {
    kind,
    pairs,
    relay: row,
    cpuSelfPct: p.cpu.slice(0, 30).map(([k, n]) => [k, +(n / cpuTotal * 100).toFixed(1)]),
    heapBytesPerMessage: +(heapTotal / msgs).toFixed(0),
    heapSelf: p.heap.slice(0, 30).map(([k, n]) => [k, +(n / heapTotal * 100).toFixed(1)]),
  };
  console.log(`${kind} at ${pairs} pairs: ${out.heapBytesPerMessage} B allocated per message`);
  for (const [k, v] of out.cpuSelfPct.slice(0, 20)) console.log(`  cpu ${v}%  ${k}`);
  for (const [k, v] of out.heapSelf.slice(0, 15)) console.log(`  heap ${v}%  ${k}`);
  await writeJson(a.out, out);
}
