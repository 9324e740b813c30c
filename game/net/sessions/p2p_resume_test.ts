import assert from "node:assert/strict";
import fc from "fast-check";
import { lockedPackr } from "../../../shared/msgpack.ts";
import { crc32, encodeRuns } from "../../../shared/replay_format.ts";
import {
  encodeResumeSnapshot,
  RESUME_FORMAT_VERSION,
  RESUME_MAGIC,
} from "../../../shared/resume_format.ts";
import { createManualClock, type ManualClock } from "../clock.ts";
import { createInputTransport, type InputTransport } from "../input_transport.ts";
import { createReliablePair, createSimulatedPair, NO_IMPAIRMENT } from "../network_sim.ts";
import { createTestGame, scriptedInput } from "../test_game.ts";
import {
  createP2PSession,
  type P2PSession,
  type P2PSessionOptions,
  resumeP2PSession,
  type SessionEvent,
} from "./p2p_session.ts";

const TICK_MS = 1000 / 60;

/** A fresh pair of real input transports over the seeded simulator: one peer connection. */
function connect(clock: ManualClock, seed: number, loss: number, delayMs = 30) {
  const [ia, ib] = createSimulatedPair(
    { ...NO_IMPAIRMENT, loss, delayMs, jitterMs: 5, seed },
    clock,
  );
  const [ca, cb] = createReliablePair(clock, delayMs, { loss, seed: seed + 1 });
  return [
    createInputTransport({ input: ia, control: ca, clock }),
    createInputTransport({ input: ib, control: cb, clock }),
  ] as [InputTransport, InputTransport];
}

interface Side {
  session: P2PSession;
  events: SessionEvent[];
  /** Frame -> [input0, input1] as onConfirmed saw them. */
  confirmed: number[][];
  /** Seed of this page's scripted buttons (a reloaded page plays other buttons). */
  script: number;
}

function side(
  make: (onConfirmed: (f: number, i0: number, i1: number) => void) => P2PSession,
  script: number,
): Side {
  const confirmed: number[][] = [];
  const s = make((f, i0, i1) => {
    assert.equal(confirmed.length, f, "onConfirmed: every frame once, in order");
    confirmed.push([i0, i1]);
  });
  const events: SessionEvent[] = [];
  s.onEvent((e) => events.push(e));
  return { session: s, events, confirmed, script };
}

function tick(x: Side, player: 0 | 1) {
  return x.session.tick(scriptedInput(x.script, player, x.session.frame));
}

/** A match between A (player 0) and B (player 1), run until both have confirmed `frame`. */
type Extra = Partial<P2PSessionOptions>;

function startMatch(seed: number, loss: number, extra: Extra = {}) {
  const clock = createManualClock();
  const [ta, tb] = connect(clock, seed, loss);
  const a = side(
    (onConfirmed) =>
      createP2PSession({
        ...extra,
        game: createTestGame(),
        transport: ta,
        localPlayer: 0,
        onConfirmed,
      }),
    seed,
  );
  const b = side(
    (onConfirmed) =>
      createP2PSession({
        ...extra,
        game: createTestGame(),
        transport: tb,
        localPlayer: 1,
        onConfirmed,
      }),
    seed,
  );
  return { clock, a, b, ta };
}

function runUntil(
  clock: ManualClock,
  sides: [Side, Side | null],
  done: () => boolean,
  maxSteps: number,
) {
  for (let i = 0; i < maxSteps && !done(); i++) {
    clock.advance(TICK_MS);
    tick(sides[0], 0);
    if (sides[1]) tick(sides[1], 1);
  }
  assert.ok(done(), "the match got there within the step budget");
}

