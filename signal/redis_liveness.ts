/**
 * Liveness and cleanup of the shared lobby, all incremental:
 *
 * - heartbeat: `alive:<process>` (a key with a TTL) refreshed several times per TTL. A process
 *   that finds its own key gone (it stalled past the TTL and was swept, or Redis lost its data)
 *   is fenced: its clients are closed (they reconnect), its ghosts reaped, and it registers again.
 * - sweep: every process checks the registered processes' heartbeats (one SMEMBERS and one
 *   pipelined EXISTS per process, a handful of processes) and reaps a dead one's players in
 *   batches of REAP_BATCH by script.
 * - reconcile (every 10 s): forgets the players Redis holds for this process with no socket here,
 *   and reaps players of dead processes missing from the process set, found by a SCAN that goes
 *   on from run to run (a bounded slice of the keyspace each time, never all of it at once).
 * - expiry: held seats whose grace ran out, up to a batch per tick, from the `away` zset by due
 *   time (O(log n + due), never a scan of the rooms).
 *
 * What each step decides from what it read is in redis_liveness_decisions.ts, tested without
 * Redis; this file does the reads, the scripts and the timers.
 *
 * @module
 */
import { RESUME_TOMBSTONE_MS } from "../shared/limits.ts";
import { boundedBy, type RedisClient } from "./redis_client.ts";
import type { Logger } from "./log.ts";
import {
  deadProcesses,
  heartbeatAction,
  isGhost,
  livenessPeriods,
  orphanCandidate,
  type ProcessState,
} from "./redis_liveness_decisions.ts";
import type { PlayerId } from "./room_registry.ts";

export type { ProcessState };

/** Players reaped or expired per script run. */
export const REAP_BATCH = 200;

/** SCAN calls per reconcile run, and keys each looks at: at most 5000 keys per run. */
const ORPHAN_SCAN_STEPS = 5;
const ORPHAN_SCAN_COUNT = 1000;

/** What liveness reads and changes of the registry. */
export interface LivenessContext {
  client: RedisClient;
  processId: string;
  ttlMs: number;
  log: Logger;
  now: () => number;
  /** The disconnect and reap scripts' grace arguments, as of now. */
  graceArgs: () => string[];
  /** Players whose socket is here and registered. */
  local: Set<PlayerId>;
  /** Players whose `connect` script is under way. */
  connecting: Set<PlayerId>;
  getState(): ProcessState;
  setState(s: ProcessState): void;
  /** Fenced: close every local client. */
  onLost?: () => void;
  /** Redis may have lost everything: reload the room list. */
  resync(): void;
}

/** The liveness steps (each also runs on a timer once started). */
export interface Liveness {
  /** Sets this process's heartbeat and adds it to the process set. */
  register(): Promise<void>;
  /** performance.now() of the last heartbeat that landed. */
  readonly aliveAt: number;
  /** Removes every player Redis holds for `dead`, in batches; how many. */
  reap(dead: string, reason?: string): Promise<number>;
  sweep(): Promise<number>;
  reconcile(): Promise<number>;
  expireDue(): Promise<number>;
  /** Starts the timers (graceMs 0: no expiry timer). */
  start(graceMs: number, reconcileMs: number): void;
  stop(): void;
}

/** Creates the liveness steps over `ctx`. */
export function createLiveness(ctx: LivenessContext): Liveness {
  const marks: LivenessMarks = { aliveAt: 0, orphanCursor: "0" };
  const timers: ReturnType<typeof setInterval>[] = [];
  const register = () => registerAlive(ctx, marks);
  const sweep = () => sweepDead(ctx);
  const reconcile = () => reconcileOwn(ctx, marks);
  const expireDue = () => expireHeld(ctx);

  /** Runs `f` every `ms` while running, never two at once. */
  const every = (ms: number, f: () => Promise<unknown>, failure: string) => {
    let busy = false;
    timers.push(setInterval(() => {
      if (busy || ctx.getState() !== "running") return;
      busy = true;
      f().catch((err) => ctx.log.debug(failure, { error: err })).finally(() => (busy = false));
    }, ms));
  };

  return {
    register,
    get aliveAt() {
      return marks.aliveAt;
    },
    reap: (dead, reason) => reap(ctx, dead, reason),
    sweep,
    reconcile,
    expireDue,
    start(graceMs, reconcileMs) {
      const periods = livenessPeriods(ctx.ttlMs, graceMs, reconcileMs);
      timers.push(setInterval(() => heartbeat(ctx, marks), periods.heartbeat));
      every(periods.sweep, sweep, "redis-sweep-failed");
      every(periods.reconcile, reconcile, "redis-reconcile-failed");
      // Held seats whose grace ran out are given up by whichever process looks first: the
      // process that held the seat may be gone by then.
      if (periods.expire !== null) every(periods.expire, expireDue, "redis-expire-failed");
    },
    stop() {
      for (const t of timers) clearInterval(t);
      timers.length = 0;
    },
  };
}

/** What liveness remembers between runs. */
interface LivenessMarks {
  /** performance.now() of the last heartbeat that landed. */
  aliveAt: number;
  /** Where reconcile's scan for orphaned player sets goes on. */
  orphanCursor: string;
}

