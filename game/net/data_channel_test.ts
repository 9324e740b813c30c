import assert from "node:assert/strict";
import {
  adaptChannel,
  CONTROL_CHANNEL_INIT,
  type DataChannelLike,
  INPUT_CHANNEL_INIT,
  MAX_EARLY_BYTES,
  MAX_EARLY_MESSAGES,
} from "./data_channel.ts";

Deno.test("the two channels are negotiated: control reliable and ordered, input unordered without retransmits", () => {
  assert.deepEqual(CONTROL_CHANNEL_INIT, { negotiated: true, id: 0, ordered: true });
  assert.deepEqual(INPUT_CHANNEL_INIT, {
    negotiated: true,
    id: 1,
    ordered: false,
    maxRetransmits: 0,
  });
});

/** A DataChannel stand-in; the real one is exercised in game/e2e/net.spec.ts. */
function channel(readyState: RTCDataChannelState, send: (d: unknown) => void = () => {}) {
  return { binaryType: "blob", readyState, send, onmessage: null } as unknown as DataChannelLike;
}

const deliver = (dc: DataChannelLike, data: unknown) =>
  (dc.onmessage as (ev: MessageEvent) => void)({ data } as MessageEvent);

Deno.test("sends go out only while open, and a throwing send is a lost packet", () => {
  const sent: unknown[] = [];
  const dc = channel("connecting", (d) => sent.push(d));
  const ch = adaptChannel(dc);
  assert.equal(dc.binaryType, "arraybuffer");
  ch.send(new Uint8Array([1]));
  assert.equal(sent.length, 0);
  (dc as { readyState: string }).readyState = "open";
  ch.send(new Uint8Array([2]));
  assert.deepEqual(sent, [new Uint8Array([2])]);
  (dc as { readyState: string }).readyState = "closed";
  ch.send(new Uint8Array([3]));
  assert.equal(sent.length, 1);

  const full = adaptChannel(channel("open", () => {
    throw new DOMException("send queue is full", "OperationError");
  }));
  full.send(new Uint8Array([4])); // does not throw
});

Deno.test("every message arrives as bytes: buffers, views and strings alike", () => {
  const dc = channel("open");
  const ch = adaptChannel(dc);
  const got: number[][] = [];
  ch.onmessage = (d) => got.push([...d]);
  deliver(dc, new Uint8Array([1, 2]).buffer);
  deliver(dc, new Uint8Array([0, 3, 4, 0]).subarray(1, 3));
  deliver(dc, "hi");
  assert.deepEqual(got, [[1, 2], [3, 4], [104, 105]]);
});

Deno.test("messages that arrive before anyone listens are handed, in order, to the first receiver", () => {
  // The peer's intro can land between our two channels' open events, before the transport
  // takes the channels over.
  const dc = channel("open");
  const ch = adaptChannel(dc);
  deliver(dc, new Uint8Array([1]).buffer);
  deliver(dc, new Uint8Array([2]).buffer);
  const first: number[][] = [];
  ch.onmessage = (d) => first.push([...d]);
  assert.deepEqual(first, [[1], [2]]);
  deliver(dc, new Uint8Array([3]).buffer);
  assert.deepEqual(first, [[1], [2], [3]]);
  // A later receiver starts from its own time: nothing is delivered twice.
  const second: number[][] = [];
  ch.onmessage = null;
  deliver(dc, new Uint8Array([4]).buffer); // between receivers: gone
  ch.onmessage = (d) => second.push([...d]);
  deliver(dc, new Uint8Array([5]).buffer);
  assert.deepEqual(second, [[5]]);
});

Deno.test("a flood before anyone listens is cut at the count and byte limits, not kept whole", () => {
  const dc = channel("open");
  const ch = adaptChannel(dc);
  for (let i = 0; i < MAX_EARLY_MESSAGES + 10; i++) deliver(dc, new Uint8Array([i]).buffer);
  const got: number[] = [];
  ch.onmessage = (d) => got.push(d[0]);
  assert.equal(got.length, MAX_EARLY_MESSAGES);
  assert.deepEqual(got.slice(0, 3), [0, 1, 2]);

  const big = channel("open");
  const bigCh = adaptChannel(big);
  const chunk = new Uint8Array(100 * 1024);
  for (let i = 0; i < 5; i++) deliver(big, chunk.buffer);
  let bytes = 0;
  bigCh.onmessage = (d) => bytes += d.length;
  assert.ok(bytes <= MAX_EARLY_BYTES);
  assert.equal(bytes, 200 * 1024);
});
