import assert from "node:assert/strict";
import { createManualClock } from "./clock.ts";
import type { PacketChannel } from "./packet_channel.ts";
import {
  createReliablePair,
  createSimulatedPair,
  formatSimParam,
  NO_IMPAIRMENT,
  parseSimParam,
  REORDER_MAX_MS,
  REORDER_MIN_MS,
  type SimOptions,
  simulateChannel,
  simulateReliableChannel,
} from "./network_sim.ts";

const opts = (o: Partial<SimOptions>): SimOptions => ({ ...NO_IMPAIRMENT, ...o });

/** Packet i carries i in its first 4 bytes. */
const packet = (i: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, i);
  return b;
};
const idOf = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(0);

interface Arrival {
  id: number;
  sentAt: number;
  at: number;
}

/** Sends `n` packets a->b, one every `everyMs`, and records every arrival at b. */
function run(o: SimOptions, n: number, everyMs = 16) {
  const clock = createManualClock();
  const [a, b] = createSimulatedPair(o, clock);
  const sentAt: number[] = [];
  const arrivals: Arrival[] = [];
  b.onmessage = (d) => arrivals.push({ id: idOf(d), sentAt: sentAt[idOf(d)], at: clock.now() });
  for (let i = 0; i < n; i++) {
    sentAt.push(clock.now());
    a.send(packet(i));
    clock.advance(everyMs);
  }
  clock.advance(20_000);
  return { arrivals, stats: a.stats() };
}

Deno.test("parseSimParam: the URL syntax, aliases and defaults", () => {
  assert.deepEqual(parseSimParam("loss:10,delay:40,jitter:10,seed:1"), {
    loss: 0.1,
    delayMs: 40,
    jitterMs: 10,
    duplicate: 0,
    reorder: 0,
    seed: 1,
  });
  assert.deepEqual(parseSimParam(" dup:2.5, reorder:5 ,loss:0.5,seed:4294967295"), {
    loss: 0.005,
    delayMs: 0,
    jitterMs: 0,
    duplicate: 0.025,
    reorder: 0.05,
    seed: 4294967295,
  });
  assert.equal(parseSimParam("duplicate:100").duplicate, 1);
  assert.equal(parseSimParam("DELAY=25").delayMs, 25);
  assert.deepEqual(parseSimParam(""), { ...NO_IMPAIRMENT });
  const o = parseSimParam("loss:12.5,delay:40,jitter:10,dup:3,reorder:7,seed:99");
  assert.deepEqual(parseSimParam(formatSimParam(o)), o);
});

Deno.test("parseSimParam: garbage gets a clear error naming the problem", () => {
  const bad: [string, RegExp][] = [
    ["loss", /not key:number/],
    ["loss:", /not key:number/],
    ["loss:abc", /not key:number/],
    ["loss:-5", /not key:number/],
    ["loss:10,,delay:5", /not key:number/],
    ["loss:1e3", /not key:number/],
    ["lag:10", /unknown key "lag"/],
    ["loss:10,loss:20", /given twice/],
    ["dup:1,duplicate:2", /given twice/],
    ["loss:101", /percentage/],
    ["reorder:200", /percentage/],
    ["delay:10001", /at most/],
    ["seed:1.5", /seed must be an integer/],
    ["seed:4294967296", /seed must be an integer/],
    ["<script>", /not key:number/],
  ];
  for (const [text, pattern] of bad) assert.throws(() => parseSimParam(text), pattern, text);
  assert.throws(() => parseSimParam(null as unknown as string), /expected a string/);
});

Deno.test("simulator: the same seed gives the same behaviour, another seed another", () => {
  const o = opts({ loss: 0.2, delayMs: 30, jitterMs: 15, duplicate: 0.1, reorder: 0.1, seed: 7 });
  const first = run(o, 500);
  assert.deepEqual(run(o, 500), first);
  const other = run({ ...o, seed: 8 }, 500);
  assert.notDeepEqual(other.arrivals, first.arrivals);
});

Deno.test("simulator: the loss pattern of a seed does not depend on delay settings", () => {
  const ids = (o: SimOptions) => new Set(run(o, 400).arrivals.map((a) => a.id));
  const a = ids(opts({ loss: 0.3, seed: 3 }));
  const b = ids(opts({ loss: 0.3, delayMs: 80, jitterMs: 30, seed: 3 }));
  assert.deepEqual([...a].sort((x, y) => x - y), [...b].sort((x, y) => x - y));
});

Deno.test("simulator: loss fraction is close to the configured one", () => {
  for (const loss of [0, 0.1, 0.3, 1]) {
    const n = 20_000;
    const { arrivals, stats } = run(opts({ loss, seed: 11 }), n, 1);
    const measured = 1 - arrivals.length / n;
    assert.ok(Math.abs(measured - loss) < 0.01, `loss ${loss}: measured ${measured}`);
    assert.equal(stats.dropped, n - arrivals.length);
    assert.equal(stats.sent, n);
    assert.equal(stats.delivered, arrivals.length);
  }
});

