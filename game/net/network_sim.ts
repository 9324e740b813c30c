/**
 * A seeded network simulator: wraps a `PacketChannel` so that what is sent through it is lost,
 * delayed, jittered, reordered and duplicated, reproducibly. Unit tests run the input transport
 * and the rollback session over in-memory pairs of simulated channels under a manual clock; the
 * game page applies the same impairments to a real DataChannel with `?sim=...`.
 *
 * URL syntax (`parseSimParam`), comma-separated `key:value`, every key optional:
 *
 * | key | meaning | unit | default |
 * |---|---|---|---|
 * | `loss` | packets dropped | percent 0..100 | 0 |
 * | `delay` | one-way base delay | ms | 0 |
 * | `jitter` | each packet's delay varies uniformly in delay ± jitter (never below 0) | ms | 0 |
 * | `dup` (or `duplicate`) | packets delivered twice (the copy gets its own delay) | percent | 0 |
 * | `reorder` | packets held back an extra 10..60 ms so later ones overtake them | percent | 0 |
 * | `seed` | PRNG seed; same seed and same traffic give the same impairments | uint32 | 1 |
 *
 * Example: `?sim=loss:10,delay:40,jitter:10,dup:2,reorder:5,seed:7`.
 *
 * Every packet consumes the same number of random draws whatever happens to it, so the loss
 * pattern of a given seed does not shift when delay or jitter settings change.
 *
 * @module
 */

import { type Clock, realClock } from "./clock.ts";
import type { PacketChannel } from "./packet_channel.ts";
import { deriveSeed, mulberry32 } from "./prng.ts";

/** Impairments of one direction of a link. loss/duplicate/reorder are fractions 0..1. */
export interface SimOptions {
  loss: number;
  delayMs: number;
  jitterMs: number;
  duplicate: number;
  reorder: number;
  seed: number;
  /**
   * Reliable channels only: how late a "lost" packet arrives (its retransmission), ms; default
   * about one RTO, 2 * delayMs + 10.
   */
  retransmitMs?: number;
}

/** No impairment at all (seed 1). */
export const NO_IMPAIRMENT: Readonly<SimOptions> = Object.freeze({
  loss: 0,
  delayMs: 0,
  jitterMs: 0,
  duplicate: 0,
  reorder: 0,
  seed: 1,
});

/** Extra hold-back of a reordered packet: uniform in [REORDER_MIN_MS, REORDER_MAX_MS). */
export const REORDER_MIN_MS = 10;
/** See `REORDER_MIN_MS`. */
export const REORDER_MAX_MS = 60;
/** Largest delay or jitter `parseSimParam` accepts (ms). */
export const MAX_SIM_DELAY_MS = 10_000;

/** What a simulated channel did so far (for tests and the stats overlay). */
export interface SimStats {
  /** Packets handed to `send`. */
  sent: number;
  /** Packets the simulator dropped. */
  dropped: number;
  /** Extra copies the simulator scheduled. */
  duplicated: number;
  /** Packets (copies included) passed on to the other end so far. */
  delivered: number;
}

/** A `PacketChannel` with impairments; `dispose` cancels packets still in flight. */
export interface SimulatedChannel extends PacketChannel {
  stats(): SimStats;
  /** Drops everything still in flight and everything sent later. */
  dispose(): void;
}

const KEYS: Record<string, keyof SimOptions> = {
  loss: "loss",
  delay: "delayMs",
  jitter: "jitterMs",
  dup: "duplicate",
  duplicate: "duplicate",
  reorder: "reorder",
  seed: "seed",
};

/**
 * Parses `loss:10,delay:40,jitter:10,seed:1` (percentages in the text, fractions in the result).
 * An empty string means no impairment. Throws an Error naming the bad item on anything else.
 */
