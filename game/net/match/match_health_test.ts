import assert from "node:assert/strict";
import { createStatsHistory } from "../stats_history.ts";
import {
  createMatchHealth,
  DEFAULT_GIVE_UP_AFTER_MS,
  DEFAULT_GRACE_MS,
  DEFAULT_WAITING_AFTER_MS,
  HANDSHAKE_TIMEOUT_MS,
  INTRO_RETRY_MS,
  type MatchHealthOptions,
  SAMPLE_MS,
} from "./match_health.ts";

const UP = { interrupted: false, waiting: false };

function healthWith(opts: Partial<MatchHealthOptions> = {}) {
  const history = createStatsHistory();
  return { health: createMatchHealth({ history, ...opts }), history };
}

Deno.test("the handshake asks for the intro again every retry period, then gives up", () => {
  const { health } = healthWith();
  health.connected(1000);
  assert.equal(health.introRetry("handshake", 1000 + INTRO_RETRY_MS - 1), null);
  assert.deepEqual(health.introRetry("handshake", 1000 + INTRO_RETRY_MS), {
    type: "handshake-retry",
  });
  // Asked just now: not again until another period has passed.
  assert.equal(health.introRetry("handshake", 1000 + INTRO_RETRY_MS + 10), null);
  assert.equal(health.handshakeLate("handshake", 1000 + HANDSHAKE_TIMEOUT_MS - 1), null);
  assert.deepEqual(health.introRetry("handshake", 1000 + HANDSHAKE_TIMEOUT_MS), {
    type: "handshake-retry",
  });
  assert.deepEqual(health.handshakeLate("handshake", 1000 + HANDSHAKE_TIMEOUT_MS), {
    type: "failed",
    error: "your opponent's game did not answer",
  });
});

Deno.test("a late handshake is judged on the phase it is given, so a retry that got the intro is not failed", () => {
  const { health } = healthWith();
  health.connected(0);
  assert.ok(health.introRetry("handshake", HANDSHAKE_TIMEOUT_MS));
  // The retry's send brought the peer's intro: the match is on, nothing is late.
  assert.equal(health.handshakeLate("playing", HANDSHAKE_TIMEOUT_MS), null);
});

Deno.test("the handshake's answers are shared, not made on every update", () => {
  const { health } = healthWith({ resuming: true });
  health.connected(0);
  const retry = health.introRetry("handshake", INTRO_RETRY_MS);
  assert.equal(health.introRetry("handshake", 2 * INTRO_RETRY_MS), retry);
  assert.ok(Object.isFrozen(retry));
  const late = health.handshakeLate("handshake", HANDSHAKE_TIMEOUT_MS);
  assert.equal(health.handshakeLate("handshake", HANDSHAKE_TIMEOUT_MS + 1), late);
  assert.ok(Object.isFrozen(late));
  assert.ok(Object.isFrozen(health.handshakeLate("playing", HANDSHAKE_TIMEOUT_MS)));
});

Deno.test("nothing is late before the channels opened, or once the handshake is done", () => {
  const { health } = healthWith();
  assert.equal(health.introRetry("connecting", HANDSHAKE_TIMEOUT_MS * 5), null);
  assert.equal(health.handshakeLate("connecting", HANDSHAKE_TIMEOUT_MS * 5), null);
  health.connected(0);
  assert.equal(health.introRetry("playing", HANDSHAKE_TIMEOUT_MS * 5), null);
  assert.equal(health.handshakeLate("playing", HANDSHAKE_TIMEOUT_MS * 5), null);
});

Deno.test("a resuming page gives up on a peer that never hands the match over", () => {
  const { health } = healthWith({ resuming: true });
  health.connected(0);
  assert.equal(health.handshakeLate("playing", HANDSHAKE_TIMEOUT_MS - 1), null);
  assert.deepEqual(health.handshakeLate("playing", HANDSHAKE_TIMEOUT_MS), {
    type: "failed",
    error: "your opponent did not hand the match over",
  });
  assert.equal(health.handshakeLate("closed", HANDSHAKE_TIMEOUT_MS), null);
});