Deno.test("simulator: delay and jitter stay within bounds, jitter reorders, mean is the delay", () => {
  const fixed = run(opts({ delayMs: 40, seed: 2 }), 300).arrivals;
  assert.equal(fixed.length, 300);
  for (const a of fixed) assert.equal(a.at - a.sentAt, 40);
  assert.deepEqual(fixed.map((a) => a.id), fixed.map((_, i) => i)); // FIFO without jitter

  const jit = run(opts({ delayMs: 40, jitterMs: 10, seed: 2 }), 3000).arrivals;
  assert.equal(jit.length, 3000);
  let sum = 0, outOfOrder = 0, min = Infinity, max = -Infinity;
  jit.forEach((a, i) => {
    const d = a.at - a.sentAt;
    sum += d;
    min = Math.min(min, d);
    max = Math.max(max, d);
    if (i > 0 && a.id < jit[i - 1].id) outOfOrder++;
  });
  assert.ok(min >= 30 && max <= 50, `delay range ${min}..${max}`);
  assert.ok(min < 31 && max > 49, `jitter should span the range, got ${min}..${max}`);
  assert.ok(Math.abs(sum / jit.length - 40) < 0.5, `mean ${sum / jit.length}`);
  // Packets 16 ms apart swap when their delays differ by > 16 ms: ~2% of pairs.
  assert.ok(outOfOrder > 20, `only ${outOfOrder} overtakes`);

  // Jitter larger than the delay clamps at zero instead of delivering into the past.
  for (const a of run(opts({ delayMs: 5, jitterMs: 20, seed: 2 }), 500).arrivals) {
    assert.ok(a.at - a.sentAt >= 0 && a.at - a.sentAt <= 25);
  }
});

Deno.test("simulator: reorder holds a fraction of packets back so later ones overtake them", () => {
  const n = 5000;
  const { arrivals } = run(opts({ delayMs: 20, reorder: 0.1, seed: 5 }), n);
  assert.equal(arrivals.length, n);
  const held = arrivals.filter((a) => a.at - a.sentAt > 20);
  assert.ok(Math.abs(held.length / n - 0.1) < 0.015, `held ${held.length / n}`);
  for (const a of held) {
    const extra = a.at - a.sentAt - 20;
    assert.ok(extra >= REORDER_MIN_MS && extra < REORDER_MAX_MS, `extra ${extra}`);
  }
  const overtaken = arrivals.filter((a, i) => i > 0 && a.id < arrivals[i - 1].id).length;
  assert.ok(overtaken > 0.05 * n, `overtaken ${overtaken}`);
});

Deno.test("simulator: duplication delivers identical extra copies at the configured rate", () => {
  const n = 10_000;
  const { arrivals, stats } = run(opts({ duplicate: 0.2, delayMs: 10, jitterMs: 5, seed: 9 }), n);
  assert.equal(arrivals.length, n + stats.duplicated);
  assert.ok(Math.abs(stats.duplicated / n - 0.2) < 0.015, `dup ${stats.duplicated / n}`);
  const counts = new Map<number, number>();
  for (const a of arrivals) counts.set(a.id, (counts.get(a.id) ?? 0) + 1);
  assert.equal(counts.size, n);
  assert.ok([...counts.values()].every((c) => c === 1 || c === 2));
});

Deno.test("simulator: delivery is asynchronous and copies the sender's buffer", () => {
  const clock = createManualClock();
  const [a, b] = createSimulatedPair(NO_IMPAIRMENT, clock);
  const got: number[][] = [];
  b.onmessage = (d) => got.push(Array.from(d));
  a.onmessage = () => assert.fail("a->b traffic must not echo back to a");
  const buf = new Uint8Array([1, 2, 3]);
  a.send(buf);
  buf[0] = 9; // the sender reuses its buffer
  assert.deepEqual(got, []); // not delivered inside send()
  clock.advance(0);
  assert.deepEqual(got, [[1, 2, 3]]);
});

Deno.test("simulator: both directions are impaired independently", () => {
  const clock = createManualClock();
  const [a, b] = createSimulatedPair(opts({ loss: 0.5, seed: 1 }), clock);
  const atA: number[] = [], atB: number[] = [];
  a.onmessage = (d) => atA.push(idOf(d));
  b.onmessage = (d) => atB.push(idOf(d));
  for (let i = 0; i < 200; i++) {
    a.send(packet(i));
    b.send(packet(i));
  }
  clock.advance(1);
  assert.ok(atA.length > 60 && atB.length > 60);
  assert.notDeepEqual(atA, atB);
});

