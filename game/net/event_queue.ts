/**
 * Events a match (or a spectated one) reports to its listeners: queued while its own work runs and
 * delivered after it, in order, so a listener never runs in the middle of that work (GGRS's pulled
 * events, pushed at a safe point). A listener that throws costs only itself; one that causes new
 * events (say, by leaving) has them delivered after the current one, to every listener.
 *
 * @module
 */

/** A queue of events and the listeners they go to. */
export class EventQueue<E> {
  #listeners = new Set<(event: E) => void>();
  #queued: E[] = [];
  #delivering = false;

  /** @param label names the owner in the log line of a listener that throws. */
  constructor(readonly label: string) {}

  /** Adds a listener; returns the function that removes it. */
  on(listener: (event: E) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Queues an event for the next {@link EventQueue.flush}. */
  push(event: E): void {
    this.#queued.push(event);
  }

  /** Delivers every queued event, in order; a call from inside a listener does nothing. */
  flush(): void {
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      while (this.#queued.length > 0) {
        const e = this.#queued.shift()!;
        for (const l of [...this.#listeners]) {
          try {
            l(e);
          } catch (err) {
            // A listener's bug must not stop the match or the other listeners.
            console.error(`duet: ${this.label} listener threw`, err);
          }
        }
      }
    } finally {
      this.#delivering = false;
    }
  }
}
