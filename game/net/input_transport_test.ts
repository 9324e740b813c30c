import assert from "node:assert/strict";
import {
  type ControlMessage,
  decodeInputPacket,
  encodeControl,
  encodeInputPacket,
} from "../../shared/peer_protocol.ts";
import { type Clock, createManualClock, type ManualClock } from "./clock.ts";
import {
  createInputTransport,
  DEFAULT_RESEND_AFTER_MS,
  type InputTransport,
  type InputTransportOptions,
  type LinkState,
} from "./input_transport.ts";
import {
  createReliablePair,
  createSimulatedPair,
  NO_IMPAIRMENT,
  type SimOptions,
  type SimulatedChannel,
} from "./network_sim.ts";
import type { PacketChannel } from "./packet_channel.ts";

const TICK = 1000 / 60;
const inputA = (f: number) => (f * 7 + 3) & 255;
const inputB = (f: number) => (f * 13 + 1) & 255;

/** A channel that forwards to `inner` unless cut; `sent` sees every packet handed to it. */
function tap(inner: PacketChannel) {
  const t = {
    cut: false,
    sent: [] as Uint8Array[],
    record: false,
    send(d: Uint8Array) {
      if (t.record) t.sent.push(d);
      if (!t.cut) inner.send(d);
    },
    get onmessage() {
      return inner.onmessage;
    },
    set onmessage(cb: ((d: Uint8Array) => void) | null) {
      inner.onmessage = cb;
    },
  };
  return t;
}

interface End {
  t: InputTransport;
  got: [number, number][];
  control: ControlMessage[];
  states: [LinkState, number][];
  input: ReturnType<typeof tap>;
  controlCh: ReturnType<typeof tap>;
  rawInput: SimulatedChannel;
  rawControl: SimulatedChannel;
}

function setup(
  sim: Partial<SimOptions>,
  controlDelayMs = sim.delayMs ?? 0,
  extra: Partial<InputTransportOptions> = {},
) {
  const clock = createManualClock(1000);
  const [ia, ib] = createSimulatedPair({ ...NO_IMPAIRMENT, ...sim }, clock);
  const [ca, cb] = createReliablePair(clock, controlDelayMs);
  const make = (rawInput: SimulatedChannel, rawControl: SimulatedChannel): End => {
    const input = tap(rawInput), controlCh = tap(rawControl);
    const t = createInputTransport({ input, control: controlCh, clock, ...extra });
    const end: End = {
      t,
      got: [],
      control: [],
      states: [],
      input,
      controlCh,
      rawInput,
      rawControl,
    };
    t.onInput = (f, v) => end.got.push([f, v]);
    t.onControl = (m) => end.control.push(m);
    t.onState = (s) => end.states.push([s, clock.now()]);
    return end;
  };
  return { clock, a: make(ia, ca), b: make(ib, cb) };
}

/** Plays `frames` ticks on both ends, then keeps polling for `drainMs` so retransmissions land. */
function play(
  clock: ManualClock,
  a: End,
  b: End,
  frames: number,
  drainMs = 2000,
  onTick?: (f: number) => void,
  settleMs = 500,
) {
  for (let f = 0; f < frames; f++) {
    a.t.sendInput(f, inputA(f));
    b.t.sendInput(f, inputB(f));
    a.t.poll();
    b.t.poll();
    onTick?.(f);
    clock.advance(TICK);
  }
  for (let ms = 0; ms < drainMs; ms += TICK) {
    a.t.poll();
    b.t.poll();
    clock.advance(TICK);
  }
  clock.advance(settleMs); // let packets still in flight land
}

const expected = (n: number, fn: (f: number) => number) =>
  Array.from({ length: n }, (_, f) => [f, fn(f)] as [number, number]);

