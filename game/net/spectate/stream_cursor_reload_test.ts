/**
 * Review (spectate across resume), found failing and fixed by streamableFrames: the streaming
 * seat streamed every frame its page confirmed.
 * When that page reloads, the match goes on from the survivor's snapshot, which holds only the
 * inputs the survivor had received. A frame the old page confirmed (so streamed) but whose
 * local input never reached the survivor is played again by the new page with its own inputs;
 * the lobby keeps the old frames (it never rewrites) and says `stream-from` its next frame, so
 * the spectators' log differs from the players' from there on.
 */
import assert from "node:assert/strict";
import { createManualClock, type ManualClock } from "../clock.ts";
import { createInputTransport, type InputTransport } from "../input_transport.ts";
import { createReliablePair, createSimulatedPair, NO_IMPAIRMENT } from "../network_sim.ts";
import { createTestGame, scriptedInput } from "../test_game.ts";
import { createP2PSession, type P2PSession, resumeP2PSession } from "../sessions/p2p_session.ts";
import type { PacketChannel } from "../packet_channel.ts";
import { STREAM_BATCH_FRAMES } from "./stream_batcher.ts";
import { streamableFrames } from "./stream_cursor.ts";

const TICK_MS = 1000 / 60;

/** While true, A's input packets to B are lost (a burst on A's uplink). */
let uplinkDown = false;

function connect(clock: ManualClock, seed: number, loss: number, delayMs = 30) {
  const [sa, ib] = createSimulatedPair(
    { ...NO_IMPAIRMENT, loss, delayMs, jitterMs: 5, seed },
    clock,
  );
  const ia: PacketChannel = {
    send: (d) => {
      if (!uplinkDown) sa.send(d);
    },
    get onmessage() {
      return sa.onmessage;
    },
    set onmessage(f) {
      sa.onmessage = f;
    },
  };
  const [ca, cb] = createReliablePair(clock, delayMs, { loss, seed: seed + 1 });
  return [
    createInputTransport({ input: ia, control: ca, clock }),
    createInputTransport({ input: ib, control: cb, clock }),
  ] as [InputTransport, InputTransport];
}

interface Side {
  session: P2PSession;
  log: number[][];
  script: number;
}

function side(
  make: (on: (f: number, i0: number, i1: number) => void) => P2PSession,
  script: number,
) {
  const log: number[][] = [];
  const session = make((f, i0, i1) => {
    assert.equal(log.length, f);
    log.push([i0, i1]);
  });
  return { session, log, script } as Side;
}

const tick = (x: Side, p: 0 | 1) => x.session.tick(scriptedInput(x.script, p, x.session.frame));

Deno.test("a streaming page streams only frames the survivor has its inputs for, so a reload cannot replay a streamed frame", () => {
  const seed = 11, loss = 0.05;
  const clock = createManualClock();
  const [ta, tb] = connect(clock, seed, loss);
  // A: player 0, the offerer: the streaming seat. B: player 1, the survivor.
  let a = side(
    (onConfirmed) =>
      createP2PSession({ game: createTestGame(), transport: ta, localPlayer: 0, onConfirmed }),
    seed,
  );
  const b = side(
    (onConfirmed) =>
      createP2PSession({ game: createTestGame(), transport: tb, localPlayer: 1, onConfirmed }),
    seed,
  );
  // Play until A's page has confirmed (and, at a batch boundary, streamed) frames B cannot
  // confirm yet: B lacks some of A's inputs for them.
  let found = false;
  for (let i = 0; i < 5000 && !found; i++) {
    clock.advance(TICK_MS);
    tick(a, 0);
    tick(b, 1);
    const fa = a.session.confirmedFrame, fb = b.session.confirmedFrame;
    // A burst of loss on A's uplink (a few frames), then A's page reloads.
    uplinkDown = i > 300;
    found = i > 300 && (fa + 1) % STREAM_BATCH_FRAMES === 0 && fa > fb + 1;
  }
  assert.ok(found, "A confirmed past B at a batch boundary");
  // What the lobby holds: what A's page could stream, the frames it confirmed whose inputs B
  // acknowledged (match_runner.ts caps its cursor so). All of a.log here fails: B lacks some.
  const lobby = a.log.slice(0, streamableFrames(a.log.length, ta.stats().ackedLocalFrame));
  assert.ok(lobby.length < a.log.length, "A confirmed frames B had not acknowledged");
  // A's page reloads: it comes back from B's snapshot over a new connection.
  uplinkDown = false;
  const [na, nb] = connect(clock, seed + 7, loss);
  const bytes = b.session.resume(nb);
  a = side((onConfirmed) => {
    const r = resumeP2PSession({
      game: createTestGame(),
      transport: na,
      localPlayer: 0,
      onConfirmed,
    }, bytes);
    assert.ok(r.ok);
    return r.session;
  }, seed + 99); // a reloaded page plays other buttons
  for (
    let i = 0;
    i < 2000 && Math.min(a.session.confirmedFrame, b.session.confirmedFrame) < lobby.length + 120;
    i++
  ) {
    clock.advance(TICK_MS);
    tick(a, 0);
    tick(b, 1);
  }
  // The lobby says stream-from lobby.length; the new page resends from its log from there.
  const spectator = [...lobby, ...a.log.slice(lobby.length)];
  const players = b.log.slice(0, spectator.length);
  assert.deepEqual(a.log.slice(0, players.length), players, "the players agree");
  const firstDiff = spectator.findIndex((x, f) =>
    x[0] !== players[f]?.[0] || x[1] !== players[f]?.[1]
  );
  assert.equal(
    firstDiff,
    -1,
    `spectators see other inputs than the players from frame ${firstDiff} (lobby had ${lobby.length})`,
  );
});
