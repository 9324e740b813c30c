/**
 * The peer-to-peer rollback session (the GGPO model): both players run the same deterministic
 * simulation; each sends its own inputs and predicts the other's, and when a real input differs
 * from the prediction it loads the last correct state and re-simulates to the present within the
 * same tick, so play feels local despite latency and loss.
 *
 * ## API
 * ```ts
 * const session = createP2PSession({ game, transport, localPlayer: 0 }); // inputDelay 2, maxPrediction 8
 * const off = session.onEvent((e) => { if (e.type === "desync") console.warn(e); });
 * // every 1/60 s (requestAnimationFrame accumulator or setInterval), the caller drives the tick:
 * const outcome = session.tick(readButtons()); // "advanced" | "stalled" | "skipped" | "stopped"
 * render(game); // the game's live state is the present (predicted where needed)
 * session.frame; session.confirmedFrame; session.checksum(frame); session.stats();
 * session.close(); off(); // end of match: detach from the transport (closing it is the caller's job)
 * ```
 *
 * - `tick(localInput)` rolls back if a prediction proved wrong, then either advances one frame
 *   with the local input (sent `inputDelay` frames ahead) or does not advance:
 *   "stalled" when it would predict more than `maxPrediction` frames (waits for the peer), or
 *   "skipped" when time sync slows this side down because it runs ahead. The input of a tick that
 *   does not advance is dropped. Then it polls the transport (keepalive, pings, liveness). Call
 *   it at a fixed 60 Hz; there are no timers inside.
 * - Frames: `frame` is the next frame to simulate (the live state is after frames 0..frame-1);
 *   `confirmedFrame` is the newest frame whose inputs are known on both sides and whose simulated
 *   state is final; `checksum(f)` is the checksum right after frame f, for confirmed frames only.
 * - The session takes over `transport.onInput`, `onControl` and `onState`. It consumes `quality`,
 *   `checksum` and `state` messages; any other control message (app, bye, hello) comes out as a
 *   `message` event and link-state changes as `link` events.
 * - `setInputDelay(n)` changes the input delay mid-match without a desync: a longer delay repeats
 *   the last input for the frames it skips over, a shorter one drops local inputs for as many
 *   ticks. `autoInputDelay` picks it from the measured RTT (see below). The prediction window is
 *   fixed for a session.
 * - `onConfirmed(frame, input0, input1)` (an option) sees every frame's two inputs exactly once,
 *   in frame order, as soon as they are final on both sides: the basis of replays and spectators.
 * - The game's `advance(inputs, info)` gets each player's input status (confirmed / predicted) and
 *   whether the frame is a re-simulation, so it can hold back sounds on frames that may change.
 *
 * ## Events (`onEvent`)
 * `rollback {frame, depth}`, `stall {frame}`, `desync {frame, local, remote}`,
 * `desync-state {frame, local, remote}` (state bytes), `link {state}` (open, interrupted,
 * disconnected, closed), `message {message}` (app/bye/hello control messages) and
 * `error {message}` (the peer broke the input stream; the session stopped).
 *
 * ## Time sync
 * Every input packet carries the sender's frame; the skew follows from it and the input channel's
 * RTT (see time_sync.ts). The side behind catches up (two frames in a tick, every other tick),
 * the side ahead skips a tick (at most every 20 ticks, from two frames ahead), until both are
 * within a frame. Every 30
 * ticks a `quality` report tells the peer our skew estimate, for its stats only (clamped to i16,
 * as GGRS does: it steers nothing, so a forged one cannot).
 *
 * ## Automatic input delay
 * With `autoInputDelay`, once a second the delay moves one frame toward the smallest delay that
 * covers the one-way trip: `ceil((rtt / 2 + 4 ms) / frame)`, clamped to `min..max` (default 1..6),
 * where rtt is the input channel's smoothed RTT.
 *
 * ## Hostile peers
 * Nothing a peer sends makes `tick()` throw, stop or spin: time sync samples are sanity-checked and
 * its actions rate-limited; each checksum frame is compared once (repeats, frames the peer cannot
 * have confirmed yet and state dumps nobody asked for count in `stats().malformed`), inputs beyond
 * the input queue's window are held back (not delivered, not acked: `stats().rejected`).
 *
 * ## Desync detection
 * Every `checksumInterval` frames (default 60, 0 disables), once that frame is confirmed, its
 * checksum goes to the peer as a `checksum` control message; the peer compares it with its own and
 * raises a `desync` event `{ frame, local, remote }` on a mismatch. If the game implements
 * `serialize`, each side keeps the bytes of its checksummed states until the peer's checksum
 * arrives and, on a mismatch, sends them as a `state` message, so each side gets a `desync-state`
 * event with both dumps (dumps over 60 KiB are not sent).
 *
 * Checksums of every confirmed frame are kept for `checksum(f)`: 4 bytes per frame (14 KiB per
 * minute at 60 Hz), at least the newest `checksumHistory` frames (default 216,000: one hour,
 * 864 KiB), dropped in chunks of 4096 frames.
 *
 * Frames are uint32 on the wire (828 days at 60 Hz); the session stops with an `error` event
 * before its frame would pass that.
 *
 * @module
 */

