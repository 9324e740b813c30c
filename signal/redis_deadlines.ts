/**
 * Bounded waits on Redis without a timer per wait. Every wait of one registry has the same
 * limit, so deadlines fall in the order the waits began: a FIFO with one timer for its head. A
 * relayed signal used to arm two timers (its script's bound and its ack's); at thousands of
 * messages a second the timers alone were a visible share of the lobby's CPU.
 *
 * @module
 */

/** A wait that may be settled before its deadline. */
export interface Deadline {
  /** Settled (or given up): the deadline no longer fires. Idempotent. */
  cancel(): void;
}

/** Deadlines that all run for the same `ms`. */
export interface Deadlines {
  /** Calls `onExpired` once `ms` passed unless cancelled first. */
  add(onExpired: () => void): Deadline;
  /**
   * `promise`, or a rejection after `ms`. ioredis may hold a command that was in flight when the
   * connection dropped (to resend it), so nothing may wait on Redis without a bound.
   */
  bound<T>(promise: Promise<T>, what: string): Promise<T>;
  /** Waits not yet settled nor expired. */
  readonly size: number;
  /** Drops every pending deadline without firing it (shutdown). */
  clear(): void;
}

interface Entry {
  at: number;
  onExpired: (() => void) | null;
}

/** Creates a deadline queue; `now` is a monotonic clock in ms (tests pass their own). */
export function createDeadlines(
  ms: number,
  now: () => number = () => performance.now(),
): Deadlines {
  const queue: Entry[] = [];
  // Index of the head in `queue`: shifting an array per expiry is O(n).
  let head = 0;
  let live = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const compact = () => {
    // Cancelled entries at the front are garbage; drop them in bulk now and then.
    while (head < queue.length && queue[head].onExpired === null) head++;
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
  };

  const arm = () => {
    if (timer !== undefined) return;
    compact();
    if (head >= queue.length) return;
    timer = setTimeout(fire, Math.max(0, queue[head].at - now()));
  };

  const fire = () => {
    timer = undefined;
    const t = now();
    for (; head < queue.length; head++) {
      const e = queue[head];
      if (e.onExpired === null) continue;
      if (e.at > t) break;
      const f = e.onExpired;
      e.onExpired = null;
      live--;
      f();
    }
    if (head >= queue.length) {
      queue.length = 0;
      head = 0;
    }
    arm();
  };

  const add = (onExpired: () => void): Deadline => {
    const e: Entry = { at: now() + ms, onExpired };
    queue.push(e);
    live++;
    arm();
    return {
      cancel() {
        if (e.onExpired === null) return;
        e.onExpired = null;
        live--;
      },
    };
  };

  return {
    add,
    bound<T>(promise: Promise<T>, what: string): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const d = add(() => reject(new Error(`${what}: no answer from Redis in ${ms} ms`)));
        promise.then(
          (value) => {
            d.cancel();
            resolve(value);
          },
          (err) => {
            d.cancel();
            reject(err);
          },
        );
      });
    },
    get size() {
      return live;
    },
    clear() {
      for (let i = head; i < queue.length; i++) queue[i].onExpired = null;
      queue.length = 0;
      head = 0;
      live = 0;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
