/**
 * Online password guessing, slowed down: wrong passwords are counted per room and per address;
 * after PASSWORD_FREE_ATTEMPTS wrong ones for either, each further attempt must wait, and each
 * further wrong one doubles the wait (up to PASSWORD_BACKOFF_MAX_MS). A 4-digit PIN then takes
 * days instead of seconds, from one address or from many (the room's own count). Pure: the caller
 * passes the time. Entries are forgotten once idle for twice the longest wait, and the table is
 * swept when it grows, so memory stays bounded by recent guessers. A first wait of 0 turns it off
 * (load generators that join many rooms from one address).
 */
import {
  PASSWORD_BACKOFF_BASE_MS,
  PASSWORD_BACKOFF_MAX_MS,
  PASSWORD_FREE_ATTEMPTS,
} from "../shared/limits.ts";

/** Options of {@link createPasswordAttempts}. */
export interface PasswordAttemptsOptions {
  freeAttempts?: number;
  /** First wait; 0 turns the backoff off (nothing is counted). */
  baseMs?: number;
  maxMs?: number;
}

/** Wrong-password bookkeeping for a set of keys (e.g. `room:<id>` and `ip:<address>`). */
export interface PasswordAttempts {
  /** Milliseconds until an attempt is allowed for every key (0 = now). */
  wait(keys: readonly string[], nowMs: number): number;
  /** A wrong password was tried for these keys. */
  failed(keys: readonly string[], nowMs: number): void;
  /** Forget a key (e.g. the room closed). */
  forget(key: string): void;
  readonly size: number;
}

interface Entry {
  failures: number;
  /** No attempt before this time. */
  until: number;
  last: number;
}

const SWEEP_AT = 10_000;

/** Creates an empty table. */
export function createPasswordAttempts(opts: PasswordAttemptsOptions = {}): PasswordAttempts {
  const free = opts.freeAttempts ?? PASSWORD_FREE_ATTEMPTS;
  const base = opts.baseMs ?? PASSWORD_BACKOFF_BASE_MS;
  const max = opts.maxMs ?? PASSWORD_BACKOFF_MAX_MS;
  const entries = new Map<string, Entry>();
  const idle = (e: Entry, nowMs: number) => nowMs - e.last > 2 * max && nowMs >= e.until;

  const live = (key: string, nowMs: number): Entry | undefined => {
    const e = entries.get(key);
    if (e !== undefined && idle(e, nowMs)) {
      entries.delete(key);
      return undefined;
    }
    return e;
  };

  return {
    wait(keys, nowMs) {
      let wait = 0;
      for (const k of keys) {
        const e = live(k, nowMs);
        if (e !== undefined) wait = Math.max(wait, e.until - nowMs);
      }
      return Math.max(0, Math.ceil(wait));
    },
    failed(keys, nowMs) {
      // Off: counting would only grow the table for waits that are always 0.
      if (base <= 0) return;
      if (entries.size >= SWEEP_AT) {
        for (const [k, e] of entries) if (idle(e, nowMs)) entries.delete(k);
      }
      for (const k of keys) {
        const e = live(k, nowMs) ?? { failures: 0, until: 0, last: nowMs };
        e.failures++;
        e.last = nowMs;
        const over = e.failures - free;
        if (over > 0) e.until = nowMs + Math.min(max, base * 2 ** Math.min(over - 1, 30));
        entries.set(k, e);
      }
    },
    forget: (key) => void entries.delete(key),
    get size() {
      return entries.size;
    },
  };
}