export function parseSimParam(text: string): SimOptions {
  if (typeof text !== "string") throw new Error("sim: expected a string like loss:10,delay:40");
  const opts: SimOptions = { ...NO_IMPAIRMENT };
  const seen = new Set<keyof SimOptions>();
  const trimmed = text.trim();
  if (trimmed === "") return opts;
  for (const item of trimmed.split(",")) {
    const m = /^\s*([a-z]+)\s*[:=]\s*([0-9]+(?:\.[0-9]+)?)\s*$/i.exec(item);
    if (!m) {
      throw new Error(`sim: "${item.slice(0, 40)}" is not key:number (e.g. loss:10,delay:40)`);
    }
    const key = KEYS[m[1].toLowerCase()];
    if (!key) {
      throw new Error(
        `sim: unknown key "${m[1].slice(0, 20)}" (known: loss, delay, jitter, dup, reorder, seed)`,
      );
    }
    if (seen.has(key)) throw new Error(`sim: "${m[1]}" given twice`);
    seen.add(key);
    const value = Number(m[2]);
    switch (key) {
      case "loss":
      case "duplicate":
      case "reorder":
        if (value > 100) throw new Error(`sim: ${m[1]} is a percentage 0..100, got ${m[2]}`);
        opts[key] = value / 100;
        break;
      case "delayMs":
      case "jitterMs":
        if (value > MAX_SIM_DELAY_MS) {
          throw new Error(`sim: ${m[1]} must be at most ${MAX_SIM_DELAY_MS} ms, got ${m[2]}`);
        }
        opts[key] = value;
        break;
      case "seed":
        if (!Number.isInteger(value) || value > 0xffff_ffff) {
          throw new Error(`sim: seed must be an integer 0..4294967295, got ${m[2]}`);
        }
        opts.seed = value;
        break;
    }
  }
  return opts;
}

/** The `?sim=` text for options (inverse of `parseSimParam`, for logs and links). */
export function formatSimParam(o: SimOptions): string {
  const pct = (x: number) => +(x * 100).toFixed(6);
  return `loss:${pct(o.loss)},delay:${o.delayMs},jitter:${o.jitterMs},dup:${pct(o.duplicate)},` +
    `reorder:${pct(o.reorder)},seed:${o.seed}`;
}

function checkOptions(o: SimOptions): void {
  const fraction = (name: string, v: number) => {
    if (!(typeof v === "number" && v >= 0 && v <= 1)) {
      throw new RangeError(`sim: ${name} must be a fraction 0..1, got ${v}`);
    }
  };
  fraction("loss", o.loss);
  fraction("duplicate", o.duplicate);
  fraction("reorder", o.reorder);
  for (const [name, v] of [["delayMs", o.delayMs], ["jitterMs", o.jitterMs]] as const) {
    if (!(typeof v === "number" && Number.isFinite(v) && v >= 0)) {
      throw new RangeError(`sim: ${name} must be a finite number >= 0, got ${v}`);
    }
  }
  if (!Number.isInteger(o.seed)) {
    throw new RangeError(`sim: seed must be an integer, got ${o.seed}`);
  }
}

/** Where a simulated link delivers packets. */
type Deliver = (data: Uint8Array) => void;

/**
 * The impairment engine of one direction. `ordered` models a reliable ordered channel: loss
 * becomes a retransmission delay (head-of-line blocking) and nothing is duplicated or reordered.
 */
function createLink(
  deliver: Deliver,
  opts: SimOptions,
  clock: Clock,
  ordered: boolean,
): { send(data: Uint8Array): void; stats(): SimStats; dispose(): void } {
  checkOptions(opts);
  const rand = mulberry32(opts.seed);
  const stats: SimStats = { sent: 0, dropped: 0, duplicated: 0, delivered: 0 };
  const pending = new Set<number>();
  let disposed = false;
  let lastOrderedAt = -Infinity;

  const jittered = (r: number) => Math.max(0, opts.delayMs + (2 * r - 1) * opts.jitterMs);

  const schedule = (copy: Uint8Array, delay: number) => {
    const id = clock.setTimeout(() => {
      pending.delete(id);
      if (disposed) return;
      stats.delivered++;
      deliver(copy);
    }, delay);
    pending.add(id);
  };

  return {
    send(data) {
      if (disposed) return;
      stats.sent++;
      // Fixed number of draws per packet, whatever its fate (see module doc).
      const rLoss = rand(), rDelay = rand(), rReorder = rand(), rHold = rand();
      const rDup = rand(), rDupDelay = rand();
      // The sender may reuse its buffer once send returns, as with RTCDataChannel.send.
      const copy = new Uint8Array(data);
      if (ordered) {
        // A lost packet is retransmitted after about one RTO (~ a round trip + 10 ms).
        const rto = opts.retransmitMs ?? 2 * opts.delayMs + 10;
        let delay = jittered(rDelay) + (rLoss < opts.loss ? rto : 0);
        const at = Math.max(clock.now() + delay, lastOrderedAt);
        lastOrderedAt = at;
        delay = at - clock.now();
        schedule(copy, delay);
        return;
      }
      if (rLoss < opts.loss) {
        stats.dropped++;
        return;
      }
      let delay = jittered(rDelay);
      if (rReorder < opts.reorder) {
        delay += REORDER_MIN_MS + rHold * (REORDER_MAX_MS - REORDER_MIN_MS);
      }
      schedule(copy, delay);
      if (rDup < opts.duplicate) {
        stats.duplicated++;
        schedule(copy.slice(), jittered(rDupDelay));
      }
    },
    stats: () => ({ ...stats }),
    dispose() {
      disposed = true;
      for (const id of pending) clock.clearTimeout(id);
      pending.clear();
    },
  };
}

