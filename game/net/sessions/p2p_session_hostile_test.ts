// The hostile-peer suite: every way a peer could break the other side's game, found in review
// (issue 11), as a test. Side A receives, besides its honest peer's traffic, what a hostile peer
// injects on either channel; A must keep ticking, never throw and never stop.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type ControlMessage,
  encodeControl,
  encodeInputPacket,
  MAX_FRAME,
} from "../../../shared/peer_protocol.ts";
import { createManualClock } from "../clock.ts";
import { createInputTransport } from "../input_transport.ts";
import { createSimulatedPair, NO_IMPAIRMENT } from "../network_sim.ts";
import { createSimulatedMatch } from "../testing/simulated_match.ts";
import { createTestGame } from "../test_game.ts";
import { createP2PSession, type SessionTransport } from "./p2p_session.ts";

const control = (m: ControlMessage) => encodeControl(m);

Deno.test("a quality report 2^31 frames ahead, or a forged advantage, neither throws nor slows us", () => {
  const m = createSimulatedMatch({ seed: 1, delayMs: 30 });
  for (let t = 0; t < 600; t++) {
    // Every tick: frame = ours + 2^31 (valid uint32), advantage -0x7fffffff.
    const frame = (m.a.frame + 2 ** 31) % (MAX_FRAME + 1);
    m.inject(0, "control", control({ kind: "quality", frame, advantage: -0x7fff_ffff }));
    m.inject(0, "control", control({ kind: "quality", frame: 5, advantage: 0x7fff_ffff }));
    m.step();
  }
  const a = m.a.stats();
  assert.equal(m.a.state, "running");
  assert.ok(a.frame >= 590, `A is at frame ${a.frame}`);
  assert.ok(Math.abs(m.a.frame - m.b.frame) <= 1, "still in step with the honest peer");
  assert.ok(a.skippedTicks <= 1, `skipped ${a.skippedTicks}`);
  assert.ok(Math.abs(a.remoteAdvantage) <= 0x7fff, "clamped to i16 for display");
});

Deno.test("three 128-frame input packets are held back, not an error that stops the session", () => {
  const m = createSimulatedMatch({ seed: 2, delayMs: 20 });
  for (let t = 0; t < 60; t++) m.step();
  const next = m.transports[0].stats().lastRemoteFrame + 1;
  for (let i = 0; i < 3; i++) {
    m.inject(
      0,
      "input",
      encodeInputPacket({
        start: next + 128 * i,
        ack: -1,
        inputs: new Uint8Array(128),
        seq: 60_000 + i,
      }),
    );
  }
  for (let t = 0; t < 300; t++) m.step();
  assert.equal(m.a.state, "running");
  assert.ok(m.a.stats().rejected > 0, "the frames beyond the queue were refused");
  assert.ok(m.a.frame > 300, `A at frame ${m.a.frame}`);
  assert.equal(m.events[0].filter((e) => e.type === "error").length, 0);
});

Deno.test("1000 checksums for one frame give at most one desync; far-future ones blind nothing", () => {
  const m = createSimulatedMatch({ seed: 3, delayMs: 20, session: { checksumInterval: 10 } });
  for (let t = 0; t < 120; t++) m.step();
  const frame = m.a.confirmedFrame - 5;
  for (let i = 0; i < 1000; i++) {
    m.inject(0, "control", control({ kind: "checksum", frame, checksum: i }));
  }
  // Frames the peer cannot have confirmed (we have not sent their inputs yet).
  for (let i = 0; i < 500; i++) {
    m.inject(0, "control", control({ kind: "checksum", frame: 1e6 + i, checksum: 1 }));
  }
  const checkedBefore = m.a.stats().checksumsChecked;
  for (let t = 0; t < 600; t++) m.step();
  const a = m.a.stats();
  assert.ok(a.desyncs <= 1, `${a.desyncs} desyncs`);
  assert.ok(a.malformed >= 1499, `malformed ${a.malformed}`);
  assert.ok(a.checksumsChecked - checkedBefore >= 55, "the honest checksums are still compared");
  assert.ok(m.events[0].filter((e) => e.type === "desync").length <= 1);
});

Deno.test("a ping flood is answered at the rate limit only", () => {
  const m = createSimulatedMatch({ seed: 4, delayMs: 10 });
  m.step();
  const sentBefore = m.transports[0].stats().bytesSent;
  for (let i = 0; i < 1000; i++) m.inject(0, "control", control({ kind: "ping", t: i }));
  const pongBytes = m.transports[0].stats().bytesSent - sentBefore;
  assert.ok(pongBytes < 20 * 12, `${pongBytes} bytes of pongs`);
  assert.ok(m.transports[0].stats().rejected >= 985);
});

Deno.test("a peer that sends inputs but never acks ours is a dead link, ended cleanly", () => {
  const clock = createManualClock();
  const [ia, ib] = createSimulatedPair(NO_IMPAIRMENT, clock);
  const [ca] = createSimulatedPair(NO_IMPAIRMENT, clock);
  const t = createInputTransport({ input: ia, control: ca, clock });
  const session = createP2PSession({ game: createTestGame(), transport: t, localPlayer: 0 });
  ib.onmessage = null; // the peer ignores everything we send
  let peerFrame = 0;
  for (let tick = 0; tick < 60 * 60; tick++) {
    // Its inputs keep coming, ack -1 forever.
    ib.send(
      encodeInputPacket({ start: peerFrame, ack: -1, inputs: Uint8Array.of(0), seq: tick % 65536 }),
    );
    peerFrame++;
    clock.advance(1000 / 60);
    session.tick(0); // never throws
  }
  assert.equal(t.state, "disconnected");
  assert.ok(session.frame > 500, "it played while the link looked alive");
});

