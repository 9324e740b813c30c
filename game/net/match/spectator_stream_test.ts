import assert from "node:assert/strict";
import type { StreamBatch } from "../spectate/stream_batcher.ts";
import type { StreamLog } from "../spectate/stream_cursor.ts";
import { testHeader } from "../testing/stream_header.ts";
import { createSpectatorStream, type SpectatorStreamOptions } from "./spectator_stream.ts";

/** A log of `n` frames (two bytes each) that can grow. */
function logOf(n: number): StreamLog & { frames: number } {
  return { frames: n, inputs: (from, to) => new Uint8Array((to - from) * 2) };
}

/** A stream whose sink keeps the batches, acknowledged up to `acked.frame`. */
function streamWith(opts: Partial<SpectatorStreamOptions> = {}) {
  const batches: StreamBatch[] = [];
  const acked = { frame: 1_000_000 };
  let ended = 0;
  const stream = createSpectatorStream({
    sink: (b) => batches.push(b),
    end: () => ended++,
    ackedFrame: () => acked.frame,
    ...opts,
  });
  return { stream, batches, acked, ended: () => ended };
}

Deno.test("streams from frame 0 once the log opens, the header on the first batch", () => {
  const { stream, batches } = streamWith();
  assert.equal(stream.streaming, false);
  const log = logOf(16);
  stream.open(log, () => testHeader);
  assert.equal(stream.streaming, true);
  stream.send(0, false);
  assert.deepEqual(batches.map((b) => b.from), [0, 8]);
  assert.deepEqual(batches[0].header, testHeader);
  assert.equal(batches[1].header, undefined);
});

Deno.test("without fromStart nothing streams until the lobby says from where", () => {
  const { stream, batches } = streamWith({ fromStart: false });
  stream.open(logOf(24), () => testHeader);
  stream.send(0, false);
  assert.equal(stream.streaming, false);
  assert.equal(batches.length, 0);
  stream.from(8);
  stream.send(0, false);
  assert.deepEqual(batches.map((b) => b.from), [8, 16]);
});

Deno.test("a frame asked for before the log opens is where the stream starts", () => {
  const { stream, batches } = streamWith({ fromStart: false });
  stream.from(16);
  assert.equal(stream.streaming, false);
  stream.open(logOf(24), () => testHeader);
  stream.send(0, false);
  assert.deepEqual(batches.map((b) => b.from), [16]);
});

Deno.test("from rewinds a running stream, and ignores frames that are not frames", () => {
  const { stream, batches } = streamWith();
  stream.open(logOf(16), () => testHeader);
  stream.send(0, false);
  stream.from(-1);
  stream.from(2.5);
  stream.send(1, false);
  assert.deepEqual(batches.map((b) => b.from), [0, 8]);
  stream.from(8);
  stream.send(2, false);
  assert.deepEqual(batches.map((b) => b.from), [0, 8, 8]);
});

Deno.test("frames the peer has not acknowledged are held back", () => {
  const { stream, batches, acked } = streamWith();
  stream.open(logOf(16), () => testHeader);
  acked.frame = 6; // frames 0..6 settled: not a full batch
  stream.send(0, false);
  assert.equal(batches.length, 0);
  acked.frame = 7;
  stream.send(0, false);
  assert.deepEqual(batches.map((b) => b.from), [0]);
});

Deno.test("send with all flushes the rest, ends once, and sends nothing after", () => {
  const { stream, batches, ended } = streamWith();
  const log = logOf(11);
  stream.open(log, () => testHeader);
  stream.send(0, true);
  assert.deepEqual(batches.map((b) => b.from), [0, 8]);
  assert.equal(ended(), 1);
  assert.equal(stream.over, true);
  log.frames = 30;
  stream.from(0);
  stream.send(1, true);
  assert.equal(batches.length, 2);
  assert.equal(ended(), 1);
});

Deno.test("a stream that was never started ends without calling end", () => {
  const { stream, ended } = streamWith({ fromStart: false });
  stream.open(logOf(11), () => testHeader);
  stream.send(0, true);
  assert.equal(ended(), 0);
  assert.equal(stream.over, false);
});

Deno.test("a dropped log sends nothing, not even the end", () => {
  const { stream, batches, ended } = streamWith();
  stream.open(logOf(16), () => testHeader);
  stream.drop();
  stream.send(0, true);
  assert.equal(batches.length, 0);
  assert.equal(ended(), 0);
});

Deno.test("a sink that throws ends the stream for good without throwing", () => {
  const errors: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => errors.push(args);
  try {
    let calls = 0;
    const { stream, ended } = streamWith({
      sink: () => {
        calls++;
        throw new Error("socket gone");
      },
    });
    stream.open(logOf(16), () => testHeader);
    stream.send(0, false);
    assert.equal(calls, 1);
    assert.equal(stream.over, true);
    assert.equal(stream.streaming, false);
    stream.from(0);
    stream.send(1, true);
    assert.equal(calls, 1);
    assert.equal(ended(), 0);
    assert.equal(errors.length, 1);
  } finally {
    console.error = original;
  }
});

Deno.test("the header is read when the cursor starts, not when the log opens", () => {
  const { stream, batches } = streamWith({ fromStart: false });
  let seed = 1;
  stream.open(logOf(16), () => ({ ...testHeader, seed }));
  seed = 2;
  stream.from(0);
  stream.send(0, false);
  assert.equal(batches[0].header?.seed, 2);
});

Deno.test("without a sink the stream never starts", () => {
  const stream = createSpectatorStream({ ackedFrame: () => 100 });
  stream.open(logOf(16), () => testHeader);
  stream.from(0);
  assert.equal(stream.streaming, false);
});
