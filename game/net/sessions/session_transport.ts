/**
 * What a P2P session needs from its input transport (an `InputTransport` fits), and the link
 * numbers it passes through to its stats.
 *
 * @module
 */

import type { ControlMessage } from "../../../shared/peer_protocol.ts";
import type { LinkState } from "../input_transport.ts";

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
  /**
   * Optional: writes `stats().rttMs` and `stats().rttMinMs` (0 when unknown) into `into`. The
   * session reads the RTT every tick; with this it builds no stats object to do so.
   */
  readRtt?(into: { rttMs: number; rttMinMs: number }): void;
  onState?: ((state: LinkState) => void) | null;
  poll?(): void;
  /**
   * Starts the input streams mid-match, before any input went either way (a resume): our next
   * input frame and the peer's. Without it, a resumed session assumes the transport needs no
   * telling (the frames it carries are all it knows).
   */
  startAt?(nextLocal: number, nextRemote: number): void;
}