Deno.test("simulateChannel wraps a real channel: sends are impaired, receives pass through", () => {
  const clock = createManualClock();
  const sent: Uint8Array[] = [];
  const inner: PacketChannel = { send: (d) => sent.push(d), onmessage: null };
  const sim = simulateChannel(inner, opts({ delayMs: 25, loss: 0.5, seed: 4 }), clock);
  const received: number[] = [];
  sim.onmessage = (d) => received.push(idOf(d));
  for (let i = 0; i < 100; i++) sim.send(packet(i));
  assert.equal(sent.length, 0);
  clock.advance(24);
  assert.equal(sent.length, 0);
  clock.advance(1);
  assert.equal(sent.length, 100 - sim.stats().dropped);
  assert.ok(sent.length > 30 && sent.length < 70);
  inner.onmessage!(packet(77));
  assert.deepEqual(received, [77]);
});

Deno.test("simulateChannel: a throwing inner send is a lost packet, not a crash", () => {
  const clock = createManualClock();
  const inner: PacketChannel = {
    send: () => {
      throw new Error("InvalidStateError: channel closed");
    },
    onmessage: null,
  };
  const sim = simulateChannel(inner, opts({ delayMs: 5 }), clock);
  sim.send(packet(1));
  clock.advance(10);
  assert.equal(sim.stats().delivered, 1);
});

Deno.test("simulateChannel: options are validated", () => {
  const inner: PacketChannel = { send: () => {}, onmessage: null };
  const clock = createManualClock();
  assert.throws(() => simulateChannel(inner, opts({ loss: 1.5 }), clock), /loss/);
  assert.throws(() => simulateChannel(inner, opts({ reorder: -0.1 }), clock), /reorder/);
  assert.throws(() => simulateChannel(inner, opts({ delayMs: -1 }), clock), /delayMs/);
  assert.throws(() => simulateChannel(inner, opts({ jitterMs: NaN }), clock), /jitterMs/);
  assert.throws(() => simulateChannel(inner, opts({ seed: 0.5 }), clock), /seed/);
});

Deno.test("dispose drops packets in flight and later sends", () => {
  const clock = createManualClock();
  const [a, b] = createSimulatedPair(opts({ delayMs: 10 }), clock);
  let n = 0;
  b.onmessage = () => n++;
  a.send(packet(1));
  a.dispose();
  a.send(packet(2));
  clock.advance(100);
  assert.equal(n, 0);
});

Deno.test("simulateReliableChannel: lossless and ordered; 'lost' packets arrive late", () => {
  const clock = createManualClock();
  const sent: number[] = [];
  const times: number[] = [];
  const inner: PacketChannel = {
    send: (d) => {
      sent.push(idOf(d));
      times.push(clock.now());
    },
    onmessage: null,
  };
  const sim = simulateReliableChannel(
    inner,
    opts({ loss: 0.3, delayMs: 20, jitterMs: 10, duplicate: 0.5, reorder: 0.5, seed: 3 }),
    clock,
  );
  for (let i = 0; i < 1000; i++) {
    sim.send(packet(i));
    clock.advance(5);
  }
  clock.advance(1000);
  assert.deepEqual(sent, Array.from({ length: 1000 }, (_, i) => i));
  assert.equal(sim.stats().dropped, 0);
  // Retransmissions (2 * delay + 10 ms) show up as deliveries later than delay + jitter.
  const late = times.filter((t, i) => t - i * 5 > 30).length;
  assert.ok(late > 200, `late ${late}`);
});

Deno.test("createReliablePair: ordered, lossless, fixed delay, both ways", () => {
  const clock = createManualClock();
  const [a, b] = createReliablePair(clock, 15);
  const atA: [number, number][] = [], atB: [number, number][] = [];
  a.onmessage = (d) => atA.push([idOf(d), clock.now()]);
  b.onmessage = (d) => atB.push([idOf(d), clock.now()]);
  for (let i = 0; i < 50; i++) {
    a.send(packet(i));
    b.send(packet(1000 + i));
    clock.advance(1);
  }
  clock.advance(100);
  assert.deepEqual(atB, Array.from({ length: 50 }, (_, i) => [i, i + 15]));
  assert.deepEqual(atA, Array.from({ length: 50 }, (_, i) => [1000 + i, i + 15]));
  const [c, d] = createReliablePair(clock); // default: zero delay, still asynchronous
  let got = 0;
  d.onmessage = () => got++;
  c.send(packet(1));
  assert.equal(got, 0);
  clock.advance(0);
  assert.equal(got, 1);
});

Deno.test("an in-memory pair does not swallow what the receiver throws (tests see the crash)", () => {
  const clock = createManualClock();
  for (const [a, b] of [createSimulatedPair(NO_IMPAIRMENT, clock), createReliablePair(clock)]) {
    b.onmessage = () => {
      throw new Error("receiver crashed");
    };
    a.send(new Uint8Array([1]));
    assert.throws(() => clock.advance(1), /receiver crashed/);
  }
});

Deno.test("simulateChannel: a real channel that throws on send loses the packet, quietly", () => {
  const clock = createManualClock();
  const inner = {
    send() {
      throw new Error("closing");
    },
    onmessage: null,
  };
  const ch = simulateChannel(inner, NO_IMPAIRMENT, clock);
  ch.send(new Uint8Array([1]));
  clock.advance(1);
  assert.equal(ch.stats().delivered, 1);
});
