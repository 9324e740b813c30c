/**
 * Which ICE candidate pair the connection uses, kept current: a pure step that turns a
 * `getStats()` report into "the path changed to X" (or nothing), and a small poller that owns the
 * reading timer and the `selectedcandidatepairchange` listener for one connection's lifetime.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import { type ConnectionPath, pathFromStats, samePath } from "./connection_path.ts";

/**
 * How often the selected candidate pair is re-read while connected. Chromium announces a new pair
 * (`selectedcandidatepairchange`), Firefox does not; the poll also catches what an event misses.
 */
export const PATH_POLL_MS = 2_000;

/**
 * The new path when a stats report (the values of `getStats()`'s map) shows a selected pair that
 * differs from `current`; null when nothing changed or no pair is selected yet (a path once known
 * is kept while ICE checks again).
 *
 * @example
 * ```ts
 * const next = changedPath(path, (await pc.getStats()).values());
 * if (next) path = next;
 * ```
 */
export function changedPath(
  current: ConnectionPath | null,
  stats: Iterable<Record<string, unknown>>,
): ConnectionPath | null {
  const next = pathFromStats(stats);
  return next && !samePath(current, next) ? next : null;
}

/** The part of an RTCPeerConnection the poller reads. */
export interface StatsSource {
  getStats?: () => Promise<{ values(): Iterable<Record<string, unknown>> }>;
  /** Chromium exposes the ICE transport that fires `selectedcandidatepairchange`. */
  readonly sctp?: { transport?: { iceTransport?: EventTarget } } | null;
}

/**
 * Keeps {@link SelectedPath.path} current for one connection: reads on {@link SelectedPath.read},
 * and after {@link SelectedPath.watch} every {@link PATH_POLL_MS} and on every pair change the
 * browser announces, until {@link SelectedPath.stop} or `isOver()`.
 */
export class SelectedPath {
  #path: ConnectionPath | null = null;
  #timer: number | null = null;
  // getStats() is async and not free: one read at a time, and none after the end.
  #reading = false;
  #pc: StatsSource;
  #clock: Clock;
  #isOver: () => boolean;
  #onChange: (path: ConnectionPath) => void;
  #read = (): void => this.read();

  /** `isOver` says the connection ended (no more reads); `onChange` hears each new path. */
  constructor(
    pc: StatsSource,
    clock: Clock,
    isOver: () => boolean,
    onChange: (path: ConnectionPath) => void,
  ) {
    this.#pc = pc;
    this.#clock = clock;
    this.#isOver = isOver;
    this.#onChange = onChange;
  }

  /** The path of the selected pair; null until one is read. */
  get path(): ConnectionPath | null {
    return this.#path;
  }

  /** Reads the selected pair once (skipped while a read is in flight or after the end). */
  read(): void {
    if (this.#isOver() || this.#reading || typeof this.#pc.getStats !== "function") return;
    this.#reading = true;
    this.#pc.getStats().then((report) => {
      this.#reading = false;
      if (this.#isOver()) return;
      const next = changedPath(this.#path, report.values());
      if (next) {
        this.#path = next;
        this.#onChange(next);
      }
    }, () => {
      this.#reading = false;
    });
  }

  /** Reads now, then polls and listens for pair changes; a second call does nothing. */
  watch(): void {
    if (this.#timer !== null || this.#isOver()) return;
    this.read();
    this.#timer = this.#clock.setTimeout(this.#poll, PATH_POLL_MS);
    // Chromium says when ICE switches pairs (e.g. from a direct pair that died to the relay).
    this.#pc.sctp?.transport?.iceTransport?.addEventListener?.(
      "selectedcandidatepairchange",
      this.#read,
    );
  }

  /** Stops polling and listening; the last path read stays readable. */
  stop(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#pc.sctp?.transport?.iceTransport?.removeEventListener?.(
      "selectedcandidatepairchange",
      this.#read,
    );
  }

  #poll = (): void => {
    this.#timer = null;
    if (this.#isOver()) return;
    this.read();
    this.#timer = this.#clock.setTimeout(this.#poll, PATH_POLL_MS);
  };
}
