import assert from "node:assert/strict";
import { createManualClock, type ManualClock } from "../clock.ts";
import { createInputTransport } from "../input_transport.ts";
import type { PacketChannel } from "../packet_channel.ts";
import {
  createReliablePair,
  createSimulatedPair,
  NO_IMPAIRMENT,
  type SimOptions,
} from "../network_sim.ts";
import { createTestGame, scriptedInput, type TestGame } from "../test_game.ts";
import type { MatchSetup } from "./match_game.ts";
import { LIFECYCLE_VERSION } from "./match_lifecycle.ts";
import { encodeControl, encodeInputPacket } from "../../../shared/peer_protocol.ts";
import { decodeReplay } from "../../../shared/replay_format.ts";
import { createReplayPlayer } from "../replay/replay_player.ts";
import { decodeStreamInputs } from "../../../shared/stream_inputs.ts";
import { createSpectatorSession } from "../spectate/spectator_session.ts";
import type { StreamBatch } from "../spectate/stream_batcher.ts";
import {
  createMatchRunner,
  HANDSHAKE_TIMEOUT_MS,
  type MatchEvent,
  type MatchRunner,
  type MatchRunnerOptions,
  seedFromSession,
  TICK_MS,
} from "./match_runner.ts";

/** The test game over a match of `length` frames (0: never over). */
function overAfter(length: number) {
  return (game: TestGame) => length > 0 && game.state[0] >= length;
}

type Runner = MatchRunner<TestGame>;

/** Two runners joined by simulated channels, each playing scripted input. */
function pair(
  sim: SimOptions,
  clock: ManualClock,
  extra: Partial<MatchRunnerOptions<TestGame>> = {},
  perPlayer: (p: 0 | 1) => Partial<MatchRunnerOptions<TestGame>> = () => ({}),
) {
  const [inA, inB] = createSimulatedPair(sim, clock);
  const [ctlA, ctlB] = createReliablePair(clock, sim.delayMs);
  const setups: MatchSetup[][] = [[], []];
  const runners = [0, 1].map((p) =>
    createMatchRunner<TestGame>({
      localPlayer: p as 0 | 1,
      session: "s-1234",
      me: { name: `p${p}`, game: "test", version: "1", options: { side: p } },
      createGame: (setup) => {
        setups[p].push(setup);
        return createTestGame({ seed: setup.seed });
      },
      readInput: (game, player) => scriptedInput(7, player, game.state[0]),
      clock,
      ...extra,
      ...perPlayer(p as 0 | 1),
    })
  ) as [Runner, Runner];
  const transports = [
    createInputTransport({ input: inA, control: ctlA, clock }),
    createInputTransport({ input: inB, control: ctlB, clock }),
  ];
  return { runners, transports, setups, channels: { inA, inB, ctlA, ctlB } };
}

/** Advances the clock in 60 Hz steps, updating both runners, with a little drift between them. */
function play(clock: ManualClock, runners: Runner[], ms: number) {
  const steps = Math.round(ms / TICK_MS);
  for (let i = 0; i < steps; i++) {
    clock.advance(TICK_MS);
    runners[0].update(TICK_MS);
    runners[1].update(i % 97 === 0 ? TICK_MS * 2 : TICK_MS); // a hiccup now and then
  }
}

function compareConfirmed(a: Runner, b: Runner): number {
  const last = Math.min(a.stats().confirmedFrame, b.stats().confirmedFrame);
  let compared = 0;
  for (let f = 0; f <= last; f += 7) {
    const ca = a.checksum(f), cb = b.checksum(f);
    assert.notEqual(ca, undefined, `frame ${f} kept`);
    assert.equal(ca, cb, `frame ${f}`);
    compared++;
  }
  return compared;
}

function record(r: Runner): MatchEvent[] {
  const events: MatchEvent[] = [];
  r.on((e) => events.push(e));
  return events;
}

Deno.test("both sides get the same setup: seed from the session, names and options by player", () => {
  const clock = createManualClock();
  const { runners, transports, setups } = pair({ ...NO_IMPAIRMENT, delayMs: 5 }, clock);
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  play(clock, runners, 200);
  assert.equal(runners[0].phase, "playing");
  assert.equal(runners[1].phase, "playing");
  const [a, b] = [setups[0][0], setups[1][0]];
  assert.equal(a.seed, seedFromSession("s-1234"));
  assert.deepEqual({ ...a, localPlayer: 0 }, { ...b, localPlayer: 0 });
  assert.deepEqual(a.names, ["p0", "p1"]);
  assert.deepEqual(a.options, [{ side: 0 }, { side: 1 }]);
  assert.equal(a.localPlayer, 0);
  assert.equal(b.localPlayer, 1);
  assert.notEqual(seedFromSession("s-1234"), seedFromSession("s-1235"));
});

Deno.test("two runners over a clean link play 20 s with identical confirmed frames", () => {
  const clock = createManualClock();
  const { runners, transports } = pair({ ...NO_IMPAIRMENT, delayMs: 5 }, clock);
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  play(clock, runners, 20_000);
  const s = runners[0].stats();
  assert.ok(s.confirmedFrame > 1100, `confirmed ${s.confirmedFrame}`);
  assert.ok(compareConfirmed(runners[0], runners[1]) > 150);
  assert.equal(s.desyncs, 0);
  assert.equal(s.session, "s-1234");
});

