/**
 * Keeps the match ticking when its tab is hidden. Browsers stop `requestAnimationFrame` (and so
 * Phaser's loop) in a background tab and throttle its timers to about once a second, but a
 * worker's timer keeps its pace; without this, a player who switches tabs freezes the match for
 * both. The render loop and the worker's beats both call `pump(now)`; each call hands the time
 * since the previous call, from either source, to the match's accumulator, so nothing is counted
 * twice.
 *
 * @module
 */

/** Feeds elapsed time to `update` from any number of callers. */
export interface TickPump {
  /** Hands the time since the previous pump (from any source) to `update`. */
  pump(now: number): void;
}

/** Creates a pump; a gap longer than `maxDtMs` (a suspended laptop) is cut to it. */
export function createTickPump(update: (dtMs: number) => void, maxDtMs = 250): TickPump {
  let last: number | null = null;
  return {
    pump(now) {
      if (!Number.isFinite(now)) return;
      if (last === null || now < last) {
        last = now;
        return;
      }
      const dt = Math.min(now - last, maxDtMs);
      last = now;
      if (dt > 0) update(dt);
    },
  };
}

const WORKER_SOURCE =
  "let id=null;onmessage=(e)=>{clearInterval(id);id=e.data>0?setInterval(()=>postMessage(0),e.data):null};";

/**
 * Calls `onBeat` every `intervalMs` from a worker's timer (not throttled in background tabs);
 * falls back to `setInterval` where workers are unavailable. Returns the stop function.
 */
export function startMetronome(intervalMs: number, onBeat: () => void): () => void {
  try {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
    const worker = new Worker(url);
    URL.revokeObjectURL(url);
    worker.onmessage = () => onBeat();
    worker.postMessage(intervalMs);
    return () => {
      worker.postMessage(0);
      worker.terminate();
    };
  } catch {
    const id = setInterval(onBeat, intervalMs);
    return () => clearInterval(id);
  }
}

/**
 * Runs a match's loop: `update(dtMs)` from animation frames, and from a worker's beat every
 * `intervalMs` while the tab is hidden (or where there is no document), then `draw()` after each
 * frame's update. A `draw` that throws is logged and the loop goes on. Returns the stop function.
 *
 * @example
 * ```ts
 * const stop = startFrameLoop(16.67, (dt) => runner.update(dt), () => paint(runner.game));
 * ```
 */
export function startFrameLoop(
  intervalMs: number,
  update: (dtMs: number) => void,
  draw: () => void,
): () => void {
  const pump = createTickPump(update);
  const doc = (globalThis as { document?: Document }).document;
  const stopMetronome = startMetronome(intervalMs, () => {
    if (!doc || doc.hidden) pump.pump(performance.now());
  });
  let raf = 0;
  const frame = () => {
    raf = requestAnimationFrame(frame);
    pump.pump(performance.now());
    try {
      draw();
    } catch (e) {
      console.error("duet: render threw", e);
    }
  };
  if (typeof requestAnimationFrame === "function") raf = requestAnimationFrame(frame);
  return () => {
    stopMetronome();
    if (raf) cancelAnimationFrame(raf);
  };
}
