/**
 * Two rollback sessions playing the test game against each other through the real input
 * transport over the seeded network simulator, on a manual clock: a whole match in milliseconds,
 * reproducibly. Either side can be frozen (no ticks) or ticked at a lower rate, which is how the
 * time-sync tests and `bench/recovery.ts` model a hitch or a background tab.
 *
 * Both sides tick on the same 60 Hz schedule, so `a.frame - b.frame` is the true skew.
 *
 * @module
 */

import { createManualClock, type ManualClock } from "../clock.ts";
import type { RollbackGame } from "../game.ts";
import { createInputTransport, type InputTransport } from "../input_transport.ts";
import { createReliablePair, createSimulatedPair, NO_IMPAIRMENT } from "../network_sim.ts";
import {
  createP2PSession,
  type P2PSession,
  type P2PSessionOptions,
  type SessionEvent,
} from "../sessions/p2p_session.ts";
import { createTestGame, scriptedInput } from "../test_game.ts";

/** Options of {@link createSimulatedMatch}. */
export interface SimulatedMatchOptions {
  seed: number;
  /** One-way delay of both channels, ms. */
  delayMs: number;
  /** Input channel jitter (± ms) and loss (0..1); default none. */
  jitterMs?: number;
  loss?: number;
  /** Control channel loss (0..1) and how late a lost message arrives (ms); default lossless. */
  controlLoss?: number;
  controlRetransmitMs?: number;
  /** Extra session options for both sides. */
  session?: Partial<P2PSessionOptions>;
  game?: () => RollbackGame<Int32Array>;
}

/** A running simulated match. */
export interface SimulatedMatch {
  clock: ManualClock;
  a: P2PSession;
  b: P2PSession;
  transports: [InputTransport, InputTransport];
  /** Both sides' events since the start. */
  events: [SessionEvent[], SessionEvent[]];
  /** Every frame's confirmed inputs as each side's `onConfirmed` saw them. */
  confirmed: [number[][], number[][]];
  /** What each side's session sent, by frame. */
  sent: [number[], number[]];
  /** Hands raw bytes to side 0 (A) or 1 (B) as if its peer had sent them on that channel. */
  inject(side: 0 | 1, channel: "input" | "control", bytes: Uint8Array): void;
  /** One 60 Hz step: time passes, then each side that is not frozen ticks (scripted input). */
  step(tickA?: boolean, tickB?: boolean): void;
  /** One tick of one side, with no time passing (for game loops that tick in bursts). */
  tick(side: 0 | 1): void;
}

/** Length of a tick of the simulated 60 Hz loop, ms. */
export const TICK_MS = 1000 / 60;

/** Creates the match; nothing has ticked yet. */
export function createSimulatedMatch(o: SimulatedMatchOptions): SimulatedMatch {
  const clock = createManualClock();
  const [ia, ib] = createSimulatedPair({
    ...NO_IMPAIRMENT,
    loss: o.loss ?? 0,
    delayMs: o.delayMs,
    jitterMs: o.jitterMs ?? 0,
    seed: o.seed,
  }, clock);
  const [ca, cb] = createReliablePair(clock, o.delayMs, {
    loss: o.controlLoss ?? 0,
    retransmitMs: o.controlRetransmitMs,
    seed: o.seed + 1,
  });
  const sent: [number[], number[]] = [[], []];
  const confirmed: [number[][], number[][]] = [[], []];
  const events: [SessionEvent[], SessionEvent[]] = [[], []];
  const transports = [[ia, ca], [ib, cb]].map(([input, control]) =>
    createInputTransport({ input, control, clock })
  ) as [InputTransport, InputTransport];
  const sessions = transports.map((transport, player) => {
    const send = transport.sendInput;
    transport.sendInput = (frame, value) => {
      sent[player][frame] = value;
      send(frame, value);
    };
    const s = createP2PSession({
      ...o.session,
      game: o.game?.() ?? createTestGame(),
      transport,
      localPlayer: player as 0 | 1,
      onConfirmed: (f, i0, i1) => {
        confirmed[player][f] = [i0, i1];
      },
    });
    s.onEvent((e) => events[player].push(e));
    return s;
  });
  const [a, b] = sessions;
  return {
    clock,
    a,
    b,
    transports,
    events,
    confirmed,
    sent,
    inject(side, channel, bytes) {
      const ch = channel === "input" ? [ia, ib][side] : [ca, cb][side];
      ch.onmessage?.(bytes);
    },
    tick(side) {
      const s = side === 0 ? a : b;
      s.tick(scriptedInput(o.seed, side, s.frame));
    },
    step(tickA = true, tickB = true) {
      clock.advance(TICK_MS);
      if (tickA) a.tick(scriptedInput(o.seed, 0, a.frame));
      if (tickB) b.tick(scriptedInput(o.seed, 1, b.frame));
    },
  };
}
