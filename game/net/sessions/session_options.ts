/**
 * The options of a P2P session and their validation, once, up front (as GGRS's
 * `SessionBuilder`): the core only ever sees a {@link SessionConfig} whose every number is in range.
 *
 * @module
 */

import type { RollbackGame } from "../game.ts";
import type { TimeSyncOptions } from "../time_sync.ts";
import type { SessionTransport } from "./session_transport.ts";

/** Options of `createP2PSession`. */
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

/** The validated numbers a session core runs with. */
export interface SessionConfig {
  localPlayer: 0 | 1;
  inputDelay: number;
  maxPrediction: number;
  checksumInterval: number;
  checksumHistory: number;
  sparseSaving: boolean;
  timeSync?: TimeSyncOptions;
  /** Bounds of the automatic input delay, null when it is off. */
  autoInputDelay: { min: number; max: number } | null;
}

/** The largest input delay (frames). */
export const MAX_INPUT_DELAY = 30;

/** An integer option in `min..max`, `dflt` when absent; a RangeError naming it otherwise. */
export function intOption(
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

/** Throws when an input delay cannot run with this prediction window. */
export function checkLockstep(inputDelay: number, maxPrediction: number): void {
  if (inputDelay === 0 && maxPrediction === 0) {
    throw new RangeError("lockstep (maxPrediction 0) needs an inputDelay of at least 1");
  }
}

/** Validates the options (a RangeError names the first bad one). */
export function resolveSessionConfig(opts: P2PSessionOptions<unknown>): SessionConfig {
  const { localPlayer } = opts;
  if (localPlayer !== 0 && localPlayer !== 1) {
    throw new RangeError(`localPlayer must be 0 or 1, got ${localPlayer}`);
  }
  const inputDelay = intOption("inputDelay", opts.inputDelay, 2, MAX_INPUT_DELAY);
  const maxPrediction = intOption("maxPrediction", opts.maxPrediction, 8, 60);
  checkLockstep(inputDelay, maxPrediction);
  const checksumInterval = intOption("checksumInterval", opts.checksumInterval, 60, 1e6);
  const checksumHistory = intOption("checksumHistory", opts.checksumHistory, 216_000, 1e8, 1);
  const a = opts.autoInputDelay;
  const auto = a
    ? {
      min: intOption("autoInputDelay.min", (a as { min?: number }).min, 1, 30),
      max: intOption("autoInputDelay.max", (a as { max?: number }).max, 6, 30),
    }
    : null;
  if (auto && auto.min > auto.max) throw new RangeError("autoInputDelay: min must be <= max");
  return {
    localPlayer,
    inputDelay,
    maxPrediction,
    checksumInterval,
    checksumHistory,
    sparseSaving: opts.sparseSaving === true,
    timeSync: opts.timeSync,
    autoInputDelay: auto,
  };
}