import type { ControlMessage } from "../../../shared/peer_protocol.ts";
import { MAX_FRAME, MAX_STATE_BYTES } from "../../../shared/peer_protocol.ts";
import { isValidInput, type RollbackGame } from "../game.ts";
import type { LinkState } from "../input_transport.ts";
import { createSyncLayer } from "../sync_layer.ts";
import { createTimeSync, type TimeSyncOptions } from "../time_sync.ts";

/** State of the link as reported by the transport (re-exported for `link` events). */
export type { LinkState };

/** The part of the transport's statistics the session passes through. */
export interface LinkStats {
  rttMs: number;
  lossRate: number;
  packetsSent: number;
  packetsReceived: number;
  packetsLost: number;
  /** Least recent RTT sample (ms); time sync's one-way delay. Falls back to `rttMs`. */
  rttMinMs?: number;
  /** Malformed packets the transport ignored. */
  malformed?: number;
  /** Excess or refused traffic (rate-limited pings, held-back inputs). */
  rejected?: number;
}

/** What the session needs from the input transport (an `InputTransport` fits). */
export interface SessionTransport {
  sendInput(frame: number, input: number): void;
  /** Returning false refuses the frame (back-pressure: the transport must not ack it). */
  onInput: ((frame: number, input: number) => unknown) | null;
  /** The peer's current frame per input packet, with its arrival time (see time_sync.ts). */
  onPeerFrame?: ((frame: number, atMs: number) => void) | null;
  /** Our current frame, for the packets the transport sends. */
  setFrame?(frame: number): void;
  /** Milliseconds on the transport's clock; without it the session counts ticks as 1/60 s. */
  now?(): number;
  sendControl(msg: ControlMessage): void;
  onControl: ((msg: ControlMessage) => void) | null;
  stats(): LinkStats;
  onState?: ((state: LinkState) => void) | null;
  poll?(): void;
}

/** Options of {@link createP2PSession}. */
export interface P2PSessionOptions<S = unknown> {
  game: RollbackGame<S>;
  transport: SessionTransport;
  /** 0 for the lobby's offerer, 1 for the answerer. */
  localPlayer: 0 | 1;
  /** Frames between reading a local input and simulating it (0..30); default 2. */
  inputDelay?: number;
  /** Most frames simulated ahead of the peer's newest input before stalling (0..60); default 8. */
  maxPrediction?: number;
  /** Frames between two checksums sent for desync detection; 0 disables; default 60. */
  checksumInterval?: number;
  /** Newest confirmed frames whose checksums `checksum(f)` can answer for; default 216000. */
  checksumHistory?: number;
  /** Tuning of the time sync (see time_sync.ts); the defaults suit 60 Hz. */
  timeSync?: TimeSyncOptions;
  /** Every frame's two inputs, exactly once each, in frame order, once final on both sides. */
  onConfirmed?: (frame: number, input0: number, input1: number) => void;
  /**
   * Save only the newest confirmed frame (for games with large states): fewer `save()` calls,
   * deeper re-simulations; desync dumps only when that state is at hand. Default false.
   */
  sparseSaving?: boolean;
  /** Chooses the input delay from the measured RTT (see the module doc); off by default. */
  autoInputDelay?: boolean | { min?: number; max?: number };
}

