/**
 * The rooms quick match may join, oldest first. Rooms enter when they become joinable and leave
 * when they fill up or close, in any order, so this is an indexed binary min-heap: add, remove and
 * peek in O(log n) instead of scanning every room per `quick`.
 */
export interface OpenRoomQueue<T> {
  /** Adds `item`; does nothing if it is already queued. */
  add(item: T): void;
  /** Removes `item`; does nothing if it is not queued. */
  remove(item: T): void;
  has(item: T): boolean;
  /** The item with the smallest order key (the oldest room), without removing it. */
  peek(): T | undefined;
  readonly size: number;
}

/** Creates an empty queue ordered by `order(item)` ascending; keys must not change while queued. */
export function createOpenRoomQueue<T>(order: (item: T) => number): OpenRoomQueue<T> {
  const heap: T[] = [];
  const index = new Map<T, number>();

  const less = (a: number, b: number) => order(heap[a]) < order(heap[b]);
  const swap = (a: number, b: number) => {
    const t = heap[a];
    heap[a] = heap[b];
    heap[b] = t;
    index.set(heap[a], a);
    index.set(heap[b], b);
  };
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(i, parent)) return;
      swap(i, parent);
      i = parent;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(l, m)) m = l;
      if (r < heap.length && less(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };

  return {
    add(item) {
      if (index.has(item)) return;
      heap.push(item);
      index.set(item, heap.length - 1);
      up(heap.length - 1);
    },
    remove(item) {
      const i = index.get(item);
      if (i === undefined) return;
      index.delete(item);
      const last = heap.pop()!;
      if (i === heap.length) return;
      heap[i] = last;
      index.set(last, i);
      up(i);
      down(index.get(last)!);
    },
    has: (item) => index.has(item),
    peek: () => heap[0],
    get size() {
      return heap.length;
    },
  };
}
