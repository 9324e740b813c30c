/**
 * When each step of connecting happened, in milliseconds from `paired`: the numbers behind the
 * connect-time benchmark and the first thing to read when a connect is slow.
 *
 * @module
 */
import type { Clock } from "./clock.ts";

/**
 * Milliseconds from `paired` to each step of connecting (null until reached), for the
 * connect-time benchmark and for diagnosing a slow connect.
 */
export interface ConnectTimings {
  /** `connect()` was called. */
  start: number | null;
  /** The offer went out (offerer) or was applied (answerer). */
  offer: number | null;
  /** The answer was applied (offerer) or went out (answerer). */
  answer: number | null;
  /** ICE found a working candidate pair. */
  iceConnected: number | null;
  /** Each channel opened. */
  controlOpen: number | null;
  inputOpen: number | null;
  /** Both channels open: the connection is usable. */
  open: number | null;
}

/**
 * Records each step once, the first time it is reached (a restart's second offer does not move
 * `offer`). Times count from `origin` (when `paired` arrived), or from the first mark without one.
 *
 * @example
 * ```ts
 * const marks = new ConnectMarks(realClock, pairedAt);
 * marks.mark("start");
 * marks.timings().start; // ms since paired
 * ```
 */
export class ConnectMarks {
  #clock: Clock;
  #origin: number | null;
  #marks: ConnectTimings = {
    start: null,
    offer: null,
    answer: null,
    iceConnected: null,
    controlOpen: null,
    inputOpen: null,
    open: null,
  };

  /** `origin` is the clock time timings count from; null means "the first mark". */
  constructor(clock: Clock, origin: number | null = null) {
    this.#clock = clock;
    this.#origin = origin;
  }

  /** Notes that `name` was reached now, unless it already was. */
  mark(name: keyof ConnectTimings): void {
    if (this.#marks[name] !== null) return;
    if (this.#origin === null) this.#origin = this.#clock.now();
    this.#marks[name] = this.#clock.now() - this.#origin;
  }

  /** A copy of the marks so far. */
  timings(): ConnectTimings {
    return { ...this.#marks };
  }
}