/** Events a session raises (see `onEvent`). */
export type SessionEvent =
  /** A prediction was wrong: `depth` frames from `frame` were re-simulated. */
  | { type: "rollback"; frame: number; depth: number }
  /** The tick did not advance: `frame` would have predicted more than maxPrediction frames. */
  | { type: "stall"; frame: number }
  /** The peer's checksum of a confirmed frame differs from ours. */
  | { type: "desync"; frame: number; local: number; remote: number }
  /** The peer's state dump for a desynced frame, with ours if we kept it. */
  | { type: "desync-state"; frame: number; local: Uint8Array | null; remote: Uint8Array }
  /** The transport's link state changed. */
  | { type: "link"; state: LinkState }
  /** A control message the session does not consume (app, bye, hello). */
  | { type: "message"; message: ControlMessage }
  /** The peer broke the input stream (out of order or far beyond the window); session stopped. */
  | { type: "error"; message: string };

/** What one tick did. */
export type TickOutcome = "advanced" | "stalled" | "skipped" | "stopped";

/** Numbers for an overlay or a test. */
export interface P2PSessionStats extends LinkStats {
  frame: number;
  confirmedFrame: number;
  inputDelay: number;
  maxPrediction: number;
  /** Frames currently simulated on a predicted remote input. */
  predictedFrames: number;
  rollbacks: number;
  /** Frames re-simulated by all rollbacks. */
  rollbackFrames: number;
  maxRollbackDepth: number;
  lastRollbackDepth: number;
  stalls: number;
  /** Ticks skipped by time sync. */
  skippedTicks: number;
  /** Frames we look ahead of the peer, seen from here, one-way delay included. */
  localAdvantage: number;
  /** The same, as the peer last reported it. */
  remoteAdvantage: number;
  /** Estimated frames we run ahead of the peer (negative: behind). */
  skew: number;
  /** Peer checksums compared with ours. */
  checksumsChecked: number;
  desyncs: number;
  /** Ticks that simulated an extra frame to catch up with the peer (time sync). */
  catchUps: number;
  /** Hostile or broken messages ignored, here and in the transport. */
  malformed: number;
  /** Traffic refused: inputs held back, implausible time-sync samples, the transport's own. */
  rejected: number;
}

/** A running P2P rollback session. */
export interface P2PSession {
  /** Runs one 60 Hz tick with the local player's input (integer 0..255). */
  tick(localInput: number): TickOutcome;
  /** Next frame to simulate. */
  readonly frame: number;
  /** Newest frame whose state is final on both sides; -1 before the first. */
  readonly confirmedFrame: number;
  /** "running", or "stopped" after close() or an error event. */
  readonly state: "running" | "stopped";
  /** Checksum of the state right after `frame`, for confirmed frames still kept; else undefined. */
  checksum(frame: number): number | undefined;
  stats(): P2PSessionStats;
  /** Subscribes to events; returns the unsubscribe function. */
  onEvent(listener: (event: SessionEvent) => void): () => void;
  /** The input delay now in use (frames). */
  readonly inputDelay: number;
  /** Changes the input delay mid-match (0..30), without a desync; turns `autoInputDelay` off. */
  setInputDelay(frames: number): void;
  /** Stops the session and detaches it from the transport (does not close the transport). */
  close(): void;
}