Deno.test("state dumps nobody asked for are refused; a real desync's dump comes once", () => {
  const [ta, tb] = [fakeEnd(), fakeEnd()];
  const s = createP2PSession({ game: createTestGame(), transport: ta, localPlayer: 0 });
  const seen: string[] = [];
  s.onEvent((e) => seen.push(e.type));
  for (let i = 0; i < 50; i++) {
    ta.onControl?.({ kind: "state", frame: i, state: new Uint8Array(1000) });
  }
  assert.deepEqual(seen, []);
  assert.equal(s.stats().malformed, 50);
  void tb;
});

function fakeEnd(): SessionTransport {
  return {
    sendInput() {},
    onInput: null,
    sendControl() {},
    onControl: null,
    stats: () => ({ rttMs: 0, lossRate: 0, packetsSent: 0, packetsReceived: 0, packetsLost: 0 }),
  };
}

// Arbitrary traffic: well-formed control messages with arbitrary fields, well-formed input
// packets with arbitrary fields, and arbitrary bytes, on either channel.
const uint32 = fc.integer({ min: 0, max: MAX_FRAME });
const controlMsg: fc.Arbitrary<ControlMessage> = fc.oneof(
  fc.record({ kind: fc.constant("quality" as const), frame: uint32, advantage: fc.integer() }),
  fc.record({
    kind: fc.constant("checksum" as const),
    frame: fc.oneof(uint32, fc.integer({ min: 0, max: 3000 })),
    checksum: fc.integer({ min: 0, max: 0xffff_ffff }),
  }),
  fc.record({
    kind: fc.constant("ping" as const),
    t: fc.double({ noNaN: true, noDefaultInfinity: true }),
  }),
  fc.record({ kind: fc.constant("pong" as const), t: fc.integer() }),
  fc.record({
    kind: fc.constant("state" as const),
    frame: fc.integer({ min: 0, max: 3000 }),
    state: fc.uint8Array({ maxLength: 64 }),
  }),
  fc.record({ kind: fc.constant("app" as const), data: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({
    kind: fc.constant("hello" as const),
    version: fc.constant(1 as const),
    name: fc.string({ maxLength: 10 }),
  }),
);
const inputBytes = fc.record({
  start: fc.integer({ min: 0, max: 4000 }),
  back: fc.integer({ min: -1, max: 50 }),
  inputs: fc.uint8Array({ maxLength: 128 }),
  seq: fc.integer({ min: 0, max: 65535 }),
  echo: fc.integer({ min: -1, max: 127 }),
  holdMs: fc.integer({ min: 0, max: 127 }),
  frame: fc.integer({ min: 0, max: 100_000 }),
}).map((p) => encodeInputPacket({ ...p, ack: Math.max(-1, p.start - p.back - 1), frame: p.frame }));
const hostile = fc.oneof(
  fc.tuple(fc.constant("control" as const), controlMsg.map((m) => control(m))),
  fc.tuple(fc.constant("input" as const), inputBytes),
  fc.tuple(fc.constantFrom("input" as const, "control" as const), fc.uint8Array({ maxLength: 40 })),
);

/** Checksums an offline replay of the confirmed-input log gives, frame by frame. */
function replayLog(log: number[][], frames: number): number[] {
  const game = createTestGame();
  const sums: number[] = [];
  for (let f = 0; f < frames; f++) {
    game.advance([log[f][0], log[f][1]]);
    sums.push(game.checksum());
  }
  return sums;
}

Deno.test("property: arbitrary hostile traffic never throws, never stops, never corrupts rollback", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 1500 }), hostile), { maxLength: 300 }),
      fc.integer({ min: 1, max: 1000 }),
      (attacks, seed) => {
        const m = createSimulatedMatch({ seed, delayMs: 25, jitterMs: 5 });
        attacks.sort((x, y) => x[0] - y[0]);
        let next = 0;
        for (let t = 0; t < 1500; t++) {
          while (next < attacks.length && attacks[next][0] === t) {
            const [, [channel, bytes]] = attacks[next++];
            m.inject(0, channel, bytes);
          }
          m.step(); // throws on any failure inside tick()
        }
        assert.equal(m.a.state, "running");
        assert.equal(m.b.state, "running");
        assert.ok(m.a.frame > 1000 && m.b.frame > 1000, `frames ${m.a.frame} ${m.b.frame}`);
        // Whatever inputs A ended up with, its rollback is sound: every confirmed checksum is
        // the one an offline replay of its own confirmed-input log gives; the same for B.
        for (const [side, s] of [[0, m.a], [1, m.b]] as const) {
          const n = s.confirmedFrame + 1;
          const sums = replayLog(m.confirmed[side], n);
          for (let f = 0; f < n; f += 13) {
            assert.equal(s.checksum(f), sums[f], `side ${side} frame ${f}`);
          }
        }
      },
    ),
    { numRuns: 25, seed: 11 },
  );
});
