/**
 * The functional core of the P2P rollback session: its whole state in one plain object
 * ({@link P2PCore}) and the functions that move it, each returning what the shell must do as
 * {@link SessionEffect}s. Nothing here touches a transport, a clock or a listener: the shell
 * (p2p_session.ts) passes in the time and the RTT and carries the effects out.
 *
 * `advanceFrame` is one 60 Hz tick (GGRS's `advance_frame`): roll back if a prediction proved
 * wrong, finalize frames, then stall (too far ahead of the peer's inputs), skip (time sync: we run
 * ahead) or advance one frame, or two when time sync says we are behind. The game is advanced
 * through the sync layer, which owns it.
 *
 * @module
 */

import type { ControlMessage } from "../../../shared/peer_protocol.ts";
import { MAX_FRAME } from "../../../shared/peer_protocol.ts";
import { MAX_REPLAY_FRAMES } from "../../../shared/replay_format.ts";
import type { RollbackGame } from "../game.ts";
import type { InputQueue } from "../input_queue.ts";
import { createSyncLayer, type SyncLayer } from "../sync_layer.ts";
import { createTimeSync, type TimeSync } from "../time_sync.ts";
import { type ChecksumHistory, createChecksumHistory } from "./checksum_history.ts";
import {
  createDesyncState,
  type DesyncState,
  onLocalFinal,
  onRemoteChecksum,
  onRemoteState,
} from "./desync_detector.ts";
import type { SessionEffect } from "./session_effect.ts";
import type { EffectSink } from "../effect_list.ts";
import type { TickOutcome } from "./session_event.ts";
import {
  checkLockstep,
  intOption,
  MAX_INPUT_DELAY,
  type SessionConfig,
} from "./session_options.ts";

/** Counters for the stats, all cumulative. */
export interface CoreCounters {
  rollbacks: number;
  rollbackFrames: number;
  maxRollbackDepth: number;
  lastRollbackDepth: number;
  stalls: number;
  skippedTicks: number;
  catchUps: number;
  /** Inputs held back (beyond the queue's window or out of order). */
  rejected: number;
}

/** The whole state of one session. */
export interface P2PCore<S = unknown> {
  readonly config: SessionConfig;
  readonly game: RollbackGame<S>;
  readonly sync: SyncLayer<S>;
  /** Our queue and the peer's (views into `sync.queues`). */
  readonly local: InputQueue;
  readonly remote: InputQueue;
  timeSync: TimeSync;
  readonly history: ChecksumHistory;
  readonly desync: DesyncState;
  /** Both inputs of every final frame from 0, two bytes a frame (what a resume replays). */
  readonly log: InputLog;
  inputDelay: number;
  /** False once `setInputDelay` took over from the automatic delay. */
  autoDelay: boolean;
  lastLocalInput: number;
  /** Newest frame whose state is final on both sides; -1 before the first. */
  lastFinal: number;
  ticks: number;
  state: "running" | "stopped";
  /** The peer's last skew report (diagnostics only). */
  remoteAdvantage: number;
  readonly counters: CoreCounters;
}

/** What the shell knows about the link for one tick. */
export interface TickLink {
  /** The transport's clock (ms). */
  nowMs: number;
  /** Smoothed RTT (ms, 0 unknown): the automatic input delay. */
  rttMs: number;
  /** Least recent RTT (ms, 0 unknown): time sync's one-way delay. */
  rttMinMs: number;
}

/** A growable two-bytes-a-frame log of final inputs. */
export interface InputLog {
  bytes: Uint8Array;
  frames: number;
}

const QUALITY_EVERY_TICKS = 30;
const FRAME_MS = 1000 / 60;
const AUTO_DELAY_EVERY_TICKS = 60;
const I16 = 0x7fff;

/** A core at frame 0; the game must be in its initial state. Throws on bad time-sync options. */
export function createP2PCore<S>(config: SessionConfig, game: RollbackGame<S>): P2PCore<S> {
  const sync = createSyncLayer({
    game,
    maxRollback: config.maxPrediction,
    sparseSaving: config.sparseSaving,
  });
  return {
    config,
    game,
    sync,
    local: sync.queues[config.localPlayer],
    remote: sync.queues[config.localPlayer === 0 ? 1 : 0],
    timeSync: createTimeSync(config.timeSync),
    history: createChecksumHistory(config.checksumHistory),
    desync: createDesyncState(config.checksumInterval),
    log: { bytes: new Uint8Array(2 * 3600), frames: 0 },
    inputDelay: config.inputDelay,
    autoDelay: config.autoInputDelay !== null,
    lastLocalInput: 0,
    lastFinal: -1,
    ticks: 0,
    state: "running",
    remoteAdvantage: 0,
    counters: {
      rollbacks: 0,
      rollbackFrames: 0,
      maxRollbackDepth: 0,
      lastRollbackDepth: 0,
      stalls: 0,
      skippedTicks: 0,
      catchUps: 0,
      rejected: 0,
    },
  };
}