Deno.test("the stats history samples the link's RTT ten times a second", () => {
  const clock = createManualClock();
  const { runners, transports } = pair({ ...NO_IMPAIRMENT, delayMs: 20 }, clock);
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  play(clock, runners, 3000);
  const samples = runners[0].history.samples();
  assert.ok(samples.length >= 25 && samples.length <= 31, `${samples.length} samples`);
  const last = samples[samples.length - 1];
  // 20 ms each way: the transport's smoothed RTT, as its stats say.
  assert.ok(last.rttMs >= 38 && last.rttMs <= 60, `rtt ${last.rttMs}`);
  assert.ok(Math.abs(last.rttMs - transports[0].stats().rttMs) < 5);
});

Deno.test("under 15% loss, 40 ms delay and 10 ms jitter they stay in sync, with rollbacks", () => {
  const clock = createManualClock();
  const sim = { ...NO_IMPAIRMENT, loss: 0.15, delayMs: 40, jitterMs: 10, seed: 7 };
  const { runners, transports } = pair(sim, clock);
  // The answerer's channel opens a little later: the order must not matter.
  runners[1].connect(transports[1]);
  play(clock, runners, 30);
  runners[0].connect(transports[0]);
  play(clock, runners, 20_000);
  assert.ok(compareConfirmed(runners[0], runners[1]) > 100);
  assert.ok(runners[0].stats().rollbacks > 0, "rollbacks happened");
  assert.equal(runners[0].stats().desyncs + runners[1].stats().desyncs, 0);
});

Deno.test("the match ends on a confirmed frame; a rematch needs both; the next match restarts", () => {
  const clock = createManualClock();
  const { runners, transports, setups } = pair(
    { ...NO_IMPAIRMENT, delayMs: 20, loss: 0.05, seed: 3 },
    clock,
    { isOver: overAfter(300) },
  );
  const events = record(runners[1]);
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  play(clock, runners, 6000);
  for (const r of runners) assert.equal(r.phase, "ended");
  const endedAt = runners[0].stats().frame;
  runners[0].rematch();
  play(clock, runners, 300);
  assert.equal(runners[1].phase, "ended");
  assert.match(runners[1].lifecycle.message ?? "", /wants a rematch/);
  assert.ok(events.some((e) => e.type === "rematch-requested" && e.by === "remote"));
  runners[1].rematch();
  play(clock, runners, 500);
  for (const r of runners) {
    assert.equal(r.phase, "playing");
    assert.equal(r.setup?.match, 1);
    assert.equal(r.stats().match, 1);
  }
  // Frames run on through the rematch, and the new match has a new seed on both sides.
  assert.ok(runners[0].stats().frame > endedAt);
  assert.equal(runners[0].setup?.seed, runners[1].setup?.seed);
  assert.notEqual(runners[0].setup?.seed, setups[0][0].seed);
  assert.ok(events.some((e) => e.type === "phase" && e.phase === "rematch"));
  play(clock, runners, 6000);
  for (const r of runners) assert.equal(r.phase, "ended");
  assert.ok(compareConfirmed(runners[0], runners[1]) > 100);

  runners[0].leave();
  play(clock, runners, 100);
  assert.equal(runners[0].phase, "left");
  assert.equal(runners[1].phase, "closed");
  assert.match(runners[1].lifecycle.message ?? "", /left the match/);
  const closed = events.find((e) => e.type === "closed");
  assert.ok(closed && closed.type === "closed" && closed.reason === "peer-left");
});

Deno.test("without both votes nothing restarts, and a game that never ends keeps playing", () => {
  const clock = createManualClock();
  const { runners, transports } = pair({ ...NO_IMPAIRMENT, delayMs: 5 }, clock, {
    isOver: overAfter(120),
  });
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  play(clock, runners, 4000);
  runners[0].rematch();
  play(clock, runners, 2000);
  for (const r of runners) {
    assert.equal(r.phase, "ended");
    assert.equal(r.setup?.match, 0);
  }
  const endless = pair({ ...NO_IMPAIRMENT, delayMs: 5 }, clock);
  endless.runners[0].connect(endless.transports[0]);
  endless.runners[1].connect(endless.transports[1]);
  play(clock, endless.runners, 4000);
  assert.equal(endless.runners[0].phase, "playing");
});

Deno.test("a peer of another game or build is refused as incompatible on both sides", () => {
  const clock = createManualClock();
  const [inA, inB] = createSimulatedPair({ ...NO_IMPAIRMENT, delayMs: 5 }, clock);
  const [ctlA, ctlB] = createReliablePair(clock, 5);
  const make = (p: 0 | 1, version: string) =>
    createMatchRunner<TestGame>({
      localPlayer: p,
      session: "s",
      me: { name: "x", game: "test", version },
      createGame: () => createTestGame(),
      readInput: () => 0,
      clock,
    });
  const runners = [make(0, "1"), make(1, "2")];
  runners[0].connect(createInputTransport({ input: inA, control: ctlA, clock }));
  runners[1].connect(createInputTransport({ input: inB, control: ctlB, clock }));
  play(clock, runners, 200);
  for (const r of runners) {
    assert.equal(r.phase, "closed");
    assert.equal(r.lifecycle.closeReason, "incompatible");
    assert.equal(r.game, null, "no game was started");
  }
});

/** Runs only runner 0 for `ms`, returning the lifecycle messages it showed. */
function runAlone(clock: ManualClock, r: Runner, ms: number): string[] {
  const messages: string[] = [];
  for (let i = 0; i < ms / TICK_MS; i++) {
    clock.advance(TICK_MS);
    r.update(TICK_MS);
    const m = r.lifecycle.message;
    if (m && messages.at(-1) !== m) messages.push(m);
  }
  return messages;
}