/** Throws B away and brings a new B page back from A's snapshot over a new connection. */
function reload(
  clock: ManualClock,
  a: Side,
  seed: number,
  loss: number,
  extra: Extra = {},
  survivor: 0 | 1 = 0,
): Side {
  const [ta, tb] = connect(clock, seed, loss);
  const bytes = a.session.resume(survivor === 0 ? ta : tb);
  assert.equal(a.session.stats().skew, 0, "time sync starts over with the new peer");
  let resumed;
  const b = side((onConfirmed) => {
    const r = resumeP2PSession(
      {
        ...extra,
        game: createTestGame(),
        transport: survivor === 0 ? tb : ta,
        localPlayer: survivor === 0 ? 1 : 0,
        onConfirmed,
      },
      bytes,
    );
    assert.ok(r.ok, r.ok ? "" : r.error);
    resumed = r.session;
    return r.session;
  }, seed + 99);
  assert.ok(resumed);
  return b;
}

function assertSameMatch(a: Side, b: Side, upTo: number) {
  const until = Math.min(a.session.confirmedFrame, b.session.confirmedFrame);
  assert.ok(until >= upTo, `both confirmed ${upTo} (got ${until})`);
  for (let f = 0; f <= until; f++) {
    const ca = a.session.checksum(f), cb = b.session.checksum(f);
    assert.ok(ca !== undefined && ca === cb, `checksum of frame ${f}: ${ca} vs ${cb}`);
  }
  assert.deepEqual(b.confirmed.slice(0, until + 1), a.confirmed.slice(0, until + 1));
  for (const x of [a, b]) {
    assert.deepEqual(x.events.filter((e) => e.type === "desync" || e.type === "error"), []);
  }
}

Deno.test("a reloaded side rebuilt from the survivor's snapshot plays on 600 frames in sync", () => {
  const { clock, a, b } = startMatch(7, 0.05);
  const N = 300;
  runUntil(clock, [a, b], () => b.session.confirmedFrame >= N, 2000);
  const frameBefore = a.session.frame;
  const b2 = reload(clock, a, 70, 0.05);
  assert.equal(b2.session.frame, a.session.confirmedFrame + 1, "goes on after the final frame");
  assert.ok(a.session.frame >= frameBefore, "the survivor's frames never go back");
  const checkedBefore = a.session.stats().checksumsChecked;
  runUntil(
    clock,
    [a, b2],
    () => Math.min(a.session.confirmedFrame, b2.session.confirmedFrame) >= N + 600,
    3000,
  );
  assertSameMatch(a, b2, N + 600);
  assert.ok(a.session.stats().checksumsChecked > checkedBefore + 5, "desync checks went on");
  assert.ok(b2.session.stats().checksumsChecked > 5, "the new page compares checksums too");
  assert.ok(a.session.stats().rollbacks > 0, "the new page's other buttons were predicted wrong");
});

Deno.test("a resume while the survivor is stalled at its prediction cap, at 20% loss", () => {
  const { clock, a, b, ta } = startMatch(11, 0.2);
  runUntil(clock, [a, b], () => a.session.frame >= 400, 2000);
  // B's page is gone: A ticks alone until it stalls at the cap.
  const outcomes: string[] = [];
  for (let i = 0; i < 120; i++) {
    clock.advance(TICK_MS);
    outcomes.push(tick(a, 0));
  }
  assert.equal(outcomes.at(-1), "stalled");
  const stalledAt = a.session.frame;
  assert.ok(stalledAt - a.session.confirmedFrame > 8, "A predicted to its cap");
  // The old page had finalized a frame A has not, on inputs the new page will not play: its
  // checksum must be forgotten, or A would see a desync that is none.
  const malformed = a.session.stats().malformed;
  ta.onControl?.({ kind: "checksum", frame: a.session.confirmedFrame + 1, checksum: 0xbad });
  assert.equal(a.session.stats().malformed, malformed, "the old page's checksum was pending");
  const b2 = reload(clock, a, 110, 0.2);
  runUntil(
    clock,
    [a, b2],
    () => Math.min(a.session.confirmedFrame, b2.session.confirmedFrame) >= stalledAt + 600,
    4000,
  );
  assertSameMatch(a, b2, stalledAt + 600);
  assert.ok(a.session.frame > stalledAt, "the survivor went on from where it stalled");
  void b;
});

