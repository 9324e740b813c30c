/**
 * A list of effects a functional core writes and its shell carries out, reused from event to
 * event without giving its storage back.
 *
 * Why not a plain array emptied with `length = 0`: V8 drops an array's backing store when its
 * length is set to 0, so the next `push` allocates a new one (17 slots, ~150 bytes). At the
 * netcode's few lists per tick that was a good part of the tick's garbage. An `EffectList` keeps
 * its slots; `length` is a plain counter, so a core that writes `out.length = 0` and `out.push(e)`
 * works on an array (tests, the allocating wrappers) and on an `EffectList` alike.
 *
 * @example
 * ```ts
 * import { EffectList } from "./effect_list.ts";
 * const out = new EffectList<string>();
 * out.push("send");
 * for (let i = 0; i < out.length; i++) console.log(out.items[i]);
 * out.clear(); // empty again, slots kept, nothing referenced
 * ```
 *
 * @module
 */

/** What a core writes its effects into: an array, or an {@link EffectList}. */
export interface EffectSink<T> {
  /** Effects written so far; the core may set it to 0 to empty the sink. */
  length: number;
  push(effect: T): unknown;
}

/** A reusable effect list: `items[0..length)` are the effects, in order. */
export class EffectList<T> implements EffectSink<T> {
  /** The slots; only the first `length` are effects, the rest are stale or undefined. */
  readonly items: (T | undefined)[] = [];
  /** Effects in the list. */
  length = 0;

  /** Appends an effect, into a kept slot when there is one. */
  push(effect: T): void {
    if (this.length < this.items.length) this.items[this.length] = effect;
    else this.items.push(effect);
    this.length++;
  }

  /** The effect at `i` (0 <= i < length). */
  at(i: number): T {
    return this.items[i] as T;
  }

  /** Empties the list and lets go of what it held (a packet's bytes), keeping its slots. */
  clear(): void {
    const { items } = this;
    for (let i = 0; i < items.length && items[i] !== undefined; i++) items[i] = undefined;
    this.length = 0;
  }
}