Deno.test("a peer that goes silent drops the match with a clear message, not a frozen screen", () => {
  const clock = createManualClock();
  const { runners, transports, channels } = pair({ ...NO_IMPAIRMENT, delayMs: 5 }, clock);
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  play(clock, runners, 2000);
  // The cable is pulled: nothing from player 1 arrives any more.
  channels.inB.dispose();
  channels.ctlB.dispose();
  const messages = runAlone(clock, runners[0], 5000);
  assert.match(messages.join("|"), /reconnecting/);
  assert.equal(runners[0].phase, "closed");
  assert.match(runners[0].lifecycle.message ?? "", /Lost the connection/);
});

Deno.test("a peer whose game stops ticking (frozen tab) is waited for, then given up on", () => {
  const clock = createManualClock();
  const { runners, transports } = pair({ ...NO_IMPAIRMENT, delayMs: 5 }, clock);
  const events = record(runners[0]);
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  play(clock, runners, 2000);
  // Runner 1 is never updated again, but its transport still answers pings.
  const messages = runAlone(clock, runners[0], 10_000);
  assert.ok(messages.includes("Waiting for your opponent…"), messages.join("|"));
  assert.ok(events.some((e) => e.type === "waiting" && e.waiting));
  assert.equal(runners[0].phase, "closed");
  assert.match(runners[0].lifecycle.message ?? "", /stopped responding/);
});

Deno.test("a listener that throws or calls back into the runner does not break the match", () => {
  const clock = createManualClock();
  const { runners, transports } = pair({ ...NO_IMPAIRMENT, delayMs: 5 }, clock, {
    isOver: overAfter(60),
  });
  const seen: string[] = [];
  const originalError = console.error;
  console.error = () => {};
  try {
    runners[0].on(() => {
      throw new Error("a game bug");
    });
    runners[0].on((e) => {
      seen.push(e.type);
      // Re-entering from a listener is allowed: events are delivered after the runner's work.
      if (e.type === "phase" && e.phase === "ended") runners[0].rematch();
    });
    runners[0].connect(transports[0]);
    runners[1].connect(transports[1]);
    play(clock, runners, 3000);
  } finally {
    console.error = originalError;
  }
  assert.ok(seen.includes("phase"));
  assert.ok(runners[0].lifecycle.rematch.local, "the rematch asked from a listener went out");
  assert.match(runners[1].lifecycle.message ?? "", /wants a rematch/);
});

Deno.test("readInput returning junk is sent as a valid input byte", () => {
  const clock = createManualClock();
  const { runners, transports } = pair({ ...NO_IMPAIRMENT, delayMs: 5 }, clock, {
    readInput: (game) => (game.state[0] % 3 === 0 ? NaN : game.state[0] % 3 === 1 ? 1e9 : -1),
  });
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  play(clock, runners, 2000);
  assert.ok(compareConfirmed(runners[0], runners[1]) > 10);
  assert.equal(runners[0].phase, "playing");
});

Deno.test("the pairing's replay, recorded under loss and through a rematch, plays back to the players' checksums", () => {
  const clock = createManualClock();
  const isOver = overAfter(400);
  const { runners, transports } = pair(
    { ...NO_IMPAIRMENT, loss: 0.15, delayMs: 30, jitterMs: 10, seed: 11 },
    clock,
    { isOver },
  );
  assert.equal(runners[0].replay(), null, "nothing to replay before the match starts");
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  play(clock, runners, 9000);
  runners[0].rematch();
  runners[1].rematch();
  play(clock, runners, 3000);
  const bytes = runners[0].replay()!;
  const decoded = decodeReplay(bytes);
  assert.ok(decoded.ok, decoded.ok ? "" : decoded.error);
  const { replay } = decoded;
  assert.equal(replay.game, "test");
  assert.deepEqual(replay.names, ["p0", "p1"]);
  assert.equal(replay.matchStarts.length, 2);
  assert.equal(replay.frames, runners[0].stats().confirmedFrame + 1);
  assert.deepEqual(decodeReplay(runners[1].replay()!).ok && true, true);
  const player = createReplayPlayer({
    replay,
    createGame: (setup) => createTestGame({ seed: setup.seed }),
    isOver,
  });
  player.seek(replay.frames);
  assert.equal(player.mismatch, null);
  for (let f = 0; f < replay.frames; f++) {
    assert.equal(player.checksum(f), runners[0].checksum(f), `frame ${f}`);
  }
  assert.ok(bytes.length < replay.frames, `${bytes.length} bytes for ${replay.frames} frames`);
});

/** A channel that drops everything it is asked to send while `down` is set: a pulled cable. */
function cuttable(inner: PacketChannel) {
  const ch = {
    down: false,
    send(data: Uint8Array) {
      if (!ch.down) inner.send(data);
    },
    get onmessage() {
      return inner.onmessage;
    },
    set onmessage(f: ((data: Uint8Array) => void) | null) {
      inner.onmessage = f;
    },
  };
  return ch;
}

function outagePair(clock: ManualClock, graceMs: number) {
  const [inA, inB] = createSimulatedPair({ ...NO_IMPAIRMENT, delayMs: 20 }, clock);
  const [ctlA, ctlB] = createReliablePair(clock, 20);
  const links = [cuttable(inA), cuttable(inB), cuttable(ctlA), cuttable(ctlB)];
  const runners = [0, 1].map((p) =>
    createMatchRunner<TestGame>({
      localPlayer: p as 0 | 1,
      session: "outage",
      me: { name: `p${p}`, game: "test", version: "1" },
      createGame: (setup) => createTestGame({ seed: setup.seed }),
      readInput: (game, player) => scriptedInput(2, player, game.state[0]),
      graceMs,
      clock,
    })
  ) as [Runner, Runner];
  const t = (i: number, c: number) =>
    createInputTransport({
      input: links[i],
      control: links[c],
      clock,
      disconnectedAfterMs: graceMs,
    });
  runners[0].connect(t(0, 2));
  runners[1].connect(t(1, 3));
  const cut = (down: boolean) => links.forEach((l) => (l.down = down));
  return { runners, cut };
}