Deno.test("a stall shows waiting, then gives the peer up; advancing clears it", () => {
  const { health } = healthWith();
  assert.equal(health.ticked("stalled", UP, 0), null);
  assert.deepEqual(health.ticked("stalled", UP, DEFAULT_WAITING_AFTER_MS), {
    type: "waiting",
    waiting: true,
  });
  const waiting = { interrupted: false, waiting: true };
  assert.equal(health.ticked("stalled", waiting, DEFAULT_WAITING_AFTER_MS + 1), null);
  assert.deepEqual(health.ticked("advanced", waiting, 1000), { type: "waiting", waiting: false });
  // The stall clock started over with the advance.
  assert.equal(health.ticked("stalled", UP, 1000 + DEFAULT_GIVE_UP_AFTER_MS - 1), null);
  assert.deepEqual(health.ticked("stalled", UP, 1000 + 2 * DEFAULT_GIVE_UP_AFTER_MS), {
    type: "failed",
    error: "your opponent's game stopped responding",
  });
});

Deno.test("every stalled tick is noted in the history, interrupted or not; advances are not", () => {
  const { health, history } = healthWith();
  health.ticked("advanced", UP, 0);
  assert.equal(history.stallsPerSecond(0), 0);
  health.ticked("stalled", UP, 10);
  health.ticked("stalled", { interrupted: true, waiting: false }, 20);
  assert.equal(history.stallsPerSecond(20), 2);
});

Deno.test("a stall while the link is interrupted is never a frozen peer", () => {
  const { health } = healthWith({ giveUpAfterMs: 100, waitingAfterMs: 50 });
  const down = { interrupted: true, waiting: false };
  assert.equal(health.ticked("stalled", down, 0), null);
  assert.equal(health.ticked("stalled", down, 10_000), null);
  // Back up: the stall is counted from now, not from the first stalled tick.
  assert.equal(health.ticked("stalled", UP, 10_001), null);
  assert.deepEqual(health.ticked("stalled", UP, 10_051), { type: "waiting", waiting: true });
});

Deno.test("the grace period counts from the first interruption and ends the pairing", () => {
  const { health } = healthWith();
  assert.equal(health.graceLeft(0), null);
  health.link("interrupted", 1000);
  health.link("interrupted", 5000);
  assert.equal(health.graceLeft(6000), DEFAULT_GRACE_MS - 5000);
  assert.equal(health.graceOver(6000), null);
  assert.deepEqual(health.graceOver(1000 + DEFAULT_GRACE_MS + 1), {
    type: "failed",
    error: `no word from your opponent for ${DEFAULT_GRACE_MS / 1000} s`,
  });
  assert.equal(health.graceLeft(1000 + DEFAULT_GRACE_MS + 1), 0);
  health.link("open", 30_000);
  assert.equal(health.graceLeft(30_000), null);
});

Deno.test("a resume clears both the interruption and the stall", () => {
  const { health } = healthWith({ giveUpAfterMs: 100 });
  health.link("interrupted", 0);
  health.ticked("stalled", UP, 0);
  health.resumed();
  assert.equal(health.graceLeft(50), null);
  assert.equal(health.ticked("stalled", UP, 150), null);
});

Deno.test("samples come at most once a sample period, with the RTT read then", () => {
  const { health, history } = healthWith();
  let reads = 0;
  const read = (into: { rttMs: number }) => {
    reads++;
    into.rttMs = 40 + reads;
  };
  health.sample(0, read);
  health.sample(SAMPLE_MS - 1, read);
  health.sample(SAMPLE_MS, read);
  assert.equal(reads, 2);
  assert.deepEqual(history.samples().map((s) => s.rttMs), [41, 42]);
});

Deno.test("a sample whose RTT cannot be read counts it as 0, not the last one", () => {
  const { health, history } = healthWith();
  health.sample(0, (into) => {
    into.rttMs = 70;
  });
  health.sample(SAMPLE_MS, () => {});
  assert.deepEqual(history.samples().map((s) => s.rttMs), [70, 0]);
});
