// Recovery after a hitch, measured over the seeded simulator on a manual clock (deterministic:
// the same figures on every machine). No Deno APIs, so tests and the bench share it.
import { createSimulatedMatch, TICK_MS } from "../game/net/testing/simulated_match.ts";

/** Figures of one recovery run. */
export interface RecoveryResult {
  /** Seconds from the end of the hitch until |skew| <= 1 for good; Infinity if never. */
  secondsToSync: number;
  /** Rollbacks on both sides in the 5 s after the hitch, and their mean depth (frames). */
  rollbacks: number;
  meanDepth: number;
  /** Largest |skew| seen after the hitch, frames. */
  maxSkew: number;
  /** Rollbacks per second on both sides over the last `steadySeconds` (steady state). */
  steadyRollbacksPerSecond: number;
}

/** Options of {@link measureRecovery}. */
export interface RecoveryOptions {
  /** "freeze": B does not tick for `hitchMs`; "background": B ticks once a second for it. */
  kind: "freeze" | "background";
  hitchMs: number;
  delayMs?: number;
  seed?: number;
  /** Play before the hitch (s); default 5. */
  warmupSeconds?: number;
  /** Play after the hitch (s); default 10, at least 5. */
  afterSeconds?: number;
}

/** Plays a match, freezes (or backgrounds) side B, and measures how the two get back together. */
export function measureRecovery(o: RecoveryOptions): RecoveryResult {
  const m = createSimulatedMatch({ seed: o.seed ?? 1, delayMs: o.delayMs ?? 30 });
  const perSecond = Math.round(1000 / TICK_MS);
  const warm = Math.round((o.warmupSeconds ?? 5) * perSecond);
  const hitch = Math.round(o.hitchMs / TICK_MS);
  const after = Math.round(Math.max(5, o.afterSeconds ?? 10) * perSecond);
  for (let t = 0; t < warm; t++) m.step();
  for (let t = 0; t < hitch; t++) m.step(true, o.kind === "background" && t % perSecond === 0);
  const rollbacksBefore = [m.a.stats(), m.b.stats()];
  const skews: number[] = [];
  let rb5 = 0, depth5 = 0;
  const window5 = 5 * perSecond;
  const steadyFrom = after - Math.min(after - window5, 5 * perSecond);
  let steadyStart = 0;
  for (let t = 0; t < after; t++) {
    m.step();
    skews.push(m.a.frame - m.b.frame);
    if (t === window5 - 1) {
      const [a, b] = [m.a.stats(), m.b.stats()];
      rb5 = a.rollbacks + b.rollbacks - rollbacksBefore[0].rollbacks -
        rollbacksBefore[1].rollbacks;
      depth5 = a.rollbackFrames + b.rollbackFrames - rollbacksBefore[0].rollbackFrames -
        rollbacksBefore[1].rollbackFrames;
    }
    if (t === steadyFrom - 1) steadyStart = m.a.stats().rollbacks + m.b.stats().rollbacks;
  }
  let last = -1;
  for (let i = skews.length - 1; i >= 0; i--) {
    if (Math.abs(skews[i]) > 1) {
      last = i;
      break;
    }
  }
  const steadySeconds = (after - steadyFrom) / perSecond;
  return {
    secondsToSync: last === skews.length - 1 ? Infinity : ((last + 1) * TICK_MS) / 1000,
    rollbacks: rb5,
    meanDepth: rb5 === 0 ? 0 : depth5 / rb5,
    maxSkew: Math.max(0, ...skews.map(Math.abs)),
    steadyRollbacksPerSecond: steadySeconds > 0
      ? (m.a.stats().rollbacks + m.b.stats().rollbacks - steadyStart) / steadySeconds
      : 0,
  };
}