function wrap(
  inner: PacketChannel,
  opts: SimOptions,
  clock: Clock,
  ordered: boolean,
): SimulatedChannel {
  const link = createLink(
    (d) => {
      try {
        inner.send(d);
      } catch {
        // A closed real channel throws on send: on a network that is just a lost packet.
      }
    },
    opts,
    clock,
    ordered,
  );
  const channel: SimulatedChannel = {
    send: link.send,
    onmessage: null,
    stats: link.stats,
    dispose: link.dispose,
  };
  // Incoming packets pass straight through: the far end's simulator impairs its own sends.
  inner.onmessage = (data) => channel.onmessage?.(data);
  return channel;
}

/**
 * Wraps a channel so what is SENT through it suffers the impairments; what it receives passes
 * through untouched. Takes over `inner.onmessage`: set `onmessage` on the returned channel.
 */
export function simulateChannel(
  inner: PacketChannel,
  opts: SimOptions,
  clock: Clock = realClock,
): SimulatedChannel {
  return wrap(inner, opts, clock, false);
}

/**
 * Like `simulateChannel` for a reliable, ordered channel (the `control` DataChannel): packets are
 * never dropped, duplicated or reordered; a "lost" one arrives late, as after a retransmission,
 * and holds back everything behind it.
 */
export function simulateReliableChannel(
  inner: PacketChannel,
  opts: SimOptions,
  clock: Clock = realClock,
): SimulatedChannel {
  return wrap(inner, opts, clock, true);
}

function createPair(
  opts: SimOptions,
  clock: Clock,
  ordered: boolean,
): [SimulatedChannel, SimulatedChannel] {
  const ends: SimulatedChannel[] = [];
  // Each direction gets its own stream from the one seed, so a->b and b->a are independent.
  for (const [stream, to] of [[0, 1], [1, 0]]) {
    const seed = deriveSeed(opts.seed, stream);
    const link = createLink((d) => ends[to].onmessage?.(d), { ...opts, seed }, clock, ordered);
    ends.push({ send: link.send, onmessage: null, stats: link.stats, dispose: link.dispose });
  }
  const [a, b] = ends;
  return [a, b];
}

/**
 * Two connected in-memory channels (a->b, b->a), each direction impaired independently; for unit
 * tests. Delivery is always asynchronous (through `clock` timers), as on a real channel.
 */
export function createSimulatedPair(
  opts: SimOptions,
  clock: Clock,
): [SimulatedChannel, SimulatedChannel] {
  return createPair(opts, clock, false);
}

/**
 * An ordered in-memory pair with a fixed one-way delay (the control channel in tests); lossless
 * unless `loss` is given, when a lost packet arrives `retransmitMs` late and holds back the rest.
 */
export function createReliablePair(
  clock: Clock,
  delayMs = 0,
  lossy: { loss?: number; retransmitMs?: number; seed?: number } = {},
): [SimulatedChannel, SimulatedChannel] {
  return createPair({ ...NO_IMPAIRMENT, ...lossy, delayMs }, clock, true);
}