for (const loss of [0, 0.1, 0.3]) {
  Deno.test(`transport: 600 frames arrive exactly once, in order, at ${loss * 100}% loss with reordering and duplication`, () => {
    const sim = { loss, delayMs: 40, jitterMs: 15, reorder: 0.1, duplicate: 0.1, seed: 42 };
    const { clock, a, b } = setup(sim);
    const frames = 600;
    let lastAckA = -1, lastAckB = -1, maxLagA = 0;
    play(clock, a, b, frames, 2000, (f) => {
      const sa = a.t.stats(), sb = b.t.stats();
      assert.ok(sa.ackedLocalFrame >= lastAckA && sb.ackedLocalFrame >= lastAckB, "acks regress");
      lastAckA = sa.ackedLocalFrame;
      lastAckB = sb.ackedLocalFrame;
      if (f > 100) maxLagA = Math.max(maxLagA, f - sa.ackedLocalFrame);
    });
    assert.deepEqual(b.got, expected(frames, inputA));
    assert.deepEqual(a.got, expected(frames, inputB));
    for (const [me, peer] of [[a, b], [b, a]]) {
      const s = me.t.stats();
      assert.equal(s.ackedLocalFrame, frames - 1);
      assert.equal(s.lastRemoteFrame, frames - 1);
      assert.equal(s.malformed, 0);
      assert.equal(me.t.state, "open");
      assert.deepEqual(me.states, []);
      // RTT from the input channel's echoes: 40 ± 15 ms each way, so samples in 50..110 ms.
      assert.ok(Math.abs(s.rttMs - 80) < 10, `rtt ${s.rttMs}`);
      assert.ok(s.rttLastMs >= 49 && s.rttLastMs <= 111, `last rtt ${s.rttLastMs}`);
      assert.ok(s.rttMinMs >= 49 && s.rttMinMs < 70, `min rtt ${s.rttMinMs}`);
      // The control channel (40 ms, no jitter) measures the same with its pings.
      assert.ok(Math.abs(s.controlRttMs - 80) < 1, `control rtt ${s.controlRttMs}`);
      // Loss and duplicates as the peer's simulator produced them.
      const simStats = peer.rawInput.stats();
      assert.equal(s.duplicates, simStats.duplicated);
      assert.ok(
        Math.abs(s.packetsLost - simStats.dropped) <= 3,
        `lost ${s.packetsLost} vs dropped ${simStats.dropped}`,
      );
      // Only losses at the very tail (after the last arrival) are invisible to the receiver.
      const unseen = peer.t.stats().packetsSent - (s.packetsReceived + s.packetsLost);
      assert.ok(unseen >= 0 && unseen <= 3, `unseen ${unseen}`);
      assert.ok(Math.abs(s.lossRate - loss) < 0.08, `lossRate ${s.lossRate} vs ${loss}`);
      assert.ok(s.bytesSent > 0 && s.bytesReceived > 0);
    }
    // Acks keep up: with 40±15 ms delay and 30% loss the peer never lags far behind.
    assert.ok(maxLagA < 20, `ack lag ${maxLagA} frames`);
  });
}

Deno.test("transport: long match across the 16-bit sequence wrap, lossy both ways", () => {
  const { clock, a, b } = setup({ loss: 0.2, delayMs: 20, jitterMs: 10, reorder: 0.05, seed: 3 });
  // Only count: asserting the whole stream is the same as in the test above but slower.
  let okA = 0, okB = 0;
  a.t.onInput = (f, v) => {
    if (f === okA && v === inputB(f)) okA++;
  };
  b.t.onInput = (f, v) => {
    if (f === okB && v === inputA(f)) okB++;
  };
  const frames = 66_000;
  play(clock, a, b, frames, 1000);
  assert.equal(okA, frames);
  assert.equal(okB, frames);
  const s = a.t.stats();
  assert.ok(s.packetsSent > 65_536);
  assert.ok(Math.abs(s.lossRate - 0.2) < 0.06, `lossRate ${s.lossRate}`);
  const unseen = b.t.stats().packetsSent - (s.packetsReceived + s.packetsLost);
  assert.ok(unseen >= 0 && unseen <= 3, `unseen ${unseen}`);
});

Deno.test("transport: packets carry the oldest unacked frames, at most `window` of them", () => {
  const { clock, a, b } = setup({ delayMs: 10 }, 10, { window: 8 });
  a.input.record = true;
  a.input.cut = true; // the peer hears nothing, so nothing gets acked
  for (let f = 0; f < 20; f++) {
    a.t.sendInput(f, inputA(f));
    clock.advance(TICK);
  }
  const packets = a.input.sent.map((d) => {
    const p = decodeInputPacket(d);
    assert.ok(p.ok);
    return p.value;
  });
  // Each input's packet, then its resend half a frame later: the same window, a fresh seq.
  assert.equal(packets.length, 40);
  packets.forEach((p, i) => {
    assert.equal(p.start, 0);
    assert.equal(p.inputs.length, Math.min(8, (i >> 1) + 1));
    assert.equal(p.ack, -1);
    assert.equal(p.seq, i);
  });
  // Reconnect: once b acks, a's window slides and the frames beyond 8 get through too.
  a.input.cut = false;
  a.input.sent.length = 0;
  for (let i = 0; i < 30; i++) {
    a.t.poll();
    b.t.poll();
    clock.advance(TICK);
  }
  assert.deepEqual(b.got, expected(20, inputA));
  assert.equal(a.t.stats().ackedLocalFrame, 19);
  const last = decodeInputPacket(a.input.sent.at(-1)!);
  assert.ok(last.ok);
  assert.equal(last.value.start, 20);
  assert.equal(last.value.inputs.length, 0);
});