Deno.test("player 0's page reloads, sparse saving, and the new page picks another input delay", () => {
  const extra = { sparseSaving: true, inputDelay: 1 };
  const { clock, a, b } = startMatch(19, 0.1, extra);
  runUntil(clock, [a, b], () => a.session.confirmedFrame >= 500, 2000);
  const a2 = reload(clock, b, 190, 0.1, { ...extra, inputDelay: 4 }, 1);
  assert.equal(a2.session.inputDelay, 4);
  runUntil(
    clock,
    [a2, b],
    () => Math.min(a2.session.confirmedFrame, b.session.confirmedFrame) >= 1100,
    3000,
  );
  assertSameMatch(b, a2, 1100);
});

Deno.test("a second reload of the same side resumes again", () => {
  const { clock, a, b } = startMatch(13, 0.05);
  runUntil(clock, [a, b], () => b.session.confirmedFrame >= 120, 2000);
  const b2 = reload(clock, a, 130, 0.05);
  runUntil(clock, [a, b2], () => b2.session.confirmedFrame >= 400, 2000);
  const b3 = reload(clock, a, 131, 0.05);
  runUntil(
    clock,
    [a, b3],
    () => Math.min(a.session.confirmedFrame, b3.session.confirmedFrame) >= 1000,
    3000,
  );
  assertSameMatch(a, b3, 1000);
});

Deno.test("a resume before any frame is final starts the new page at frame 0", () => {
  const clock = createManualClock();
  const [ta] = connect(clock, 3, 0);
  const a = side(
    (onConfirmed) =>
      createP2PSession({ game: createTestGame(), transport: ta, localPlayer: 0, onConfirmed }),
    3,
  );
  for (let i = 0; i < 5; i++) tick(a, 0);
  const b = reload(clock, a, 30, 0);
  assert.equal(b.session.frame, 0);
  runUntil(
    clock,
    [a, b],
    () => Math.min(a.session.confirmedFrame, b.session.confirmedFrame) >= 300,
    1000,
  );
  assertSameMatch(a, b, 300);
});

// ---------------------------------------------------------------------------------------------
// Hostile and damaged snapshots.

function survivorSnapshot(): Uint8Array {
  const { clock, a, b } = startMatch(17, 0);
  runUntil(clock, [a, b], () => b.session.confirmedFrame >= 200, 1000);
  return a.session.resume(connect(clock, 18, 0)[0]);
}

function resumeWith(bytes: unknown, localPlayer: 0 | 1 = 1) {
  const clock = createManualClock();
  const [, tb] = connect(clock, 1, 0);
  return resumeP2PSession(
    { game: createTestGame(), transport: tb, localPlayer },
    bytes as Uint8Array,
  );
}

/** A snapshot with a correct crc around any body. */
function forged(body: unknown[]): Uint8Array {
  const packed = lockedPackr.pack(body);
  return lockedPackr.pack([RESUME_MAGIC, RESUME_FORMAT_VERSION, packed, crc32(packed)]);
}

Deno.test("a snapshot that is not one, damaged or foreign is refused with a sentence", () => {
  const good = survivorSnapshot();
  assert.ok(resumeWith(good).ok, "the undamaged one works");
  const cases: [unknown, RegExp][] = [
    [new Uint8Array(0), /damaged/],
    [new Uint8Array([0x94, 1]), /damaged/],
    [lockedPackr.pack(42), /not a duet resume/],
    ["text", /must be bytes/],
    [null, /must be bytes/],
    [lockedPackr.pack(["duet-replay", 1, new Uint8Array(1), 0]), /not a duet resume/],
    [lockedPackr.pack([RESUME_MAGIC, 2, new Uint8Array(1), 0]), /unknown resume snapshot version/],
    [new Uint8Array(8 * 1024 * 1024), /too large/],
    [good.subarray(0, good.length - 3), /damaged/],
  ];
  for (const [bytes, re] of cases) {
    const r = resumeWith(bytes);
    assert.ok(!r.ok && re.test(r.error), `${String(bytes).slice(0, 30)}: ${!r.ok && r.error}`);
  }
  // Every single flipped byte is caught (magic, version, length, body or crc), never a throw.
  for (let i = 0; i < good.length; i++) {
    const bad = good.slice();
    bad[i] ^= 0x41;
    const r = resumeWith(bad);
    assert.ok(!r.ok, `flipped byte ${i} was accepted`);
  }
});

