/**
 * The smallest pipe the input transport needs. An RTCDataChannel is adapted to it in
 * `data_channel.ts`; the network simulator wraps one to add loss, delay and reordering, so the
 * transport and the rollback session run unchanged over a real channel or a simulated one.
 *
 * @module
 */

/** A message pipe for binary packets: an RTCDataChannel, or the network simulator wrapping one. */
export interface PacketChannel {
  /** Sends one packet; may silently drop it (the input channel is unreliable by design). */
  send(data: Uint8Array): void;
  /** Receiver of incoming packets; set by the consumer. */
  onmessage: ((data: Uint8Array) => void) | null;
}