Deno.test("transport: an 8-frame packet on the wire is at most 24 bytes", () => {
  const { clock, a } = setup({}, 0, { window: 8 });
  a.input.record = true;
  a.input.cut = true;
  for (let f = 0; f < 400; f++) {
    a.t.sendInput(f, 255);
    clock.advance(TICK);
  }
  // start 0, ack offset 1, seq > 255, no echo (nothing received), hold 0, frame offset 0.
  assert.equal(a.input.sent.at(-1)!.length, 1 + 1 + 1 + 2 + 8 + 3 + 1 + 1 + 1);
  assert.ok(a.input.sent.every((d) => d.length <= 24));
});

Deno.test("transport: keepalives retransmit while the game stalls, and stop being needed", () => {
  const { clock, a, b } = setup({ loss: 0.5, delayMs: 30, seed: 8 });
  a.t.sendInput(0, 1);
  a.t.sendInput(1, 2);
  // Nobody calls sendInput again: only poll runs (a stalled session).
  for (let i = 0; i < 120; i++) {
    a.t.poll();
    b.t.poll();
    clock.advance(TICK);
  }
  assert.deepEqual(b.got, [[0, 1], [1, 2]]);
  assert.equal(a.t.stats().ackedLocalFrame, 1);
  // Polling more than once per tick does not multiply the packet rate.
  const before = a.t.stats().packetsSent;
  for (let i = 0; i < 60; i++) {
    for (let k = 0; k < 4; k++) {
      a.t.poll();
      clock.advance(TICK / 4);
    }
  }
  assert.ok(a.t.stats().packetsSent - before <= 61, `${a.t.stats().packetsSent - before}`);
});

/** Wraps a clock to see which timers are pending and which callbacks were scheduled. */
function countingClock(inner: ManualClock) {
  const live = new Set<number>();
  const callbacks = new Set<() => void>();
  const clock: Clock = {
    now: () => inner.now(),
    setTimeout(cb, ms) {
      callbacks.add(cb);
      const id = inner.setTimeout(() => {
        live.delete(id);
        cb();
      }, ms);
      live.add(id);
      return id;
    },
    clearTimeout(id) {
      live.delete(id);
      inner.clearTimeout(id);
    },
  };
  return { clock, live, callbacks };
}

const decodeAll = (sent: Uint8Array[]) =>
  sent.map((d) => {
    const p = decodeInputPacket(d);
    assert.ok(p.ok, "undecodable packet");
    return p.value;
  });

Deno.test("transport: each input is resent once, half a frame later, as a new packet", () => {
  const { clock, a, b } = setup({ delayMs: 20 }, 20);
  a.input.record = true;
  a.t.sendInput(0, 5);
  a.t.sendInput(1, 6);
  clock.advance(DEFAULT_RESEND_AFTER_MS - 0.1);
  assert.equal(a.input.sent.length, 2);
  clock.advance(0.1);
  assert.equal(a.input.sent.length, 3);
  const [, second, resend] = decodeAll(a.input.sent);
  // The same window and ack as the newest packet, under the next sequence number.
  assert.deepEqual({ ...resend, seq: 0 }, { ...second, seq: 0 });
  assert.equal(resend.seq, second.seq! + 1);
  clock.advance(100);
  assert.equal(a.input.sent.length, 3, "one resend, not a stream of them");
  assert.deepEqual(b.got, [[0, 5], [1, 6]]); // the receiver skips what it already delivered
  const sb = b.t.stats();
  assert.equal(sb.packetsReceived, 3);
  assert.equal(sb.packetsLost, 0);
  assert.equal(sb.duplicates, 0, "a resend is not a duplicate");
  assert.equal(a.t.stats().resends, 1);
  assert.equal(a.t.stats().packetsSent, 3);
});

