import assert from "node:assert/strict";
import type { SessionTransport } from "../sessions/p2p_session.ts";
import { createTestGame, type TestGame } from "../test_game.ts";
import { type MatchGame, REMATCH_INPUT } from "./match_game.ts";
import { type Intro, LIFECYCLE_VERSION } from "./match_lifecycle.ts";
import {
  createMatchPlay,
  type MatchPlayOptions,
  newMatchConfirmed,
  overConfirmed,
  seedFromSession,
} from "./match_play.ts";

const intro: Intro = {
  t: "intro",
  v: LIFECYCLE_VERSION,
  name: "A",
  game: "g",
  version: "3",
  options: null,
};

/** A transport that keeps the inputs sent and hears nothing from the peer. */
function silentTransport() {
  const sent: [number, number][] = [];
  const transport: SessionTransport = {
    sendInput: (f, i) => void sent.push([f, i]),
    onInput: null,
    sendControl: () => {},
    onControl: null,
    stats: () => ({ rttMs: 0, lossRate: 0, packetsSent: 0, packetsReceived: 0, packetsLost: 0 }),
  };
  return { transport, sent };
}

function playWith(
  opts: Partial<MatchPlayOptions<TestGame>> = {},
  { transport, sent } = silentTransport(),
) {
  const play = createMatchPlay<TestGame>({
    session: "s-1",
    localPlayer: 0,
    createGame: (setup) => createTestGame({ seed: setup.seed }),
    readInput: () => 3,
    inputDelay: 0,
    maxPrediction: 4,
    ...opts,
  }, { intro, agreement: { names: ["A", "B"], options: [1, 2] }, transport });
  return { play, sent };
}

Deno.test("the seed is FNV-1a of the session id, as a signed 32-bit number", () => {
  assert.equal(seedFromSession(""), 0x811c9dc5 | 0);
  assert.equal(seedFromSession("a"), 0xe40c292c | 0);
  assert.notEqual(seedFromSession("s-1"), seedFromSession("s-2"));
});

Deno.test("the game and the log start from the agreement and the session's seed", () => {
  const { play } = playWith();
  assert.deepEqual(play.game.setup, {
    seed: seedFromSession("s-1"),
    localPlayer: 0,
    names: ["A", "B"],
    match: 0,
    options: [1, 2],
  });
  assert.deepEqual(play.streamHeader(), {
    game: "g",
    version: "3",
    seed: seedFromSession("s-1"),
    names: ["A", "B"],
    options: [1, 2],
  });
  assert.equal(play.recorder.frames, 0);
  assert.equal(play.session, null);
});

Deno.test("a game that cannot be created throws out of createMatchPlay", () => {
  assert.throws(
    () =>
      playWith({
        createGame: () => {
          throw new Error("bad options");
        },
      }),
    /bad options/,
  );
});

Deno.test("without a session a tick does nothing and reads no input", () => {
  let reads = 0;
  const { play } = playWith({ readInput: () => reads++ });
  assert.equal(play.tick(false), "stopped");
  assert.equal(reads, 0);
  assert.equal(play.lastOutcome, "idle");
});

Deno.test("the local input is sent as a byte; anything not an integer is 0", () => {
  const inputs = [0x1ff, 2.5, 7];
  const { play, sent } = playWith({ readInput: () => inputs.shift()! });
  play.begin();
  for (let i = 0; i < 3; i++) play.tick(false);
  assert.deepEqual(sent.map(([, i]) => i).slice(0, 3), [0xff, 0, 7]);
});

Deno.test("previous is the game before the newest advance, and null after a stall", () => {
  const { play } = playWith({ maxPrediction: 2 });
  play.begin();
  assert.equal(play.tick(false), "advanced");
  assert.equal((play.previous as Int32Array)[0], 0, "the state of frame 0");
  assert.equal(play.tick(false), "advanced");
  assert.equal((play.previous as Int32Array)[0], 1);
  // No input from the peer: two predicted frames are the most it may run ahead.
  assert.equal(play.tick(false), "stalled");
  assert.equal(play.lastOutcome, "stalled");
  assert.equal(play.previous, null);
});

Deno.test("once a match is over the input is the rematch vote, not the player's", () => {
  let reads = 0;
  const { play, sent } = playWith({
    isOver: (g) => g.state[0] >= 1,
    readInput: () => (reads++, 9),
  });
  play.begin();
  play.tick(false); // frame 0: played, and the match is over after it
  play.tick(false);
  play.tick(true);
  assert.deepEqual(sent.map(([, i]) => i).slice(0, 3), [9, 0, REMATCH_INPUT]);
  assert.equal(reads, 1);
});

Deno.test("confirmed frames go into the log with the session's checksum", () => {
  const silent = silentTransport();
  const { play } = playWith({}, silent);
  const transport = silent.transport;
  const session = play.begin();
  transport.onInput!(0, 4);
  transport.onInput!(1, 4);
  play.tick(false);
  play.tick(false);
  assert.equal(session.confirmedFrame, 1);
  assert.equal(play.recorder.frames, 2);
  const sum = session.checksum(0)! >>> 0;
  assert.notEqual(sum, 0, "a real checksum, not the fallback");
  assert.equal(play.recorder.replay().checksums[0], sum);
});

Deno.test("a rematch goes into the log as a match start once its first frame is confirmed", () => {
  const silent = silentTransport();
  const { play } = playWith({ isOver: (g) => g.state[0] >= 1 }, silent);
  const transport = silent.transport;
  play.begin();
  play.noteRestart(); // the first match: nothing to note
  assert.deepEqual(play.recorder.replay().matchStarts, [0]);
  // Frame 0 ends the match; frame 1 is neutral on both sides; on frame 2 both vote.
  transport.onInput!(0, 4);
  transport.onInput!(1, 0);
  transport.onInput!(2, REMATCH_INPUT);
  play.tick(false);
  play.tick(false);
  play.tick(true);
  assert.equal(play.game.match, 1, "the rematch started");
  const start = play.game.startFrame;
  assert.ok(start > 0);
  assert.ok(play.session!.confirmedFrame + 1 >= start, "its first frame is confirmed");
  play.noteRestart();
  play.noteRestart(); // noted once, however often asked
  assert.deepEqual(play.recorder.replay().matchStarts, [0, start]);
});

/** The part of a wrapped game the confirmation checks read. */
function gameAt(match: number, startFrame: number, overFrame = -1) {
  return { match, startFrame, overFrame } as MatchGame<TestGame>;
}

Deno.test("a new match counts once its first frame is confirmed", () => {
  assert.equal(newMatchConfirmed(gameAt(1, 100), 99, { match: 0 }), false);
  assert.equal(newMatchConfirmed(gameAt(1, 100), 100, { match: 0 }), true);
  assert.equal(newMatchConfirmed(gameAt(1, 100), 500, { match: 1 }), false, "already known");
});

Deno.test("the end of a match counts once confirmed, and only while it is played", () => {
  const playing = { match: 0, phase: "playing" as const };
  assert.equal(overConfirmed(gameAt(0, 0), 1000, playing), false, "not over");
  assert.equal(overConfirmed(gameAt(0, 0, 50), 49, playing), false, "not confirmed yet");
  assert.equal(overConfirmed(gameAt(0, 0, 50), 50, playing), true);
  assert.equal(overConfirmed(gameAt(0, 0, 50), 50, { match: 0, phase: "ended" }), false);
  assert.equal(overConfirmed(gameAt(1, 60, 90), 95, playing), false, "another match");
});