/** Frames the input log keeps (six hours, as a replay); a longer match cannot be resumed. */
export const MAX_LOG_FRAMES = MAX_REPLAY_FRAMES;

function logInputs(log: InputLog, i0: number, i1: number): void {
  if (log.frames >= MAX_LOG_FRAMES) return;
  if (2 * log.frames + 2 > log.bytes.length) {
    const grown = new Uint8Array(log.bytes.length * 2);
    grown.set(log.bytes);
    log.bytes = grown;
  }
  log.bytes[2 * log.frames] = i0;
  log.bytes[2 * log.frames + 1] = i1;
  log.frames++;
}

const NO_DUMP = (): undefined => undefined;

/** Moves frames whose inputs are all confirmed (and simulated with them) into the history. */
export function finalize<S>(
  core: P2PCore<S>,
  out: EffectSink<SessionEffect>,
  announce = true,
): void {
  const { sync, remote, local, game } = core;
  let upTo = Math.min(remote.confirmedFrame, local.confirmedFrame, sync.frame - 1);
  const incorrect = sync.firstIncorrectFrame();
  if (incorrect !== -1 && incorrect - 1 < upTo) upTo = incorrect - 1;
  while (core.lastFinal < upTo) {
    const f = core.lastFinal + 1;
    const checksum = sync.checksumAt(f);
    core.history.push(f, checksum);
    core.lastFinal = f;
    const input0 = sync.queues[0].input(f), input1 = sync.queues[1].input(f);
    logInputs(core.log, input0, input1);
    out.push({ type: "confirmed", frame: f, input0, input1 });
    // A resume's rebuild replays frames the peer compared long ago: nothing to announce.
    if (announce) {
      const { interval } = core.desync;
      onLocalFinal(
        core.desync,
        f,
        checksum,
        // Only a checksum frame dumps its state: no closure for the other frames.
        interval > 0 && f % interval === 0
          ? () =>
            game.serialize && sync.hasSnapshot(f + 1)
              ? game.serialize(sync.snapshotAt(f + 1))
              : undefined
          : NO_DUMP,
        out,
      );
    }
  }
  sync.discardBefore(core.lastFinal + 1);
}

/** The peer's input of `frame`; false holds it back (not acked: the peer sends it again). */
export function receiveInput<S>(core: P2PCore<S>, frame: number, input: number): boolean {
  if (core.state !== "running") return false;
  if (!core.remote.canAdd(frame)) {
    // Beyond the queue's window (a flood) or out of order (a broken transport): hold it back.
    core.counters.rejected++;
    return false;
  }
  core.remote.add(frame, input);
  return true;
}

/** A control message from the peer: the ones the session consumes, or a `message` event. */
export function receiveControl<S>(core: P2PCore<S>, msg: ControlMessage): SessionEffect[] {
  const out: SessionEffect[] = [];
  if (core.state !== "running") return out;
  switch (msg.kind) {
    case "quality":
      // Diagnostics only, clamped like GGRS's i16: it steers nothing.
      core.remoteAdvantage = Math.max(-I16, Math.min(I16, msg.advantage));
      break;
    case "checksum":
      onRemoteChecksum(
        core.desync,
        msg.frame,
        msg.checksum >>> 0,
        core.local.confirmedFrame,
        core.lastFinal,
        core.history,
        out,
      );
      break;
    case "state":
      onRemoteState(core.desync, msg.frame, msg.state, out);
      break;
    default:
      out.push({ type: "event", event: { type: "message", message: msg } });
  }
  return out;
}

/** Changes the input delay (0..30); turns the automatic delay off. Throws on a bad value. */
export function setInputDelay<S>(core: P2PCore<S>, frames: number): void {
  const next = intOption("inputDelay", frames, core.inputDelay, MAX_INPUT_DELAY);
  checkLockstep(next, core.config.maxPrediction);
  core.inputDelay = next;
  core.autoDelay = false;
}

function autoAdjustDelay<S>(core: P2PCore<S>, rttMs: number): void {
  const auto = core.config.autoInputDelay;
  if (!auto || !core.autoDelay || core.ticks % AUTO_DELAY_EVERY_TICKS !== 0) return;
  if (!(rttMs > 0)) return;
  const target = Math.max(auto.min, Math.min(auto.max, Math.ceil((rttMs / 2 + 4) / FRAME_MS)));
  if (target > core.inputDelay) core.inputDelay++;
  else if (target < core.inputDelay) core.inputDelay--;
}