Deno.test("transport: the resend is skipped once everything is acked, cancelled by a newer packet", () => {
  {
    // Acked in time (a 1 ms link, an 8 ms resend): nothing left to resend.
    const { clock, a, b } = setup({ delayMs: 1 }, 1, { resendAfterMs: 8 });
    a.t.sendInput(0, 1);
    clock.advance(2);
    b.t.sendInput(0, 2); // acks a's frame 0
    clock.advance(2);
    assert.equal(a.t.stats().ackedLocalFrame, 0);
    clock.advance(20);
    assert.equal(a.t.stats().packetsSent, 1);
    assert.equal(a.t.stats().resends, 0);
    // b's frame 0 was never acked (a sent nothing after receiving it), so b did resend.
    assert.equal(b.t.stats().resends, 1);
  }
  {
    // A catch-up burst: the second packet repeats the first, whose resend is dropped.
    const { clock, a } = setup({}, 0, { resendAfterMs: 8 });
    a.input.record = true;
    a.input.cut = true;
    a.t.sendInput(0, 1);
    clock.advance(4);
    a.t.sendInput(1, 2);
    clock.advance(8 - 0.1);
    assert.equal(a.input.sent.length, 2);
    clock.advance(0.1);
    assert.equal(a.input.sent.length, 3);
    assert.deepEqual([...decodeAll(a.input.sent)[2].inputs], [1, 2]);
    clock.advance(100);
    assert.equal(a.t.stats().resends, 1);
  }
  {
    // A keepalive that goes out first (resend slower than the keepalive) replaces the resend.
    const { clock, a } = setup({}, 0, { resendAfterMs: 20, keepaliveMs: 15 });
    a.input.cut = true;
    a.t.sendInput(0, 1);
    clock.advance(15);
    a.t.poll();
    assert.equal(a.t.stats().packetsSent, 2);
    clock.advance(10);
    assert.equal(a.t.stats().packetsSent, 2);
    assert.equal(a.t.stats().resends, 0);
  }
});

Deno.test("transport: steady play sends two packets a frame and no keepalives; a stall only keepalives", () => {
  const { clock, a, b } = setup({ delayMs: 20 }, 20);
  // Polling before sending is the order where a keepalive could slip in beside the input.
  for (let f = 0; f < 120; f++) {
    a.t.poll();
    b.t.poll();
    a.t.sendInput(f, inputA(f));
    b.t.sendInput(f, inputB(f));
    a.t.poll();
    clock.advance(TICK);
  }
  let s = a.t.stats();
  assert.equal(s.resends, 120);
  assert.equal(s.packetsSent, 1 + 240); // the very first poll's keepalive came before any input
  // Stalled: no inputs, so no resends; keepalives carry the window, about one per tick.
  for (let i = 0; i < 60; i++) {
    a.t.poll();
    b.t.poll();
    clock.advance(TICK);
  }
  s = a.t.stats();
  assert.equal(s.resends, 120);
  const stalled = s.packetsSent - 241;
  assert.ok(stalled >= 58 && stalled <= 60, `${stalled} packets in 60 stalled ticks`);
  assert.deepEqual(b.got, expected(120, inputA));
});

Deno.test("transport: close() and a disconnect leave no timer behind; resendAfterMs 0 schedules none", () => {
  const manual = createManualClock(0);
  const sink = () => {
    const ch = { sent: 0, onmessage: null, send: () => void ch.sent++ };
    return ch;
  };
  {
    const c = countingClock(manual);
    const input = sink();
    const t = createInputTransport({ input, control: sink(), clock: c.clock });
    for (let f = 0; f < 30; f++) {
      t.sendInput(f, 1);
      manual.advance(TICK);
    }
    t.sendInput(30, 1);
    t.sendInput(31, 1);
    assert.equal(c.live.size, 1, "one pending resend at a time");
    // Every resend is scheduled with the same function: no closure allocated per packet.
    assert.equal(c.callbacks.size, 1);
    t.close();
    assert.equal(c.live.size, 0);
    const sent = input.sent;
    manual.advance(100);
    assert.equal(input.sent, sent);
  }
  {
    const c = countingClock(manual);
    const t = createInputTransport({
      input: sink(),
      control: sink(),
      clock: c.clock,
      interruptedAfterMs: 50,
      disconnectedAfterMs: 100,
      resendAfterMs: 50,
    });
    manual.advance(95);
    t.sendInput(0, 1);
    assert.equal(c.live.size, 1);
    manual.advance(5);
    t.poll();
    assert.equal(t.state, "disconnected");
    assert.equal(c.live.size, 0);
    assert.equal(t.stats().resends, 0);
  }
  {
    const c = countingClock(manual);
    const input = sink();
    const t = createInputTransport({ input, control: sink(), clock: c.clock, resendAfterMs: 0 });
    for (let f = 0; f < 10; f++) {
      t.sendInput(f, 1);
      t.poll();
      manual.advance(TICK);
    }
    assert.equal(c.callbacks.size, 0);
    assert.equal(input.sent, 10);
    assert.equal(t.stats().resends, 0);
  }
});

