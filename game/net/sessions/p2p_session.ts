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
 * - Input delay and prediction window are fixed for a session: to change them between matches,
 *   create a new session (and a new transport, whose frames start at 0 again).
 *
 * ## Events (`onEvent`)
 * `rollback {frame, depth}`, `stall {frame}`, `desync {frame, local, remote}`,
 * `desync-state {frame, local, remote}` (state bytes), `link {state}` (open, interrupted,
 * disconnected, closed), `message {message}` (app/bye/hello control messages) and
 * `error {message}` (the peer broke the input stream; the session stopped).
 *
 * ## Time sync
 * Every 4 ticks the session sends a `quality` report (its frame and its measured frame
 * advantage); the side running ahead skips a tick at most once a second until the two are within
 * about a frame (see time_sync.ts). `stats()` shows both advantages, the skew and skipped ticks.
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
 * @module
 */

import type { ControlMessage } from "../../../shared/peer_protocol.ts";
import { MAX_STATE_BYTES } from "../../../shared/peer_protocol.ts";
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
}

/** What the session needs from the input transport (an `InputTransport` fits). */
export interface SessionTransport {
  sendInput(frame: number, input: number): void;
  onInput: ((frame: number, input: number) => void) | null;
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
  /** Stops the session and detaches it from the transport (does not close the transport). */
  close(): void;
}

const QUALITY_EVERY_TICKS = 4;
const MAX_PENDING_CHECKSUMS = 64;
const MAX_KEPT_DUMPS = 8;

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
  const inputDelay = intOption("inputDelay", opts.inputDelay, 2, 30);
  const maxPrediction = intOption("maxPrediction", opts.maxPrediction, 8, 60);
  if (inputDelay === 0 && maxPrediction === 0) {
    throw new RangeError("lockstep (maxPrediction 0) needs an inputDelay of at least 1");
  }
  const checksumInterval = intOption("checksumInterval", opts.checksumInterval, 60, 1e6);
  const history = createChecksumHistory(
    intOption("checksumHistory", opts.checksumHistory, 216_000, 1e8, 1),
  );
  const sync = createSyncLayer({ game, maxRollback: maxPrediction });
  const local = sync.queues[localPlayer];
  const remote = sync.queues[localPlayer === 0 ? 1 : 0];
  const timeSync = createTimeSync(opts.timeSync);
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
    if (game.serialize) {
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
    if (frame <= lastFinal) {
      const mine = history.get(frame);
      if (mine !== undefined) compare(frame, mine, checksum);
    } else {
      keep(pendingRemote, frame, checksum, MAX_PENDING_CHECKSUMS);
    }
  }

  transport.onInput = (frame, input) => {
    if (state !== "running") return;
    try {
      remote.add(frame, input);
    } catch (e) {
      fail(`remote input rejected: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  transport.onControl = (msg) => {
    if (state !== "running") return;
    switch (msg.kind) {
      case "quality":
        timeSync.onReport(sync.frame, msg.frame, msg.advantage);
        break;
      case "checksum":
        onRemoteChecksum(msg.frame, msg.checksum >>> 0);
        break;
      case "state":
        emit({
          type: "desync-state",
          frame: msg.frame,
          local: desyncDumps.get(msg.frame) ?? dumps.get(msg.frame) ?? null,
          remote: msg.state,
        });
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

  function step(localInput: number): TickOutcome {
    ticks++;
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
      transport.sendControl({
        kind: "quality",
        frame: sync.frame,
        advantage: timeSync.localAdvantage,
      });
    }

    const frame = sync.frame;
    // Frames before the first delayed one carry no input; they are sent on the first tick (even a
    // stalled one, or lockstep could never start) so the peer gets our inputs from frame 0.
    while (local.confirmedFrame < frame + inputDelay - 1) {
      local.add(local.confirmedFrame + 1, 0);
      transport.sendInput(local.confirmedFrame, 0);
    }
    if (frame - remote.confirmedFrame > maxPrediction) {
      counters.stalls++;
      if (listeners.length > 0) emit({ type: "stall", frame });
      return "stalled";
    }
    if (timeSync.shouldSkip()) {
      counters.skippedTicks++;
      return "skipped";
    }
    local.add(frame + inputDelay, localInput);
    transport.sendInput(frame + inputDelay, localInput);
    sync.advance();
    finalize();
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
        localAdvantage: timeSync.localAdvantage,
        remoteAdvantage: timeSync.remoteAdvantage,
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