const QUALITY_EVERY_TICKS = 30;
// Peer checksums of frames we have not finalized: at most one per frame of the window between
// our last final frame and our newest input (the input queue's capacity bounds it).
const MAX_PENDING_CHECKSUMS = 256;
const MAX_KEPT_DUMPS = 8;
const MAX_INPUT_DELAY = 30;
const FRAME_MS = 1000 / 60;
const AUTO_DELAY_EVERY_TICKS = 60;
const I16 = 0x7fff;

function intOption(
  name: string,
  value: number | undefined,
  dflt: number,
  max: number,
  min = 0,
): number {
  const v = value ?? dflt;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name} must be an integer ${min}..${max}, got ${v}`);
  }
  return v;
}

/** Creates a session for one match; the game must be in its initial state (frame 0). */
export function createP2PSession<S>(opts: P2PSessionOptions<S>): P2PSession {
  const { game, transport, localPlayer } = opts;
  if (localPlayer !== 0 && localPlayer !== 1) {
    throw new RangeError(`localPlayer must be 0 or 1, got ${localPlayer}`);
  }
  let inputDelay = intOption("inputDelay", opts.inputDelay, 2, MAX_INPUT_DELAY);
  const maxPrediction = intOption("maxPrediction", opts.maxPrediction, 8, 60);
  if (inputDelay === 0 && maxPrediction === 0) {
    throw new RangeError("lockstep (maxPrediction 0) needs an inputDelay of at least 1");
  }
  const checksumInterval = intOption("checksumInterval", opts.checksumInterval, 60, 1e6);
  const history = createChecksumHistory(
    intOption("checksumHistory", opts.checksumHistory, 216_000, 1e8, 1),
  );
  const sync = createSyncLayer({
    game,
    maxRollback: maxPrediction,
    sparseSaving: opts.sparseSaving === true,
  });
  const local = sync.queues[localPlayer];
  const remote = sync.queues[localPlayer === 0 ? 1 : 0];
  const timeSync = createTimeSync(opts.timeSync);
  const onConfirmed = opts.onConfirmed;
  const auto = opts.autoInputDelay
    ? {
      min: intOption("autoInputDelay.min", (opts.autoInputDelay as { min?: number }).min, 1, 30),
      max: intOption("autoInputDelay.max", (opts.autoInputDelay as { max?: number }).max, 6, 30),
    }
    : null;
  if (auto && auto.min > auto.max) throw new RangeError("autoInputDelay: min must be <= max");
  let autoDelay = auto !== null;
  let remoteAdvantage = 0;
  let lastRemoteChecksumFrame = -1;
  const statesSeen = new Set<number>(); // desync frames whose peer dump arrived (once each)
  const desyncFrames = new Set<number>(); // frames that desynced (bounded with the dumps)
  let lastLocalInput = 0;
  const listeners: ((e: SessionEvent) => void)[] = [];
  const pendingRemote = new Map<number, number>(); // frame -> peer checksum, ours not final yet
  const dumps = new Map<number, Uint8Array>(); // frame -> our state bytes, until compared
  const desyncDumps = new Map<number, Uint8Array>(); // frame -> our bytes of desynced frames
  let state: "running" | "stopped" = "running";
  let lastFinal = -1;
  let ticks = 0;
  const counters = {
    rollbacks: 0,
    rollbackFrames: 0,
    maxRollbackDepth: 0,
    lastRollbackDepth: 0,
    stalls: 0,
    skippedTicks: 0,
    checksumsChecked: 0,
    desyncs: 0,
    catchUps: 0,
    malformed: 0,
    rejected: 0,
  };

  function emit(event: SessionEvent): void {
    for (const l of listeners.slice()) l(event);
  }

  function fail(message: string): void {
    if (state === "stopped") return;
    stop();
    emit({ type: "error", message });
  }

  function stop(): void {
    state = "stopped";
    transport.onInput = null;
    transport.onControl = null;
    if (transport.onState !== undefined) transport.onState = null;
    if (transport.onPeerFrame !== undefined) transport.onPeerFrame = null;
  }

  function keep<V>(map: Map<number, V>, key: number, value: V, max: number): void {
    map.set(key, value);
    if (map.size > max) map.delete(map.keys().next().value as number);
  }

  function compare(frame: number, mine: number, theirs: number): void {
    counters.checksumsChecked++;
    const dump = dumps.get(frame);
    dumps.delete(frame);
    if (mine === theirs) return;
    counters.desyncs++;
    desyncFrames.add(frame);
    if (desyncFrames.size > MAX_KEPT_DUMPS) {
      desyncFrames.delete(desyncFrames.values().next().value as number);
    }
    emit({ type: "desync", frame, local: mine, remote: theirs });
    if (dump) {
      keep(desyncDumps, frame, dump, MAX_KEPT_DUMPS);
      if (dump.length <= MAX_STATE_BYTES) {
        transport.sendControl({ kind: "state", frame, state: dump });
      }
    }
  }

  function onChecksumFrame(frame: number, checksum: number): void {
    transport.sendControl({ kind: "checksum", frame, checksum });
    if (game.serialize && sync.hasSnapshot(frame + 1)) {
      keep(dumps, frame, game.serialize(sync.snapshotAt(frame + 1)), MAX_KEPT_DUMPS);
    }
  }

  // Moves frames whose inputs are all confirmed (and simulated with them) into the history.
  function finalize(): void {
    let upTo = Math.min(remote.confirmedFrame, local.confirmedFrame, sync.frame - 1);
    const incorrect = sync.firstIncorrectFrame();
    if (incorrect !== -1 && incorrect - 1 < upTo) upTo = incorrect - 1;
    while (lastFinal < upTo) {
      const f = lastFinal + 1;
      const checksum = sync.checksumAt(f);
      history.push(f, checksum);
      lastFinal = f;
      if (onConfirmed) onConfirmed(f, sync.queues[0].input(f), sync.queues[1].input(f));
      if (checksumInterval > 0 && f % checksumInterval === 0) onChecksumFrame(f, checksum);
      // Checked for every frame, not just ours: the peer may use another interval.
      if (pendingRemote.size > 0) {
        const theirs = pendingRemote.get(f);
        if (theirs !== undefined) {
          pendingRemote.delete(f);
          compare(f, checksum, theirs);
        }
      }
    }
    sync.discardBefore(lastFinal + 1);
  }

  function onRemoteChecksum(frame: number, checksum: number): void {
    if (checksumInterval === 0) return;
    // An honest peer finalizes frames in order, each once, and only frames it has our input for.
    if (frame <= lastRemoteChecksumFrame || frame > local.confirmedFrame) {
      counters.malformed++;
      return;
    }
    lastRemoteChecksumFrame = frame;
    if (frame <= lastFinal) {
      const mine = history.get(frame);
      if (mine !== undefined) compare(frame, mine, checksum);
    } else if (pendingRemote.size < MAX_PENDING_CHECKSUMS) {
      pendingRemote.set(frame, checksum);
    } else {
      counters.malformed++;
    }
  }

  function onRemoteState(frame: number, bytes: Uint8Array): void {
    // Only a dump of a frame that desynced, or may yet (its checksum is pending), and only once.
    if (statesSeen.has(frame) || !(desyncFrames.has(frame) || pendingRemote.has(frame))) {
      counters.malformed++;
      return;
    }
    statesSeen.add(frame);
    if (statesSeen.size > MAX_KEPT_DUMPS) statesSeen.delete(statesSeen.values().next().value!);
    emit({
      type: "desync-state",
      frame,
      local: desyncDumps.get(frame) ?? dumps.get(frame) ?? null,
      remote: bytes,
    });
  }

  transport.onInput = (frame, input) => {
    if (state !== "running") return false;
    if (!remote.canAdd(frame)) {
      // Beyond the queue's window (a flood) or out of order (a broken transport): hold it back.
      counters.rejected++;
      return false;
    }
    remote.add(frame, input);
    return true;
  };
  if ("onPeerFrame" in transport) {
    transport.onPeerFrame = (frame, atMs) => timeSync.onPeerFrame(frame, atMs);
  }
  transport.onControl = (msg) => {
    if (state !== "running") return;
    switch (msg.kind) {
      case "quality":
        // Diagnostics only, clamped like GGRS's i16: it steers nothing.
        remoteAdvantage = Math.max(-I16, Math.min(I16, msg.advantage));
        break;
      case "checksum":
        onRemoteChecksum(msg.frame, msg.checksum >>> 0);
        break;
      case "state":
        onRemoteState(msg.frame, msg.state);
        break;
      default:
        emit({ type: "message", message: msg });
    }
  };
  if ("onState" in transport) {
    transport.onState = (linkState) => emit({ type: "link", state: linkState });
  }

  function tick(localInput: number): TickOutcome {
    if (!isValidInput(localInput)) {
      throw new RangeError(`local input must be an integer 0..255, got ${localInput}`);
    }
    if (state !== "running") return "stopped";
    const outcome = step(localInput);
    // Polled last: a tick that sent an input packet makes the transport's keepalive unnecessary.
    transport.poll?.();
    return outcome;
  }

  const now = () => transport.now ? transport.now() : ticks * FRAME_MS;

  function rtt(): number {
    const link = transport.stats();
    return link.rttMinMs && link.rttMinMs > 0 ? link.rttMinMs : link.rttMs;
  }

  function autoAdjustDelay(): void {
    if (!auto || !autoDelay || ticks % AUTO_DELAY_EVERY_TICKS !== 0) return;
    const r = transport.stats().rttMs;
    if (!(r > 0)) return;
    const target = Math.max(auto.min, Math.min(auto.max, Math.ceil((r / 2 + 4) / FRAME_MS)));
    if (target > inputDelay) inputDelay++;
    else if (target < inputDelay) inputDelay--;
  }

  /** Sends local inputs so that frame + inputDelay has one (unless a shorter delay is catching up). */
  function sendLocal(frame: number, input: number): void {
    const target = frame + inputDelay;
    // A longer delay (or the match start) leaves frames with no input: repeat the last one.
    while (local.confirmedFrame < target - 1) {
      local.add(local.confirmedFrame + 1, lastLocalInput);
      transport.sendInput(local.confirmedFrame, lastLocalInput);
    }
    if (local.confirmedFrame < target) {
      local.add(target, input);
      transport.sendInput(target, input);
      lastLocalInput = input;
    } // else: the delay just got shorter; this tick's input is dropped
  }

  function step(localInput: number): TickOutcome {
    ticks++;
    if (sync.frame + inputDelay + 2 > MAX_FRAME) {
      fail("frame numbers are exhausted (uint32 on the wire)");
      return "stopped";
    }
    transport.setFrame?.(sync.frame);
    autoAdjustDelay();
    const depth = sync.rollback();
    if (depth > 0) {
      counters.rollbacks++;
      counters.rollbackFrames += depth;
      counters.lastRollbackDepth = depth;
      if (depth > counters.maxRollbackDepth) counters.maxRollbackDepth = depth;
      if (listeners.length > 0) emit({ type: "rollback", frame: sync.frame - depth, depth });
    }
    finalize();
    if (ticks % QUALITY_EVERY_TICKS === 0) {
      const skew = Math.round(timeSync.skew * 100) / 100;
      transport.sendControl({
        kind: "quality",
        frame: sync.frame,
        advantage: Math.max(-I16, Math.min(I16, skew)),
      });
    }

    const frame = sync.frame;
    // Frames before the first delayed one carry no input; they are sent on the first tick (even a
    // stalled one, or lockstep could never start) so the peer gets our inputs from frame 0.
    while (local.confirmedFrame < frame + inputDelay - 1) {
      local.add(local.confirmedFrame + 1, lastLocalInput);
      transport.sendInput(local.confirmedFrame, lastLocalInput);
    }
    if (frame - remote.confirmedFrame > maxPrediction) {
      counters.stalls++;
      if (listeners.length > 0) emit({ type: "stall", frame });
      return "stalled";
    }
    const advice = timeSync.update(frame, now(), rtt());
    if (advice === "skip") {
      counters.skippedTicks++;
      return "skipped";
    }
    sendLocal(frame, localInput);
    sync.advance();
    finalize();
    // Behind the peer: a second frame this tick, within the prediction window.
    if (advice === "catch-up" && sync.frame - remote.confirmedFrame <= maxPrediction) {
      counters.catchUps++;
      sendLocal(sync.frame, localInput);
      sync.advance();
      finalize();
    }
    const resimulated = sync.refreshSparse();
    if (resimulated > 0) counters.rollbackFrames += resimulated;
    return "advanced";
  }

  return {
    tick,
    get frame() {
      return sync.frame;
    },
    get confirmedFrame() {
      return lastFinal;
    },
    get state() {
      return state;
    },
    checksum(frame) {
      return frame <= lastFinal ? history.get(frame) : undefined;
    },
    stats() {
      const link = transport.stats();
      return {
        frame: sync.frame,
        confirmedFrame: lastFinal,
        inputDelay,
        maxPrediction,
        predictedFrames: Math.max(0, sync.frame - 1 - remote.confirmedFrame),
        ...counters,
        malformed: counters.malformed + (link.malformed ?? 0),
        rejected: counters.rejected + timeSync.rejected + (link.rejected ?? 0),
        localAdvantage: timeSync.skew,
        remoteAdvantage,
        skew: timeSync.skew,
        rttMs: link.rttMs,
        lossRate: link.lossRate,
        packetsSent: link.packetsSent,
        packetsReceived: link.packetsReceived,
        packetsLost: link.packetsLost,
      };
    },
    onEvent(listener) {
      listeners.push(listener);
      return () => {
        const i = listeners.indexOf(listener);
        if (i !== -1) listeners.splice(i, 1);
      };
    },
    close() {
      if (state === "running") stop();
    },
    get inputDelay() {
      return inputDelay;
    },
    setInputDelay(frames) {
      inputDelay = intOption("inputDelay", frames, inputDelay, MAX_INPUT_DELAY);
      if (inputDelay === 0 && maxPrediction === 0) {
        throw new RangeError("lockstep (maxPrediction 0) needs an inputDelay of at least 1");
      }
      autoDelay = false;
    },
  };
}

/** Checksums of consecutive frames from 0, keeping at least the newest `limit` (4 B each). */
function createChecksumHistory(limit: number) {
  const CHUNK = 4096;
  const chunks: Uint32Array[] = [];
  let base = 0; // frame of chunks[0][0]
  let next = 0; // next frame to push
  return {
    push(frame: number, checksum: number): void {
      if (frame !== next) throw new Error(`checksum history: frame ${frame}, expected ${next}`);
      const i = frame - base;
      if (i % CHUNK === 0) chunks.push(new Uint32Array(CHUNK));
      chunks[(i / CHUNK) | 0][i % CHUNK] = checksum;
      next++;
      // Drop the oldest chunk only when what remains still covers `limit` frames.
      if (next - base - CHUNK >= limit) {
        chunks.shift();
        base += CHUNK;
      }
    },
    get(frame: number): number | undefined {
      if (!Number.isInteger(frame) || frame < base || frame >= next) return undefined;
      const i = frame - base;
      return chunks[(i / CHUNK) | 0][i % CHUNK];
    },
  };
}