/** Per-frame delivery latency a->b over a lossy 20 ms link, with or without the resend. */
function latencies(loss: number, resendAfterMs: number, frames = 3000) {
  const delayMs = 20;
  const { clock, a, b } = setup(
    { loss, delayMs, jitterMs: 2, seed: 21 },
    delayMs,
    { resendAfterMs },
  );
  const sentAt: number[] = [], gotAt: number[] = [];
  b.t.onInput = (f) => void (gotAt[f] = clock.now());
  play(clock, a, b, frames, 1000, (f) => void (sentAt[f] = clock.now()));
  assert.equal(gotAt.length, frames, "every frame delivered");
  const ms = gotAt.map((t, f) => t - sentAt[f]).sort((x, y) => x - y);
  const pct = (p: number) => ms[Math.ceil(p * ms.length) - 1];
  return {
    p95: pct(0.95),
    p99: pct(0.99),
    // Frames that missed both the first packet and the resend (a resend lands by delay + 10).
    lateShare: ms.filter((x) => x > delayMs + 2 + resendAfterMs + 0.5).length / ms.length,
    stats: b.t.stats(),
    dropped: a.rawInput.stats().dropped,
  };
}

Deno.test("transport: under loss the resend keeps p99 delivery below one-way delay plus a frame", () => {
  const limit = 20 + TICK;
  const with5 = latencies(0.05, DEFAULT_RESEND_AFTER_MS);
  const without5 = latencies(0.05, 0);
  // At 5% a frame is late only if two packets in a row are lost (0.25%), far below 1%.
  assert.ok(with5.p99 < limit, `p99 with resend ${with5.p99}`);
  assert.ok(with5.p99 <= 20 + 2 + DEFAULT_RESEND_AFTER_MS, `p99 with resend ${with5.p99}`);
  assert.ok(without5.p99 >= limit - 2, `p99 without resend ${without5.p99}`);
  // At 10%: ~10% of frames wait for the next tick without the resend, ~1% with it.
  const with10 = latencies(0.1, DEFAULT_RESEND_AFTER_MS);
  const without10 = latencies(0.1, 0);
  assert.ok(with10.lateShare < 0.02, `late share with resend ${with10.lateShare}`);
  assert.ok(without10.lateShare > 0.06, `late share without resend ${without10.lateShare}`);
  assert.ok(with10.p95 < limit && without10.p95 >= limit - 2, `${with10.p95} ${without10.p95}`);
  // Resends are packets of their own: the loss estimate still sees the link's true loss.
  for (const [r, loss] of [[with5, 0.05], [with10, 0.1]] as const) {
    assert.equal(r.stats.duplicates, 0);
    assert.ok(Math.abs(r.stats.packetsLost - r.dropped) <= 3, `${r.stats.packetsLost}`);
    assert.ok(Math.abs(r.stats.lossRate - loss) < 0.03, `lossRate ${r.stats.lossRate}`);
  }
});

Deno.test("transport: a silent peer is interrupted after 0.5 s, then disconnected after 3 s", () => {
  const { clock, a, b } = setup({ delayMs: 20 }, 20);
  play(clock, a, b, 60, 0, undefined, 0);
  const frozenAt = clock.now();
  // b goes silent (a frozen tab, a dead route): nothing it sends gets out; a keeps ticking.
  b.input.cut = true;
  b.controlCh.cut = true;
  for (let f = 60; f < 60 + 4 * 60; f++) {
    a.t.sendInput(f, inputA(f));
    a.t.poll();
    clock.advance(TICK);
  }
  assert.equal(a.states.length, 2);
  const [[s1, t1], [s2, t2]] = a.states;
  assert.equal(s1, "interrupted");
  assert.equal(s2, "disconnected");
  // b's last packets left around frozenAt and took 20 ms; detection has one tick of granularity.
  assert.ok(
    t1 - frozenAt >= 500 && t1 - frozenAt <= 500 + 20 + 2 * TICK,
    `interrupted at ${t1 - frozenAt}`,
  );
  assert.ok(
    t2 - frozenAt >= 3000 && t2 - frozenAt <= 3000 + 20 + 2 * TICK,
    `disconnected at ${t2 - frozenAt}`,
  );
  assert.equal(a.t.state, "disconnected");
  // Terminal: traffic resuming later changes nothing, and sending is a harmless no-op.
  b.input.cut = false;
  b.controlCh.cut = false;
  b.t.poll();
  b.t.sendInput(60, inputB(60));
  clock.advance(100);
  a.t.poll();
  a.t.sendInput(300, 0);
  assert.equal(a.t.state, "disconnected");
  assert.equal(a.got.length, 60);
});