Deno.test("a 5 s outage pauses both sides inside the grace period, then the match goes on in sync", () => {
  const clock = createManualClock();
  const { runners, cut } = outagePair(clock, 20_000);
  play(clock, runners, 3000);
  const before = runners[0].stats().frame;
  cut(true);
  const graceSeen: number[] = [];
  for (let t = 0; t < 5000; t += 500) {
    play(clock, runners, 500);
    for (const r of runners) assert.equal(r.phase, "playing", "nobody leaves playing");
    graceSeen.push(runners[0].graceLeft() ?? -1);
  }
  assert.ok(runners[0].lifecycle.interrupted, "the link shows as interrupted");
  assert.ok(runners[0].stats().frame - before < 60, "the match paused instead of running on");
  assert.ok(graceSeen.at(-1)! > 14_000 && graceSeen.at(-1)! < 16_000, `left ${graceSeen}`);
  cut(false);
  play(clock, runners, 5000);
  for (const r of runners) {
    assert.equal(r.phase, "playing");
    assert.equal(r.lifecycle.interrupted, false);
    assert.equal(r.graceLeft(), null);
  }
  assert.ok(runners[0].stats().frame > before + 200, "and goes on");
  assert.ok(compareConfirmed(runners[0], runners[1]) > 50);
  assert.equal(runners[0].stats().desyncs + runners[1].stats().desyncs, 0);
});

Deno.test("an outage longer than the grace period ends the match on both sides with the reason", () => {
  const clock = createManualClock();
  const { runners, cut } = outagePair(clock, 6000);
  play(clock, runners, 2000);
  cut(true);
  play(clock, runners, 5000);
  for (const r of runners) assert.equal(r.phase, "playing");
  play(clock, runners, 2000);
  for (const r of runners) {
    assert.equal(r.phase, "closed");
    assert.match(r.lifecycle.message ?? "", /Lost the connection/);
  }
});

Deno.test("a peer that floods inputs beyond the window does not stop the session", () => {
  const clock = createManualClock();
  const [inA, inB] = createReliablePair(clock, 5);
  const [ctlA, ctlB] = createReliablePair(clock, 5);
  const runner = createMatchRunner<TestGame>({
    localPlayer: 0,
    session: "flood",
    me: { name: "me", game: "test", version: "1" },
    createGame: () => createTestGame(),
    readInput: () => 0,
    clock,
  });
  const problems: string[] = [];
  runner.on((e) => e.type === "problem" && problems.push(e.message));
  runner.connect(createInputTransport({ input: inA, control: ctlA, clock }));
  ctlB.send(encodeControl({
    kind: "app",
    data: { t: "intro", v: LIFECYCLE_VERSION, name: "x", game: "test", version: "1" },
  }));
  runAlone(clock, runner, 100);
  assert.equal(runner.phase, "playing");
  // A buggy peer runs 400 frames ahead: what the session cannot hold is held back (not acked,
  // not an error), so the session keeps running instead of stopping the match.
  for (let seq = 0; seq * 32 < 400; seq++) {
    inB.send(encodeInputPacket({ start: seq * 32, ack: -1, inputs: new Uint8Array(32), seq }));
  }
  runAlone(clock, runner, 1000);
  assert.doesNotMatch(problems.join("|"), /Session stopped/);
  assert.equal(runner.session?.state, "running");
  assert.notEqual(runner.phase, "closed");
});

Deno.test("a 15 s outage inside a 20 s grace period is waited out (the ack timeout waits too)", () => {
  const clock = createManualClock();
  const { runners, cut } = outagePair(clock, 20_000);
  play(clock, runners, 2000);
  cut(true);
  play(clock, runners, 15_000);
  for (const r of runners) assert.equal(r.phase, "playing");
  cut(false);
  play(clock, runners, 3000);
  for (const r of runners) {
    assert.equal(r.phase, "playing");
    assert.equal(r.lifecycle.interrupted, false);
  }
  assert.ok(compareConfirmed(runners[0], runners[1]) > 40);
});

Deno.test("a game whose createGame throws ends the pairing on both sides instead of hanging", () => {
  const clock = createManualClock();
  const { runners, transports } = pair({ ...NO_IMPAIRMENT, delayMs: 5 }, clock, {
    // A game that cannot handle the peer's options (player 1 sends {side: 1}).
    createGame: (setup) => {
      if ((setup.options[1] as { side: number }).side === 1) throw new Error("bad colour");
      return createTestGame();
    },
  });
  const events = record(runners[0]);
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  play(clock, runners, 3000);
  for (const r of runners) {
    assert.equal(r.phase, "closed");
    assert.equal(r.game, null);
  }
  assert.match(runners[0].lifecycle.message ?? "", /could not start: bad colour/);
  assert.ok(events.some((e) => e.type === "problem"));
});

