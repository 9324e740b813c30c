/**
 * The two negotiated DataChannels of the design and their adapter to a {@link PacketChannel}:
 * id 0 `control` (reliable, ordered) and id 1 `input` (unordered, `maxRetransmits: 0`).
 *
 * @module
 */
import type { PacketChannel } from "./packet_channel.ts";

/** DataChannel settings shared by both peers; negotiated ids mean no in-band channel setup. */
export const CONTROL_CHANNEL_INIT: RTCDataChannelInit = { negotiated: true, id: 0, ordered: true };
/** The input channel trades reliability for latency: inputs are repeated until acked instead. */
export const INPUT_CHANNEL_INIT: RTCDataChannelInit = {
  negotiated: true,
  id: 1,
  ordered: false,
  maxRetransmits: 0,
};

const encoder = new TextEncoder();

/** The part of an RTCDataChannel the adapter uses. */
export type DataChannelLike = Pick<
  RTCDataChannel,
  "binaryType" | "readyState" | "send" | "onmessage"
>;

/**
 * Wraps a DataChannel as a {@link PacketChannel}: sends are dropped (never thrown) unless the
 * channel is open, and every message arrives as bytes.
 *
 * @example
 * ```ts
 * const control = adaptChannel(pc.createDataChannel("control", CONTROL_CHANNEL_INIT));
 * control.onmessage = (bytes) => decode(bytes);
 * ```
 */
export function adaptChannel(dc: DataChannelLike): PacketChannel {
  dc.binaryType = "arraybuffer";
  const channel: PacketChannel = {
    send(data) {
      // Before open or after close the packet is dropped: callers watch the connection state, and
      // the transport already treats every packet as losable.
      if (dc.readyState !== "open") return;
      try {
        dc.send(data as Uint8Array<ArrayBuffer>);
      } catch {
        // The send buffer is full or the channel closed under us: same as a lost packet.
      }
    },
    onmessage: null,
  };
  dc.onmessage = (ev: MessageEvent) => {
    const d = ev.data;
    // A string or Blob is not something duet sends; pass its bytes on so the decoder rejects and
    // counts it instead of it vanishing silently.
    const bytes = d instanceof ArrayBuffer
      ? new Uint8Array(d)
      : ArrayBuffer.isView(d)
      ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
      : encoder.encode(String(d));
    channel.onmessage?.(bytes);
  };
  return channel;
}