Deno.test("transport: a peer whose game loop stops but whose page answers pings stays open", () => {
  // Link liveness, not game liveness: the app layer decides how long to wait for a stuck peer.
  const { clock, a, b } = setup({ delayMs: 20 }, 20);
  play(clock, a, b, 60, 0, undefined, 0);
  for (let f = 60; f < 60 + 4 * 60; f++) {
    a.t.sendInput(f, inputA(f));
    a.t.poll();
    clock.advance(TICK);
  }
  assert.equal(a.t.state, "open");
  assert.deepEqual(a.states, []);
  assert.equal(a.t.stats().lastRemoteFrame, 59); // what the app watches for a stuck peer
});

Deno.test("transport: an interrupted peer that comes back before the deadline is open again", () => {
  const { clock, a, b } = setup({ loss: 0.1, delayMs: 30, jitterMs: 10, seed: 5 });
  let fa = 0, fb = 0;
  const tick = (bAlive: boolean) => {
    a.t.sendInput(fa, inputA(fa));
    fa++;
    a.t.poll();
    b.input.cut = b.controlCh.cut = !bAlive;
    if (bAlive) {
      b.t.sendInput(fb, inputB(fb));
      fb++;
      b.t.poll();
    }
    clock.advance(TICK);
  };
  for (let i = 0; i < 60; i++) tick(true);
  for (let i = 0; i < 90; i++) tick(false); // 1.5 s of silence from b
  assert.equal(a.t.state, "interrupted");
  for (let i = 0; i < 120; i++) tick(true);
  assert.equal(a.t.state, "open");
  assert.deepEqual(a.states.map(([s]) => s), ["interrupted", "open"]);
  for (let i = 0; i < 120; i++) {
    a.t.poll();
    b.t.poll();
    clock.advance(TICK);
  }
  assert.deepEqual(a.got, expected(fb, inputB));
  assert.deepEqual(b.got, expected(fa, inputA));
});

Deno.test("transport: pings on the control channel keep the link open when inputs are cut", () => {
  const { clock, a, b } = setup({ delayMs: 10 });
  b.input.cut = true;
  for (let i = 0; i < 300; i++) {
    a.t.poll();
    b.t.poll();
    clock.advance(TICK);
  }
  assert.equal(a.t.state, "open");
  assert.ok(a.t.stats().rttMs > 0);
});

Deno.test("transport: the silence timeouts are configurable", () => {
  const { clock, a } = setup({}, 0, { interruptedAfterMs: 100, disconnectedAfterMs: 200 });
  for (let i = 0; i < 20; i++) {
    a.t.poll();
    clock.advance(TICK);
  }
  assert.deepEqual(a.states.map(([s]) => s), ["interrupted", "disconnected"]);
  assert.ok(a.states[0][1] - 1000 >= 100 && a.states[0][1] - 1000 < 100 + TICK);
  assert.ok(a.states[1][1] - 1000 >= 200 && a.states[1][1] - 1000 < 200 + TICK);
});

Deno.test("transport: garbage on either channel is counted and ignored", () => {
  const { clock, a, b } = setup({ loss: 0.1, delayMs: 20, jitterMs: 5, duplicate: 0.05, seed: 6 });
  // Delivered straight into a's channels, as if the peer (or a broken adapter) sent them.
  const garbage: [PacketChannel, Uint8Array][] = [
    [a.rawInput, new Uint8Array()],
    [a.rawInput, new Uint8Array([0xc1])],
    [a.rawInput, new Uint8Array([0x94, 1, 2])],
    [a.rawInput, encodeControl({ kind: "ping", t: 1 })], // right bytes, wrong channel
    [a.rawInput, encodeInputPacket({ start: 0, ack: 1_000_000, inputs: new Uint8Array(1) })],
    [a.rawInput, new Uint8Array(200)],
    [a.rawControl, new Uint8Array([0xc1, 0xc1])],
    [a.rawControl, encodeInputPacket({ start: 1, ack: 0, inputs: new Uint8Array(2) })],
    [a.rawControl, new Uint8Array([0x92, 9, 1])], // unknown tag
    [a.rawControl, encodeControl({ kind: "pong", t: 1e12 })], // answers no ping of ours
    [a.rawControl, new Uint8Array(70_000)],
  ];
  play(clock, a, b, 300, 2000, (f) => {
    if (f % 20 === 10) {
      for (const [ch, bytes] of garbage) ch.onmessage!(bytes);
    }
  });
  const rounds = 15;
  assert.equal(a.t.stats().malformed, rounds * garbage.length);
  assert.equal(b.t.stats().malformed, 0);
  assert.deepEqual(a.got, expected(300, inputB));
  assert.deepEqual(b.got, expected(300, inputA));
  assert.deepEqual(a.control, []);
  assert.equal(a.t.state, "open");
  // Not even a non-Uint8Array from a confused adapter throws.
  a.rawInput.onmessage!("text" as unknown as Uint8Array);
  a.rawControl.onmessage!(null as unknown as Uint8Array);
  assert.equal(a.t.stats().malformed, rounds * garbage.length + 2);
});