Deno.test("options that a replay cannot hold are refused: ours at once, the peer's as incompatible", () => {
  const clock = createManualClock();
  assert.throws(
    () =>
      createMatchRunner<TestGame>({
        localPlayer: 0,
        session: "s",
        me: { name: "a", options: { pad: "x".repeat(5000) } },
        createGame: () => createTestGame(),
        readInput: () => 0,
        clock,
      }),
    /at most 4 KiB/,
  );
  assert.throws(
    () =>
      createMatchRunner<TestGame>({
        localPlayer: 0,
        session: "s",
        me: { name: "a", game: "g".repeat(65) },
        createGame: () => createTestGame(),
        readInput: () => 0,
        clock,
      }),
    /at most 64/,
  );
  const [inA, inB] = createSimulatedPair({ ...NO_IMPAIRMENT, delayMs: 5 }, clock);
  const [ctlA, ctlB] = createReliablePair(clock, 5);
  const runner = createMatchRunner<TestGame>({
    localPlayer: 0,
    session: "s",
    me: { name: "a", game: "test", version: "1" },
    createGame: () => createTestGame(),
    readInput: () => 0,
    clock,
  });
  runner.connect(createInputTransport({ input: inA, control: ctlA, clock }));
  void inB;
  ctlB.send(encodeControl({
    kind: "app",
    data: {
      t: "intro",
      v: LIFECYCLE_VERSION,
      name: "x",
      game: "test",
      version: "1",
      options: { pad: "y".repeat(6000) },
    },
  }));
  runAlone(clock, runner, 200);
  assert.equal(runner.phase, "closed");
  assert.match(runner.lifecycle.message ?? "", /options too large/);
});

Deno.test("an intro lost before the peer listened is asked for again, and the match starts on both sides", () => {
  const clock = createManualClock();
  const [inA, inB] = createSimulatedPair({ ...NO_IMPAIRMENT, delayMs: 5 }, clock);
  const [ctlA, ctlB] = createReliablePair(clock, 5);
  const make = (p: 0 | 1) =>
    createMatchRunner<TestGame>({
      localPlayer: p,
      session: "s",
      me: { name: `p${p}`, game: "test", version: "1" },
      createGame: (setup) => createTestGame({ seed: setup.seed }),
      readInput: (game, player) => scriptedInput(3, player, game.state[0]),
      clock,
    });
  const [a, b] = [make(0), make(1)];
  // Player 0's channels open first and its intro goes out while nobody on the other side
  // listens yet: it is gone.
  a.connect(createInputTransport({ input: inA, control: ctlA, clock }));
  playOne(clock, a, 100);
  b.connect(createInputTransport({ input: inB, control: ctlB, clock }));
  play(clock, [a, b], 500);
  assert.equal(a.phase, "playing"); // it heard player 1
  assert.equal(b.phase, "handshake"); // but player 1 has not heard it
  play(clock, [a, b], 3000);
  assert.equal(b.phase, "playing");
  assert.deepEqual(a.setup?.names, ["p0", "p1"]);
  assert.deepEqual(b.setup?.names, ["p0", "p1"]);
  assert.ok(compareConfirmed(a, b) > 10);
});

/** A runner and its transport to a peer that sends nothing; the link stays up for the test. */
function withSilentPeer(clock: ManualClock) {
  const [inA] = createSimulatedPair({ ...NO_IMPAIRMENT, delayMs: 5 }, clock);
  const [ctlA] = createReliablePair(clock, 5);
  const runner = createMatchRunner<TestGame>({
    localPlayer: 0,
    session: "s",
    me: { name: "a", game: "test", version: "1" },
    createGame: () => createTestGame(),
    readInput: () => 0,
    clock,
  });
  const transport = createInputTransport({
    input: inA,
    control: ctlA,
    clock,
    disconnectedAfterMs: 60_000,
  });
  return { runner, transport };
}

Deno.test("a peer that opens the channels but never introduces itself is given up on", () => {
  const clock = createManualClock();
  const { runner, transport } = withSilentPeer(clock);
  runner.connect(transport);
  runAlone(clock, runner, 9000);
  assert.equal(runner.phase, "handshake");
  runAlone(clock, runner, 2000);
  assert.equal(runner.phase, "closed");
  assert.match(runner.lifecycle.message ?? "", /did not answer/);
});

Deno.test("a retry whose own send brings the peer's intro at the timeout starts the match, not fails it", () => {
  const clock = createManualClock();
  const { runner, transport: t } = withSilentPeer(clock);
  // The peer answers our retry at once, inside the send (a transport that delivers synchronously).
  const send = t.sendControl.bind(t);
  t.sendControl = (m) => {
    send(m);
    const data = m.kind === "app" ? m.data as { again?: boolean } : null;
    if (!data?.again) return;
    t.onControl?.({
      kind: "app",
      data: { t: "intro", v: LIFECYCLE_VERSION, name: "b", game: "test", version: "1" },
    });
  };
  runner.connect(t);
  // The first update comes when the handshake is already late: the retry is due in the same one.
  clock.advance(HANDSHAKE_TIMEOUT_MS);
  runner.update(TICK_MS);
  assert.equal(runner.phase, "playing", runner.lifecycle.message ?? "");
  assert.ok(runner.session);
});

Deno.test("the peer's intro name is cleaned before anyone shows it", () => {
  const clock = createManualClock();
  const { runners, transports } = pair({ ...NO_IMPAIRMENT, delayMs: 5 }, clock);
  void runners;
  const ugly = createMatchRunner<TestGame>({
    localPlayer: 1,
    session: "s-1234",
    me: { name: "\u200b\u200b", game: "test", version: "1", options: { side: 1 } },
    createGame: (setup) => createTestGame({ seed: setup.seed }),
    readInput: () => 0,
    clock,
  });
  runners[0].connect(transports[0]);
  ugly.connect(transports[1]);
  for (let i = 0; i < 30; i++) {
    clock.advance(TICK_MS);
    runners[0].update(TICK_MS);
    ugly.update(TICK_MS);
  }
  assert.deepEqual(runners[0].setup?.names, ["p0", "Player 2"]);
});

