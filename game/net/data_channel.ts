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
 * Messages kept while nobody listens yet. The two channels open in separate events and the input
 * transport takes them over only once both are open, so the peer's first control message (its
 * intro) can arrive in between; a handshake must not hinge on that ordering.
 */
export const MAX_EARLY_MESSAGES = 64;
/** Bytes kept while nobody listens yet; past this (or past the count) early messages are dropped. */
export const MAX_EARLY_BYTES = 256 * 1024;

/**
 * Wraps a DataChannel as a {@link PacketChannel}: sends are dropped (never thrown) unless the
 * channel is open, and every message arrives as bytes. Messages that arrive before `onmessage`
 * is set are kept (up to {@link MAX_EARLY_MESSAGES} and {@link MAX_EARLY_BYTES}) and handed to
 * the first receiver.
 *
 * @example
 * ```ts
 * const control = adaptChannel(pc.createDataChannel("control", CONTROL_CHANNEL_INIT));
 * control.onmessage = (bytes) => decode(bytes);
 * ```
 */
export function adaptChannel(dc: DataChannelLike): PacketChannel {
  dc.binaryType = "arraybuffer";
  let receiver: ((data: Uint8Array) => void) | null = null;
  let early: Uint8Array[] | null = [];
  let earlyBytes = 0;
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
    get onmessage() {
      return receiver;
    },
    set onmessage(cb) {
      receiver = cb;
      if (!cb || !early) return;
      const kept = early;
      early = null; // only the first receiver gets them; later ones start from now
      for (const bytes of kept) receiver?.(bytes);
    },
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
    if (receiver) receiver(bytes);
    else if (
      early && early.length < MAX_EARLY_MESSAGES && earlyBytes + bytes.length <= MAX_EARLY_BYTES
    ) {
      early.push(bytes);
      earlyBytes += bytes.length;
    }
  };
  return channel;
}