Deno.test("transport: control messages pass through; close sends bye and stops both ends", () => {
  const { clock, a, b } = setup({ delayMs: 15 }, 15);
  a.t.sendControl({ kind: "hello", version: 1, name: "Ada" });
  a.t.sendControl({ kind: "checksum", frame: 120, checksum: 0xdeadbeef });
  a.t.sendControl({ kind: "app", data: { chat: "gg" } });
  play(clock, a, b, 10, 200);
  assert.deepEqual(b.control, [
    { kind: "hello", version: 1, name: "Ada" },
    { kind: "checksum", frame: 120, checksum: 0xdeadbeef },
    { kind: "app", data: { chat: "gg" } },
  ]);
  assert.ok(!b.control.some((m) => m.kind === "ping" || m.kind === "pong"));
  a.t.close("match over");
  assert.equal(a.t.state, "closed");
  assert.deepEqual(a.states.map(([s]) => s), ["closed"]);
  clock.advance(20);
  assert.deepEqual(b.control.at(-1), { kind: "bye", reason: "match over" });
  assert.equal(b.t.state, "closed");
  assert.deepEqual(b.states.map(([s]) => s), ["closed"]);
  // Everything after close is a quiet no-op.
  const sent = a.t.stats().packetsSent;
  a.t.sendInput(10, 1);
  a.t.poll();
  a.t.sendControl({ kind: "app", data: 1 });
  a.t.close();
  assert.equal(a.t.stats().packetsSent, sent);
  assert.equal(a.states.length, 1);
});

Deno.test("transport: nothing is lost while the consumer has not attached yet", () => {
  const { clock, a, b } = setup({ loss: 0.2, delayMs: 20, seed: 12 });
  b.t.onInput = null;
  b.t.onControl = null;
  a.t.sendControl({ kind: "app", data: "early" });
  for (let f = 0; f < 30; f++) {
    a.t.sendInput(f, inputA(f));
    a.t.poll();
    b.t.poll();
    clock.advance(TICK);
  }
  assert.equal(b.t.stats().lastRemoteFrame, -1);
  assert.equal(a.t.stats().ackedLocalFrame, -1); // unconsumed inputs are not acked
  const got: [number, number][] = [];
  b.t.onInput = (f, v) => got.push([f, v]);
  const control: ControlMessage[] = [];
  b.t.onControl = (m) => control.push(m);
  assert.deepEqual(control, [{ kind: "app", data: "early" }]);
  for (let i = 0; i < 60; i++) {
    a.t.poll();
    b.t.poll();
    clock.advance(TICK);
  }
  assert.deepEqual(got, expected(30, inputA));
});

Deno.test("transport: API misuse gets a clear error", () => {
  const { a } = setup({});
  assert.throws(() => a.t.sendInput(1, 0), /expected frame 0, got 1/);
  assert.throws(() => a.t.sendInput(0, 256), /0\.\.255/);
  assert.throws(() => a.t.sendInput(0, -1), /0\.\.255/);
  assert.throws(() => a.t.sendInput(0, 1.5), /0\.\.255/);
  a.t.sendInput(0, 0);
  assert.throws(() => a.t.sendInput(0, 0), /expected frame 1, got 0/);
  assert.throws(() => a.t.sendControl({ kind: "ping", t: NaN }), /finite/);
  const ch = (): PacketChannel => ({ send() {}, onmessage: null });
  assert.throws(() => createInputTransport({ input: ch(), control: ch(), window: 0 }), /window/);
  assert.throws(() => createInputTransport({ input: ch(), control: ch(), window: 129 }), /window/);
  assert.throws(
    () => createInputTransport({ input: ch(), control: ch(), interruptedAfterMs: -5 }),
    /interruptedAfterMs/,
  );
  assert.throws(
    () =>
      createInputTransport({
        input: ch(),
        control: ch(),
        interruptedAfterMs: 1000,
        disconnectedAfterMs: 500,
      }),
    /disconnectedAfterMs/,
  );
});