/** Advances the clock in 60 Hz steps, updating one runner. */
function playOne(clock: ManualClock, runner: Runner, ms: number) {
  for (let i = 0; i < Math.round(ms / TICK_MS); i++) {
    clock.advance(TICK_MS);
    runner.update(TICK_MS);
  }
}

/** A fresh transport pair on new channels (the peer's page came back on a new connection). */
function freshLink(clock: ManualClock, delayMs: number) {
  const [inA, inB] = createSimulatedPair({ ...NO_IMPAIRMENT, delayMs }, clock);
  const [ctlA, ctlB] = createReliablePair(clock, delayMs);
  return [
    createInputTransport({ input: inA, control: ctlA, clock }),
    createInputTransport({ input: inB, control: ctlB, clock }),
  ] as const;
}

function returner(clock: ManualClock, extra: Partial<MatchRunnerOptions<TestGame>> = {}) {
  return createMatchRunner<TestGame>({
    localPlayer: 1,
    session: "s-1234",
    me: { name: "p1", game: "test", version: "1", options: { side: 1 } },
    createGame: (setup) => createTestGame({ seed: setup.seed }),
    readInput: (game, player) => scriptedInput(7, player, game.state[0]),
    clock,
    resuming: true,
    ...extra,
  });
}

Deno.test("a reloaded side resumes: the survivor hands the match over a new link, frames go on in sync", () => {
  const clock = createManualClock();
  const held = { seat: true };
  const { runners, transports } = pair({ ...NO_IMPAIRMENT, delayMs: 10 }, clock, {
    keepSeat: () => held.seat,
  });
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  play(clock, runners, 3000);
  const survivor = runners[0];
  const phases = record(survivor);
  const before = survivor.stats().confirmedFrame;
  assert.ok(before > 100);
  // The other page reloads: its link closes without a bye (the browser drops it), as the
  // DataChannel's close reaches the transport; the survivor waits, as the seat is held.
  transports[0].onState?.("closed");
  playOne(clock, survivor, 1000);
  assert.equal(survivor.phase, "playing");
  assert.ok(survivor.graceLeft()! > 0, "the grace countdown runs");
  const back = returner(clock);
  const [s, r] = freshLink(clock, 10);
  back.connect(r);
  assert.equal(survivor.reconnect(s), true);
  play(clock, [survivor, back], 3000);
  assert.equal(back.phase, "playing");
  assert.ok(back.session, "rebuilt from the snapshot");
  assert.equal(back.stats().session, "s-1234");
  assert.ok(back.stats().confirmedFrame > before + 120, "frames continue past the reload");
  assert.equal(survivor.graceLeft(), null);
  assert.ok(compareConfirmed(survivor, back) > 20);
  assert.ok(!phases.some((e) => e.type === "phase"), "the survivor never left playing");
});

Deno.test("without a held seat a link that closes is the peer leaving", () => {
  const clock = createManualClock();
  const { runners, transports } = pair({ ...NO_IMPAIRMENT, delayMs: 10 }, clock, {
    keepSeat: () => false,
  });
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  play(clock, runners, 1000);
  transports[0].onState?.("closed");
  playOne(clock, runners[0], 500);
  assert.equal(runners[0].phase, "closed");
});

Deno.test("a held seat that nobody takes back ends after the grace period with a reason", () => {
  const clock = createManualClock();
  const { runners, transports } = pair({ ...NO_IMPAIRMENT, delayMs: 10 }, clock, {
    keepSeat: () => true,
    graceMs: 2000,
  });
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  play(clock, runners, 1000);
  transports[0].onState?.("closed");
  playOne(clock, runners[0], 1500);
  assert.equal(runners[0].phase, "playing");
  playOne(clock, runners[0], 1000);
  assert.equal(runners[0].phase, "closed");
  assert.match(runners[0].lifecycle.message ?? "", /no word from your opponent/);
});

Deno.test("a damaged or missing hand-over is a clear failure on the returning side, not a freeze", () => {
  const clock = createManualClock();
  // Damaged: a piece out of order.
  const back = returner(clock);
  const [s, r] = freshLink(clock, 5);
  back.connect(r);
  s.sendControl({
    kind: "app",
    data: {
      t: "intro",
      v: LIFECYCLE_VERSION,
      name: "p0",
      game: "test",
      version: "1",
      options: { side: 0 },
    },
  });
  s.sendControl({ kind: "resume", index: 1, count: 2, data: new Uint8Array(4) });
  playOne(clock, back, 200);
  assert.equal(back.phase, "closed");
  assert.match(back.lifecycle.message ?? "", /damaged: resume: piece 1 before piece 0/);
  // Whole but not a snapshot.
  const back2 = returner(clock);
  const [s2, r2] = freshLink(clock, 5);
  back2.connect(r2);
  s2.sendControl({
    kind: "app",
    data: {
      t: "intro",
      v: LIFECYCLE_VERSION,
      name: "p0",
      game: "test",
      version: "1",
      options: { side: 0 },
    },
  });
  s2.sendControl({ kind: "resume", index: 0, count: 1, data: new Uint8Array([1, 2, 3]) });
  playOne(clock, back2, 200);
  assert.equal(back2.phase, "closed");
  assert.match(back2.lifecycle.message ?? "", /could not resume the match/);
  // Nothing at all: given up after the handshake timeout.
  const back3 = returner(clock);
  const [s3, r3] = freshLink(clock, 5);
  back3.connect(r3);
  s3.sendControl({
    kind: "app",
    data: {
      t: "intro",
      v: LIFECYCLE_VERSION,
      name: "p0",
      game: "test",
      version: "1",
      options: { side: 0 },
    },
  });
  playOne(clock, back3, 11_000);
  assert.equal(back3.phase, "closed");
  assert.match(back3.lifecycle.message ?? "", /did not hand the match over/);
});