async function registerAlive(ctx: LivenessContext, marks: LivenessMarks): Promise<void> {
  const { cmd, key } = ctx.client;
  const ttl = ctx.ttlMs;
  const results = await boundedBy(
    cmd.multi()
      .set(key("alive", ctx.processId), String(ctx.now()), "PX", ttl)
      .sadd(key("procs"), ctx.processId)
      .exec(),
    ttl,
    "register",
  );
  const failed = results?.find(([err]) => err !== null)?.[0];
  if (failed) {
    // A damaged registry set must not keep every new process from starting: replace it.
    if (!/WRONGTYPE/.test(String(failed))) throw failed;
    ctx.log.error("redis-repaired", { key: key("procs"), error: failed });
    await boundedBy(
      cmd.multi().del(key("procs")).sadd(key("procs"), ctx.processId).exec(),
      ttl,
      "register",
    );
  }
  marks.aliveAt = performance.now();
}

async function reap(ctx: LivenessContext, dead: string, reason = "disconnected"): Promise<number> {
  let removed = 0;
  for (;;) {
    const [status, n] = await ctx.client.run(
      "reap",
      [dead, String(REAP_BATCH), reason, ...ctx.graceArgs()],
      false,
    );
    removed += Number(n ?? 0);
    if (status !== "more") break;
  }
  return removed;
}

async function heartbeat(ctx: LivenessContext, marks: LivenessMarks): Promise<void> {
  const { client: { cmd, key }, processId, log } = ctx;
  const action = heartbeatAction(ctx.getState());
  if (action === "skip") return;
  try {
    if (action === "rejoin") {
      // Players Redis still holds for us from before are ghosts now: forget them first (the
      // heartbeat key is gone, so the reap goes ahead), then come back under the same id.
      const reaped = await reap(ctx, processId, "disconnected");
      if (reaped > 0) log.warn("redis-process-reaped", { process: processId, players: reaped });
      await registerAlive(ctx, marks);
      ctx.setState("running");
      log.info("redis-registered-again", { process: processId });
      // Redis may have lost everything (its event counter restarts too): reload the list.
      ctx.resync();
      return;
    }
    const ok = await boundedBy(
      cmd.set(key("alive", processId), String(ctx.now()), "PX", ctx.ttlMs, "XX"),
      ctx.ttlMs,
      "heartbeat",
    );
    if (ok === null) {
      // Swept as dead (we stalled past the TTL) or Redis lost its data: our players are gone.
      ctx.setState("lost");
      log.error("redis-process-lost", { process: processId, players: ctx.local.size });
      ctx.local.clear();
      ctx.onLost?.();
      return heartbeat(ctx, marks);
    }
    marks.aliveAt = performance.now();
  } catch (err) {
    log.debug("redis-heartbeat-failed", { error: err });
  }
}

async function sweepDead(ctx: LivenessContext): Promise<number> {
  const { client, client: { cmd, key } } = ctx;
  const members = await client.bound(cmd.smembers(key("procs")), "sweep");
  const procs = members.filter((p) => p !== ctx.processId);
  if (procs.length === 0) return 0;
  const pipeline = cmd.pipeline();
  for (const p of procs) pipeline.exists(key("alive", p));
  const alive = (await client.bound(pipeline.exec(), "sweep")) ?? [];
  let removed = 0;
  for (const p of deadProcesses(procs, alive)) {
    const n = await reap(ctx, p);
    removed += n;
    ctx.log.warn("redis-process-reaped", { process: p, players: n });
  }
  return removed;
}

async function reconcileOwn(ctx: LivenessContext, marks: LivenessMarks): Promise<number> {
  if (ctx.getState() !== "running") return 0;
  const { client, client: { cmd, key, run }, processId, log } = ctx;
  let removed = 0;
  const known = new Set(await client.bound(cmd.smembers(key("procs")), "reconcile"));
  const prefixLength = key("procplayers", "").length;
  // Incremental: a bounded slice of the keyspace per run, resumed from where the last one
  // stopped (orphans only follow a repaired process set; finding them can take a few runs).
  for (let i = 0; i < ORPHAN_SCAN_STEPS; i++) {
    const [next, keys] = await client.bound(
      cmd.scan(marks.orphanCursor, "MATCH", key("procplayers", "*"), "COUNT", ORPHAN_SCAN_COUNT),
      "reconcile",
    );
    for (const k of keys) {
      const proc = orphanCandidate(k, prefixLength, processId, known);
      if (proc === null) continue;
      if ((await cmd.exists(key("alive", proc))) === 1) continue;
      const n = await reap(ctx, proc);
      removed += n;
      log.warn("redis-orphans-reaped", { process: proc, players: n });
    }
    marks.orphanCursor = next;
    if (marks.orphanCursor === "0") break;
  }
  const held = await run("members", [], false);
  for (const id of held) {
    if (!isGhost(id, ctx.local, ctx.connecting)) continue;
    await run("disconnect", [id, ...ctx.graceArgs()], false);
    removed++;
  }
  if (removed > 0) log.warn("redis-ghosts-removed", { process: processId, players: removed });
  return removed;
}

async function expireHeld(ctx: LivenessContext): Promise<number> {
  const [, n] = await ctx.client.run(
    "expire",
    [String(ctx.now()), String(REAP_BATCH), String(RESUME_TOMBSTONE_MS)],
    false,
  );
  return Number(n ?? 0);
}
