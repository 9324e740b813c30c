/**
 * The fixed 60 Hz step of a match: elapsed time goes into an accumulator, each tick takes
 * {@link TICK_MS} out of it, and what is left over is the renderer's interpolation factor. A tab
 * that was frozen does not make the match race to catch up: past {@link MAX_CATCH_UP_TICKS} in
 * one update, the backlog is dropped. Pure arithmetic, no clock.
 *
 * @module
 */

/** The simulation rate. */
export const TICK_HZ = 60;
/** Milliseconds per simulation tick. */
export const TICK_MS = 1000 / TICK_HZ;
/** Most ticks one `update` runs to catch up; beyond that, time is dropped (a frozen tab). */
export const MAX_CATCH_UP_TICKS = 8;

/** The accumulator; see the module comment. */
export interface TickPacer {
  /** True while a whole tick's time is waiting and `ran` ticks are fewer than the catch-up cap. */
  due(ran: number): boolean;
  /** Adds elapsed time. */
  add(dtMs: number): void;
  /** Takes one tick's time out. */
  spend(): void;
  /** After an update's ticks: a backlog of whole ticks left is dropped, the fraction is kept. */
  settle(): void;
  /** The carried fraction of a tick (0..1) after a tick that advanced; else 1 (nothing moves). */
  alpha(advanced: boolean): number;
}

/** Creates an empty accumulator. */
export function createTickPacer(): TickPacer {
  let acc = 0;
  return {
    due: (ran) => acc >= TICK_MS && ran < MAX_CATCH_UP_TICKS,
    add(dtMs) {
      acc += dtMs;
    },
    spend() {
      acc -= TICK_MS;
    },
    settle() {
      if (acc >= TICK_MS) acc = acc % TICK_MS;
    },
    alpha: (advanced) => (advanced ? Math.min(1, acc / TICK_MS) : 1),
  };
}