Deno.test("reconnect without a running session refuses and closes the new link", () => {
  const clock = createManualClock();
  const { runners } = pair({ ...NO_IMPAIRMENT, delayMs: 10 }, clock);
  const [s] = freshLink(clock, 5);
  assert.equal(runners[0].reconnect(s), false);
  assert.equal(s.state, "closed");
});

Deno.test("after minutes of play the snapshot goes over in several pieces and the match resumes", () => {
  const clock = createManualClock();
  // Input that changes every frame: the log's run encoding cannot shrink it.
  const readInput = (game: TestGame, player: 0 | 1) =>
    (Math.imul(game.state[0] + player * 7919, 2654435761) >>> 24) & 0xff;
  const { runners, transports } = pair({ ...NO_IMPAIRMENT, delayMs: 10 }, clock, {
    keepSeat: () => true,
    readInput,
  });
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  play(clock, runners, 5 * 60_000);
  const survivor = runners[0];
  transports[0].onState?.("closed");
  playOne(clock, survivor, 500);
  const back = returner(clock, { readInput });
  const [s, r] = freshLink(clock, 10);
  let pieces = 0;
  const send = s.sendControl.bind(s);
  s.sendControl = (m) => {
    if (m.kind === "resume") pieces = m.count;
    send(m);
  };
  back.connect(r);
  assert.equal(survivor.reconnect(s), true);
  play(clock, [survivor, back], 2000);
  assert.ok(pieces > 1, `${pieces} piece(s)`);
  assert.ok(back.session);
  assert.ok(back.stats().confirmedFrame > 5 * 3600);
  assert.ok(compareConfirmed(survivor, back) > 100);
});

Deno.test("the offerer streams every confirmed frame in batches; a spectator replays them to the players' checksums", () => {
  const clock = createManualClock();
  const isOver = overAfter(400);
  const batches: StreamBatch[] = [];
  let ended = 0;
  const { runners, transports } = pair(
    { ...NO_IMPAIRMENT, loss: 0.15, delayMs: 30, jitterMs: 10, seed: 5 },
    clock,
    { isOver },
    (p) =>
      p === 0
        ? {
          stream: (b) => {
            batches.push(JSON.parse(JSON.stringify(b)));
          },
          streamEnd: () => ended++,
        }
        : {},
  );
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  const spectator = (upTo: number) => {
    const s = createSpectatorSession({
      header: batches[0].header!,
      createGame: (setup) => createTestGame({ seed: setup.seed }),
      isOver,
    });
    for (const b of batches.slice(0, upTo)) {
      assert.ok(s.push(b.from, decodeStreamInputs(b.inputs)!));
    }
    return s;
  };
  // Never a frame whose local input the peer has not acknowledged (a reload could replay it).
  for (let t = 0; t < 3000; t += 50) {
    play(clock, runners, 50);
    const streamed = batches.reduce((n, b) => n + b.inputs.length / 4, 0);
    assert.ok(streamed <= transports[0].stats().ackedLocalFrame + 1, `${streamed} streamed`);
  }
  assert.ok(batches.length > 10, `${batches.length} batches`);
  assert.deepEqual(batches[0].header, {
    game: "test",
    version: "1",
    seed: seedFromSession("s-1234"),
    names: ["p0", "p1"],
    options: [{ side: 0 }, { side: 1 }],
  });
  assert.ok(batches.slice(1).every((b) => b.header === undefined));
  // A late spectator: everything so far at once.
  const late = spectator(batches.length);
  while (late.frame < late.received - 10) late.update(1000);
  assert.ok(late.frame > 100);
  assert.equal(late.checksum(late.frame - 1), runners[0].checksum(late.frame - 1));
  play(clock, runners, 6000);
  runners[0].rematch();
  runners[1].rematch();
  play(clock, runners, 3000);
  runners[0].leave();
  assert.equal(ended, 1, "stream-end once the pairing closes");
  const frames = batches.reduce((n, b) => n + b.inputs.length / 4, 0);
  assert.equal(
    frames,
    runners[0].recorder!.frames,
    "every confirmed frame, the rest flushed on close",
  );
  for (let i = 1; i < batches.length; i++) {
    assert.equal(batches[i].from, batches[i - 1].from + batches[i - 1].inputs.length / 4);
  }
  const s = spectator(batches.length);
  s.end("match-over");
  for (let i = 0; i < 200 && s.frame < s.received; i++) s.update(1000);
  assert.equal(s.frame, frames);
  let compared = 0;
  for (let f = 0; f < frames; f += 13) {
    assert.equal(s.checksum(f), runners[0].checksum(f), `frame ${f}`);
    compared++;
  }
  assert.ok(compared > 50);
});

Deno.test("a stream sink that throws costs the spectators, not the match", () => {
  const clock = createManualClock();
  let calls = 0;
  const { runners, transports } = pair(
    { ...NO_IMPAIRMENT, delayMs: 5 },
    clock,
    {},
    (p) =>
      p === 0
        ? {
          stream: () => {
            calls++;
            throw new Error("socket closed");
          },
        }
        : {},
  );
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  const quiet = console.error;
  console.error = () => {};
  try {
    play(clock, runners, 3000);
  } finally {
    console.error = quiet;
  }
  assert.equal(calls, 1, "tried once, then the stream is dropped");
  assert.ok(runners[0].stats().confirmedFrame > 100);
  assert.equal(runners[0].phase, "playing");
});