/** Local inputs up to `upTo`, repeating the last one (a longer delay, or the match start). */
function fillLocal<S>(core: P2PCore<S>, upTo: number, out: EffectSink<SessionEffect>): void {
  const { local } = core;
  while (local.confirmedFrame < upTo) {
    const f = local.confirmedFrame + 1;
    local.add(f, core.lastLocalInput);
    out.push({ type: "send-input", frame: f, input: core.lastLocalInput });
  }
}

/** Sends local inputs so that frame + inputDelay has one (unless a shorter delay is catching up). */
function sendLocal<S>(
  core: P2PCore<S>,
  frame: number,
  input: number,
  out: EffectSink<SessionEffect>,
): void {
  const target = frame + core.inputDelay;
  fillLocal(core, target - 1, out);
  if (core.local.confirmedFrame < target) {
    core.local.add(target, input);
    out.push({ type: "send-input", frame: target, input });
    core.lastLocalInput = input;
  } // else: the delay just got shorter; this tick's input is dropped
}

/** Stops the core for good with an `error` event. */
function fail<S>(core: P2PCore<S>, message: string, out: EffectSink<SessionEffect>): void {
  if (core.state === "stopped") return;
  core.state = "stopped";
  out.push({ type: "event", event: { type: "error", message } });
}

/** One 60 Hz tick with the local input (0..255, validated by the shell). */
export function advanceFrame<S>(
  core: P2PCore<S>,
  localInput: number,
  link: TickLink,
): { outcome: TickOutcome; effects: SessionEffect[] } {
  const effects: SessionEffect[] = [];
  return { outcome: advanceFrameInto(core, localInput, link, effects), effects };
}

/**
 * {@link advanceFrame} writing its effects into `out`, a caller-owned list it empties first (an
 * array, or an `EffectList`, which keeps its storage when emptied), and returning only the
 * outcome: the shell reuses one list, so a tick allocates no list and no result. The core keeps
 * neither `out` nor `link`.
 */
export function advanceFrameInto<S>(
  core: P2PCore<S>,
  localInput: number,
  link: TickLink,
  out: EffectSink<SessionEffect>,
): TickOutcome {
  out.length = 0;
  if (core.state !== "running") return "stopped";
  const { sync, remote, counters, timeSync } = core;
  const { maxPrediction } = core.config;
  core.ticks++;
  if (sync.frame + core.inputDelay + 2 > MAX_FRAME) {
    fail(core, "frame numbers are exhausted (uint32 on the wire)", out);
    return "stopped";
  }
  out.push({ type: "set-frame", frame: sync.frame });
  autoAdjustDelay(core, link.rttMs);
  const depth = sync.rollback();
  if (depth > 0) {
    counters.rollbacks++;
    counters.rollbackFrames += depth;
    counters.lastRollbackDepth = depth;
    if (depth > counters.maxRollbackDepth) counters.maxRollbackDepth = depth;
    out.push({ type: "event", event: { type: "rollback", frame: sync.frame - depth, depth } });
  }
  finalize(core, out);
  if (core.ticks % QUALITY_EVERY_TICKS === 0) {
    const skew = Math.round(timeSync.skew * 100) / 100;
    out.push({
      type: "send-control",
      message: {
        kind: "quality",
        frame: sync.frame,
        advantage: Math.max(-I16, Math.min(I16, skew)),
      },
    });
  }

  const frame = sync.frame;
  // Frames before the first delayed one carry no input; they are sent on the first tick (even a
  // stalled one, or lockstep could never start) so the peer gets our inputs from frame 0.
  fillLocal(core, frame + core.inputDelay - 1, out);
  if (frame - remote.confirmedFrame > maxPrediction) {
    counters.stalls++;
    out.push({ type: "event", event: { type: "stall", frame } });
    return "stalled";
  }
  const advice = timeSync.update(frame, link.nowMs, link.rttMinMs);
  if (advice === "skip") {
    counters.skippedTicks++;
    return "skipped";
  }
  sendLocal(core, frame, localInput, out);
  sync.advance();
  finalize(core, out);
  // Behind the peer: a second frame this tick, within the prediction window.
  if (advice === "catch-up" && sync.frame - remote.confirmedFrame <= maxPrediction) {
    counters.catchUps++;
    sendLocal(core, sync.frame, localInput, out);
    sync.advance();
    finalize(core, out);
  }
  const resimulated = sync.refreshSparse();
  if (resimulated > 0) counters.rollbackFrames += resimulated;
  return "advanced";
}
