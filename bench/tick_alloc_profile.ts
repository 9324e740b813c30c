// Where the netcode's per-tick allocation goes: V8's sampling heap profiler (node:inspector, in
// process) over the same bot match as bench/tick_alloc.ts, collected objects included, so
// short-lived garbage (the GC's work) counts. Prints the self bytes per function per tick of one
// side, largest first.
//
//   deno run -A bench/tick_alloc_profile.ts [--rollback 0|8] [--ticks N] [--top N]
import { Session } from "node:inspector";
import { warmBotMatch } from "./tick_alloc.ts";

/** A node of a V8 sampling heap profile. */
interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

function arg(name: string, fallback: number): number {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
}

function post<T>(s: Session, method: string, params: object = {}): Promise<T> {
  // The generic overload: node's typings list one per method, which a string does not pick.
  const call = s.post as (
    method: string,
    params: object,
    callback: (err: Error | null, res?: object) => void,
  ) => void;
  return new Promise((resolve, reject) =>
    call.call(s, method, params, (err, res) => err ? reject(err) : resolve(res as T))
  );
}

/** Sums self bytes per function (name + file:line) over the whole tree. */
export function selfBytesByFunction(root: HeapNode): Map<string, number> {
  const out = new Map<string, number>();
  const name = (n: HeapNode): string => {
    const f = n.callFrame;
    const file = f.url.replace(/^.*\/(game|bench|shared|node_modules)\//, "$1/");
    return `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
  };
  // A builtin (slice, new Uint8Array) is named with its caller: that is the line to change.
  const walk = (n: HeapNode, parent: string): void => {
    const own = name(n);
    const key = n.callFrame.url === "" && parent ? `${own} < ${parent}` : own;
    out.set(key, (out.get(key) ?? 0) + n.selfSize);
    for (const c of n.children) walk(c, own);
  };
  walk(root, "");
  return out;
}

if (import.meta.main) {
  const rollback = arg("--rollback", 8) === 0 ? 0 : 8;
  const ticks = arg("--ticks", 6000);
  const top = arg("--top", 30);
  const { local, step } = warmBotMatch(rollback);
  const s = new Session();
  s.connect();
  await post(s, "HeapProfiler.enable");
  await post(s, "HeapProfiler.startSampling", {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  step(ticks);
  const { profile } = await post<{ profile: { head: HeapNode } }>(s, "HeapProfiler.stopSampling");
  local.leave();
  const byFn = [...selfBytesByFunction(profile.head)].sort((a, b) => b[1] - a[1]);
  const total = byFn.reduce((t, [, b]) => t + b, 0);
  const perTick = (b: number) => (b / ticks / 2).toFixed(0);
  console.log(`${rollback} frames: ${perTick(total)} B per tick per side sampled (${ticks} ticks)`);
  for (const [k, b] of byFn.slice(0, top)) {
    console.log(`${perTick(b).padStart(6)} B ${(b / total * 100).toFixed(1).padStart(5)}%  ${k}`);
  }
}