Deno.test("transport: a channel whose send throws (closing DataChannel) does not break the loop", () => {
  const clock = createManualClock();
  const broken: PacketChannel = {
    send() {
      throw new Error("InvalidStateError");
    },
    onmessage: null,
  };
  const t = createInputTransport({ input: broken, control: broken, clock });
  t.sendInput(0, 1);
  t.poll();
  t.sendControl({ kind: "app", data: 1 });
  clock.advance(100);
  t.poll();
  assert.equal(t.stats().packetsSent, 3); // the input, its resend, a keepalive
  t.close();
  assert.equal(t.state, "closed");
});

Deno.test("transport: a packet that starts past a gap delivers nothing and acks nothing", () => {
  const { clock, a } = setup({});
  a.rawInput.onmessage?.(encodeInputPacket({ start: 0, ack: -1, inputs: Uint8Array.of(1, 2) }));
  a.rawInput.onmessage?.(
    encodeInputPacket({ start: 5, ack: -1, inputs: Uint8Array.of(9, 9), seq: 1 }),
  );
  clock.advance(1);
  assert.deepEqual(a.got, [[0, 1], [1, 2]]);
  assert.equal(a.t.stats().lastRemoteFrame, 1);
});

Deno.test("transport: an input the consumer refuses is neither delivered nor acked", () => {
  const { a } = setup({});
  const got: number[] = [];
  a.t.onInput = (f) => f < 2 ? (got.push(f), true) : false;
  a.rawInput.onmessage?.(encodeInputPacket({ start: 0, ack: -1, inputs: new Uint8Array(5) }));
  assert.deepEqual(got, [0, 1]);
  assert.equal(a.t.stats().lastRemoteFrame, 1, "the ack stops at the last frame taken");
  assert.equal(a.t.stats().rejected, 3);
});

Deno.test("transport: a peer that acks just often enough never makes sendInput throw", () => {
  const { clock, a } = setup({});
  // The peer acks one more frame every 5 s (under the ack timeout) and nothing else: our unacked
  // frames pile up until the transport gives the link up, as `disconnected`, not with a throw.
  let acked = -1;
  for (let f = 0; f < 70_000 && a.t.state !== "disconnected"; f++) {
    a.t.sendInput(f, 1);
    if (f % 60 === 0) { // a packet a second keeps the link alive; the ack moves every 5 s
      if (f % 300 === 0) acked++;
      a.rawInput.onmessage?.(
        encodeInputPacket({ start: 0, ack: acked, inputs: new Uint8Array(0), seq: f % 65536 }),
      );
    }
    if (f === 60_000) assert.equal(a.t.state, "open", "alive until the unacked cap");
    clock.advance(TICK);
    a.t.poll();
  }
  assert.equal(a.t.state, "disconnected");
  assert.ok(a.t.stats().ackedLocalFrame < 300, "the peer acked almost nothing");
  assert.doesNotThrow(() => a.t.sendInput(70_001, 1), "after the end: ignored");
});

Deno.test("startAt begins both input streams mid-match: nothing earlier is sent or expected", () => {
  const clock = createManualClock();
  const [ia, ib] = createSimulatedPair({ ...NO_IMPAIRMENT, delayMs: 5 }, clock);
  const [ca, cb] = createReliablePair(clock, 5);
  const a = createInputTransport({ input: ia, control: ca, clock });
  const b = createInputTransport({ input: ib, control: cb, clock });
  a.startAt(100, 40);
  b.startAt(40, 100);
  const gotA: number[] = [], gotB: number[] = [];
  a.onInput = (f) => gotA.push(f);
  b.onInput = (f) => gotB.push(f);
  assert.throws(() => a.sendInput(0, 1), /expected frame 100/);
  for (let i = 0; i < 5; i++) {
    a.sendInput(100 + i, 1);
    b.sendInput(40 + i, 2);
    clock.advance(20);
  }
  assert.deepEqual(gotB, [100, 101, 102, 103, 104]);
  assert.deepEqual(gotA, [40, 41, 42, 43, 44]);
  assert.ok(a.stats().ackedLocalFrame >= 103, "acks start from the resumed frames");
  assert.equal(a.stats().malformed + b.stats().malformed, 0);
  assert.throws(() => a.startAt(0, 0), /started already/);
  const c = createInputTransport({ input: ia, control: ca, clock });
  assert.throws(() => c.startAt(-1, 0), /integer/);
});