/** The lobby's side of a stream (signal/room_stream.ts): takes what follows on, cuts repeats. */
function lobbyStream() {
  const s = { inputs: "", frames: 0, gaps: 0, header: undefined as StreamBatch["header"] };
  return {
    s,
    take(b: StreamBatch) {
      if (b.from === 0 && b.header) s.header ??= b.header;
      if (b.from > s.frames) return void s.gaps++;
      const cut = b.inputs.slice((s.frames - b.from) * 4);
      s.inputs += cut;
      s.frames += cut.length / 4;
    },
  };
}

/** A spectator that plays `inputs` from frame 0 to its end; checked against `player`. */
function replaysTo(
  header: NonNullable<StreamBatch["header"]>,
  inputs: string,
  player: Runner,
): number {
  const s = createSpectatorSession({
    header,
    createGame: (setup) => createTestGame({ seed: setup.seed }),
  });
  assert.ok(s.push(0, decodeStreamInputs(inputs)!));
  s.end("match-over");
  for (let i = 0; i < 400 && s.frame < s.received; i++) s.update(1000);
  let compared = 0;
  for (let f = 0; f < s.frame; f += 11) {
    assert.equal(s.checksum(f), player.checksum(f), `frame ${f}`);
    compared++;
  }
  return compared;
}

Deno.test("the streaming side reloads: the page that took the seat back streams on from the lobby's frame", () => {
  const clock = createManualClock();
  const lobby = lobbyStream();
  const { runners, transports } = pair(
    { ...NO_IMPAIRMENT, delayMs: 10 },
    clock,
    { keepSeat: () => true, stream: (b) => lobby.take(b) },
    (p) => ({ streamOnStart: p === 0 }),
  );
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  play(clock, runners, 3000);
  const atReload = lobby.s.frames;
  assert.ok(atReload > 100, `${atReload} frames streamed`);
  // The streamer (player 0) reloads; the survivor is player 1, and streams nothing by itself.
  const survivor = runners[1];
  transports[1].onState?.("closed");
  playOne(clock, survivor, 1000);
  assert.equal(lobby.s.frames, atReload, "nobody streams while the seat is away");
  const back = createMatchRunner<TestGame>({
    localPlayer: 0,
    session: "s-1234",
    me: { name: "p0", game: "test", version: "1", options: { side: 0 } },
    createGame: (setup) => createTestGame({ seed: setup.seed }),
    readInput: (game, player) => scriptedInput(7, player, game.state[0]),
    clock,
    resuming: true,
    stream: (b) => lobby.take(b),
    streamOnStart: false,
  });
  // The lobby's stream-from comes with the pairing, before the match is rebuilt.
  back.streamFrom(lobby.s.frames);
  const [r, s] = freshLink(clock, 10);
  back.connect(r);
  assert.equal(survivor.reconnect(s), true);
  play(clock, [back, survivor], 4000);
  assert.equal(back.phase, "playing");
  assert.equal(lobby.s.gaps, 0, "no batch past the lobby's frame");
  assert.ok(lobby.s.frames > atReload + 180, `stream went on to ${lobby.s.frames}`);
  assert.ok(back.stats().confirmedFrame - lobby.s.frames < 30, "and keeps up");
  assert.ok(replaysTo(lobby.s.header!, lobby.s.inputs, survivor) > 30);
});

Deno.test("batches lost with the streamer's lobby connection are sent again from stream-from", () => {
  const clock = createManualClock();
  const lobby = lobbyStream();
  const socket = { up: true };
  const { runners, transports } = pair(
    { ...NO_IMPAIRMENT, delayMs: 10 },
    clock,
    {},
    (p) => p === 0 ? { stream: (b) => void (socket.up && lobby.take(b)) } : {},
  );
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  play(clock, runners, 2000);
  socket.up = false;
  play(clock, runners, 5000);
  socket.up = true;
  play(clock, runners, 500);
  assert.ok(lobby.s.gaps > 0, "the batches after the drop do not follow on");
  const gaps = lobby.s.gaps;
  runners[0].streamFrom(lobby.s.frames);
  play(clock, runners, 8000);
  assert.equal(lobby.s.gaps, gaps, "no gap after the resend");
  assert.ok(runners[0].stats().confirmedFrame - lobby.s.frames < 30, "caught up");
  assert.ok(replaysTo(lobby.s.header!, lobby.s.inputs, runners[1]) > 50);
});

Deno.test("a side without a sink, or told nonsense, streams nothing", () => {
  const clock = createManualClock();
  const lobby = lobbyStream();
  const { runners, transports } = pair(
    { ...NO_IMPAIRMENT, delayMs: 5 },
    clock,
    {},
    (p) => p === 1 ? { stream: (b) => lobby.take(b), streamOnStart: false } : {},
  );
  runners[0].connect(transports[0]);
  runners[1].connect(transports[1]);
  runners[0].streamFrom(0);
  runners[1].streamFrom(-1);
  runners[1].streamFrom(Number.NaN);
  play(clock, runners, 1000);
  assert.equal(lobby.s.frames, 0);
  runners[1].streamFrom(0);
  play(clock, runners, 1000);
  assert.ok(lobby.s.frames > 40, "the answerer streams once asked");
});
