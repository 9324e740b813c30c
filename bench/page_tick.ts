// Browser side of the tick-budget benchmark (bundled into the bench page): on an open duet
// connection both pages run the example's real match runner (air hockey, rollback session, input
// transport, bots as players) from requestAnimationFrame, as the match scene does, without Phaser.
// Netcode time of a frame = the runner's update (session ticks, rollbacks, simulation, transport
// poll) plus every packet handler that ran since the previous frame. The page is cross-origin
// isolated (bench_server.ts), so performance.now() has 5 µs resolution instead of 100 µs.
import { createMatchRunner } from "../game/app/match_runner.ts";
import { createBot } from "../game/app/bot.ts";
import { createInputTransport } from "../game/net/input_transport.ts";
import type { PacketChannel } from "../game/net/packet_channel.ts";
import { NO_IMPAIRMENT, simulateChannel } from "../game/net/network_sim.ts";
import { currentPeer } from "./page_connect.ts";

/** What one page measured. */
export interface TickRunResult {
  /** Netcode ms per animation frame while the match was being played. */
  netcodeMs: number[];
  /** Ticks the runner ran per frame (0 on a frame between ticks, 2 after a late frame). */
  ticksPerFrame: number[];
  rollbacks: number;
  rollbackFrames: number;
  maxRollbackDepth: number;
  stalls: number;
  phase: string;
  crossOriginIsolated: boolean;
}

/** A channel whose receive handler is timed: the time goes into `spent.ms`. */
function timed(inner: PacketChannel, spent: { ms: number }): PacketChannel {
  const ch: PacketChannel = {
    send: (d) => inner.send(d),
    onmessage: null,
  };
  inner.onmessage = (d) => {
    const t0 = performance.now();
    ch.onmessage?.(d);
    spent.ms += performance.now() - t0;
  };
  return ch;
}

/**
 * Plays `seconds` of a bot match on this page's open duet connection and times each frame's
 * netcode. `delayMs` delays what this page sends on the input channel (the seeded simulator, as
 * `?sim=delay:N`); with `inputDelay` 0 the peer then predicts ~delay/16.7 frames and rolls back
 * that deep whenever a prediction was wrong.
 */
export function tickRun(
  seconds: number,
  delayMs: number,
  inputDelay: number,
  seed: number,
): Promise<TickRunResult> {
  const peer = currentPeer();
  if (!peer || peer.state !== "open") return Promise.reject(new Error("no open duet connection"));
  const player = peer.role === "offerer" ? 0 : 1;
  const spent = { ms: 0 };
  const input = timed(
    delayMs > 0 ? simulateChannel(peer.input, { ...NO_IMPAIRMENT, delayMs, seed }) : peer.input,
    spent,
  );
  const control = timed(peer.control, spent);
  const bot = createBot(seed);
  const runner = createMatchRunner({
    localPlayer: player,
    me: { name: `bench${player}`, bot: true, seed },
    input: (view, p) => bot.input(view, p),
    inputDelay,
  });
  runner.connect(createInputTransport({ input, control }));
  const r: TickRunResult = {
    netcodeMs: [],
    ticksPerFrame: [],
    rollbacks: 0,
    rollbackFrames: 0,
    maxRollbackDepth: 0,
    stalls: 0,
    phase: "",
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
  };
  let last = performance.now();
  let measuring = false;
  let stopAt = Infinity;
  const giveUpAt = last + 20_000 + seconds * 1000;
  return new Promise((resolve) => {
    const frame = () => {
      const t0 = performance.now();
      const ticks = runner.update(t0 - last);
      const t1 = performance.now();
      last = t0;
      const netcode = t1 - t0 + spent.ms;
      spent.ms = 0;
      const phase = runner.lifecycle.phase;
      if (!measuring && phase === "playing") {
        measuring = true;
        stopAt = t1 + seconds * 1000;
      }
      if (measuring) {
        r.netcodeMs.push(netcode);
        r.ticksPerFrame.push(ticks);
      }
      if (t1 >= stopAt || t1 >= giveUpAt) {
        const s = runner.stats();
        Object.assign(r, {
          rollbacks: s.rollbacks,
          rollbackFrames: s.rollbackFrames,
          maxRollbackDepth: s.maxRollbackDepth,
          stalls: s.stalls,
          phase,
        });
        runner.leave();
        resolve(r);
      } else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
}
