/**
 * Desync detection on confirmed frames, as plain state and functions that return effects: every
 * `checksumInterval` frames, once final, a frame's checksum goes to the peer; the peer's checksums
 * are compared with ours as both become known; on a mismatch each side sends the bytes of its
 * state (when the game can serialize and the dump is small enough) so both get both dumps.
 *
 * Hostile peers: each checksum frame is compared once (repeats, frames the peer cannot have
 * confirmed yet and state dumps nobody asked for count in `malformed`); every map is bounded.
 *
 * @module
 */

import { MAX_STATE_BYTES } from "../../../shared/peer_protocol.ts";
import type { ChecksumHistory } from "./checksum_history.ts";
import type { SessionEffect } from "./session_effect.ts";
import type { EffectSink } from "../effect_list.ts";

// Peer checksums of frames we have not finalized: at most one per frame of the window between
// our last final frame and our newest input (the input queue's capacity bounds it).
const MAX_PENDING_CHECKSUMS = 256;
const MAX_KEPT_DUMPS = 8;

/** The detector's state (owned by one session core). */
export interface DesyncState {
  /** Frames between two checksums we send; 0 disables detection. */
  readonly interval: number;
  /** Newest frame the peer sent a checksum for (they come in order). */
  lastRemoteChecksumFrame: number;
  /** frame -> peer checksum, ours not final yet. */
  readonly pendingRemote: Map<number, number>;
  /** frame -> our state bytes, until compared. */
  readonly dumps: Map<number, Uint8Array>;
  /** frame -> our bytes of desynced frames. */
  readonly desyncDumps: Map<number, Uint8Array>;
  /** Frames that desynced (bounded with the dumps). */
  readonly desyncFrames: Set<number>;
  /** Desync frames whose peer dump arrived (once each). */
  readonly statesSeen: Set<number>;
  checksumsChecked: number;
  desyncs: number;
  malformed: number;
}

/** A detector with nothing seen yet. */
export function createDesyncState(interval: number): DesyncState {
  return {
    interval,
    lastRemoteChecksumFrame: -1,
    pendingRemote: new Map(),
    dumps: new Map(),
    desyncDumps: new Map(),
    desyncFrames: new Set(),
    statesSeen: new Set(),
    checksumsChecked: 0,
    desyncs: 0,
    malformed: 0,
  };
}

/**
 * Forgets what the peer said (a new peer after a resume): its pending checksums, and the order
 * its checksums must follow, which now starts after `lastFinal`. Our own dumps stay.
 */
export function forgetPeer(d: DesyncState, lastFinal: number): void {
  d.pendingRemote.clear();
  d.lastRemoteChecksumFrame = lastFinal;
}

function keep<V>(map: Map<number, V>, key: number, value: V): void {
  map.set(key, value);
  if (map.size > MAX_KEPT_DUMPS) map.delete(map.keys().next().value as number);
}

function compare(
  d: DesyncState,
  frame: number,
  mine: number,
  theirs: number,
  out: EffectSink<SessionEffect>,
): void {
  d.checksumsChecked++;
  const dump = d.dumps.get(frame);
  d.dumps.delete(frame);
  if (mine === theirs) return;
  d.desyncs++;
  d.desyncFrames.add(frame);
  if (d.desyncFrames.size > MAX_KEPT_DUMPS) {
    d.desyncFrames.delete(d.desyncFrames.values().next().value as number);
  }
  out.push({ type: "event", event: { type: "desync", frame, local: mine, remote: theirs } });
  if (dump) {
    keep(d.desyncDumps, frame, dump);
    if (dump.length <= MAX_STATE_BYTES) {
      out.push({ type: "send-control", message: { kind: "state", frame, state: dump } });
    }
  }
}

/**
 * Our `frame` just became final with `checksum`: sends it on interval frames (with the state's
 * bytes kept, from `dump`, when it can give them) and compares it with a checksum already here.
 */
export function onLocalFinal(
  d: DesyncState,
  frame: number,
  checksum: number,
  dump: () => Uint8Array | undefined,
  out: EffectSink<SessionEffect>,
): void {
  if (d.interval > 0 && frame % d.interval === 0) {
    out.push({ type: "send-control", message: { kind: "checksum", frame, checksum } });
    const bytes = dump();
    if (bytes) keep(d.dumps, frame, bytes);
  }
  // Checked for every frame, not just ours: the peer may use another interval.
  if (d.pendingRemote.size > 0) {
    const theirs = d.pendingRemote.get(frame);
    if (theirs !== undefined) {
      d.pendingRemote.delete(frame);
      compare(d, frame, checksum, theirs, out);
    }
  }
}

/**
 * The peer's checksum of `frame`. `localConfirmed` is our newest input frame (the peer cannot
 * have finalized past it), `lastFinal` our newest final frame, `history` our checksums.
 */
export function onRemoteChecksum(
  d: DesyncState,
  frame: number,
  checksum: number,
  localConfirmed: number,
  lastFinal: number,
  history: ChecksumHistory,
  out: EffectSink<SessionEffect>,
): void {
  if (d.interval === 0) return;
  // An honest peer finalizes frames in order, each once, and only frames it has our input for.
  if (frame <= d.lastRemoteChecksumFrame || frame > localConfirmed) {
    d.malformed++;
    return;
  }
  d.lastRemoteChecksumFrame = frame;
  if (frame <= lastFinal) {
    const mine = history.get(frame);
    if (mine !== undefined) compare(d, frame, mine, checksum, out);
  } else if (d.pendingRemote.size < MAX_PENDING_CHECKSUMS) {
    d.pendingRemote.set(frame, checksum);
  } else {
    d.malformed++;
  }
}

/** The peer's state dump of `frame`. */
export function onRemoteState(
  d: DesyncState,
  frame: number,
  bytes: Uint8Array,
  out: EffectSink<SessionEffect>,
): void {
  // Only a dump of a frame that desynced, or may yet (its checksum is pending), and only once.
  if (d.statesSeen.has(frame) || !(d.desyncFrames.has(frame) || d.pendingRemote.has(frame))) {
    d.malformed++;
    return;
  }
  d.statesSeen.add(frame);
  if (d.statesSeen.size > MAX_KEPT_DUMPS) d.statesSeen.delete(d.statesSeen.values().next().value!);
  out.push({
    type: "event",
    event: {
      type: "desync-state",
      frame,
      local: d.desyncDumps.get(frame) ?? d.dumps.get(frame) ?? null,
      remote: bytes,
    },
  });
}