Deno.test("fields out of bounds are refused even under a valid crc", () => {
  const log = new Uint8Array(4); // frames 0..1
  const runs = encodeRuns(log, 2);
  const pending = new Uint8Array(3);
  const cases: [unknown[], RegExp][] = [
    [[2, 1, 5, runs, pending, pending], /survivor/],
    [[0, 1.5, 5, runs, pending, pending], /final frame/],
    [[0, 1e12, 5, runs, pending, pending], /final frame/],
    [[0, -2, 0, runs, pending, pending], /final frame/],
    [[0, 1, -1, runs, pending, pending], /checksum/],
    [[0, 1, 2 ** 32, runs, pending, pending], /checksum/],
    [[0, -1, 7, new Uint8Array(0), pending, pending], /no checksum/],
    [[0, 5, 5, runs, pending, pending], /does not add up/],
    [[0, 1, 5, "runs", pending, pending], /must be bytes/],
    [[0, 1, 5, runs, new Uint8Array(257), pending], /pending inputs/],
    [[0, 1, 5, runs, pending, [1, 2]], /pending inputs/],
    [[0, 1, 5, runs, pending], /wrong fields/],
    [[0, 1, 5, runs, pending, pending, 0], /wrong fields/],
  ];
  for (const [body, re] of cases) {
    const r = resumeWith(forged(body));
    assert.ok(!r.ok && re.test(r.error), `${JSON.stringify(body[1])}: ${!r.ok && r.error}`);
  }
});

Deno.test("a log that does not rebuild the survivor's state, or our own side, is refused", () => {
  // A well-formed snapshot whose inputs were changed: the rebuilt checksum gives it away.
  const log = new Uint8Array(2 * 100).fill(3);
  const tampered = encodeResumeSnapshot({
    survivor: 0,
    final: 99,
    checksum: 12345,
    log,
    survivorInputs: new Uint8Array(2),
    returnerInputs: new Uint8Array(0),
  });
  const r = resumeWith(tampered);
  assert.ok(
    !r.ok && /differs from the survivor's at frame 99/.test(r.error),
    String(!r.ok && r.error),
  );
  const own = resumeWith(survivorSnapshot(), 0);
  assert.ok(!own.ok && /own side/.test(own.error));
  // A game that throws on some input is an error for the page, not a crash.
  const clock = createManualClock();
  const [, tb] = connect(clock, 1, 0);
  const game = createTestGame();
  const thrower = resumeP2PSession({
    game: {
      ...game,
      advance: () => {
        throw new Error("boom");
      },
    },
    transport: tb,
    localPlayer: 1,
  }, survivorSnapshot());
  assert.ok(!thrower.ok && /game failed.*boom/.test(thrower.error));
});

Deno.test("property: arbitrary bytes and mutated snapshots never throw", () => {
  const good = survivorSnapshot();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      assert.equal(resumeWith(bytes).ok, false);
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
      const bad = good.slice();
      bad[i] ^= x;
      assert.equal(resumeWith(bad).ok, false);
    }),
    { numRuns: 300 },
  );
});

Deno.test("resume() on a stopped session is a RangeError; the old transport is let go", () => {
  const clock = createManualClock();
  const [ta] = connect(clock, 5, 0);
  const s = createP2PSession({ game: createTestGame(), transport: ta, localPlayer: 0 });
  const [ta2] = connect(clock, 6, 0);
  s.resume(ta2);
  assert.equal(ta.onInput, null, "the dead link is detached");
  assert.notEqual(ta2.onInput, null, "the new one is attached");
  s.close();
  assert.throws(() => s.resume(connect(clock, 7, 0)[0]), /stopped/);
});
