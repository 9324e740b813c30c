import assert from "node:assert/strict";
import { parseClientMessage } from "../../../shared/lobby_protocol.ts";
import { STREAM_FRAME_BURST, STREAM_FRAMES_PER_SECOND } from "../../../shared/limits.ts";
import { decodeStreamInputs } from "../../../shared/stream_inputs.ts";
import { createReplayRecorder } from "../replay/replay_recorder.ts";
import type { StreamBatch } from "./stream_batcher.ts";
import {
  createStreamCursor,
  CURSOR_FRAME_BURST,
  CURSOR_FRAMES_PER_SECOND,
  streamableFrames,
  type StreamLog,
} from "./stream_cursor.ts";
import { testHeader } from "../testing/stream_header.ts";

const header = testHeader;

/** A recorder holding frames 0..n-1, player 0's input = frame & 255, player 1's = 255 - that. */
function logOf(n: number) {
  const r = createReplayRecorder({ ...header, names: ["A", "B"], options: [null, null] });
  const grow = (to: number) => {
    for (let f = r.frames; f < to; f++) r.record(f, f & 0xff, 255 - (f & 0xff), 0);
  };
  grow(n);
  return { log: r as StreamLog, grow };
}

/** The frames `batches` carry, checked to follow on from `first`. */
function framesOf(batches: StreamBatch[], first: number): number[] {
  const out: number[] = [];
  let next = first;
  for (const b of batches) {
    assert.equal(b.from, next, "batches follow on");
    const bytes = decodeStreamInputs(b.inputs)!;
    for (let i = 0; i < bytes.length; i += 2) {
      assert.equal(bytes[i + 1], 255 - bytes[i]);
      out.push(next + i / 2);
    }
    next += bytes.length / 2;
    assert.ok(parseClientMessage(JSON.stringify({ type: "stream", ...b })).ok);
  }
  return out;
}

Deno.test("live: full batches from frame 0, the header on the first, every frame once", () => {
  const { log, grow } = logOf(10);
  const c = createStreamCursor(header, { every: 4 });
  const first = c.take(log, 0);
  assert.deepEqual(first.map((b) => [b.from, b.header !== undefined]), [[0, true], [4, false]]);
  assert.deepEqual(c.take(log, 10), [], "frames 8 and 9 wait for a full batch");
  grow(13);
  const next = c.take(log, 20);
  assert.deepEqual(framesOf(next, 8), [8, 9, 10, 11]);
  assert.deepEqual(framesOf(c.take(log, 30, true), 12), [12]);
  assert.deepEqual(c.take(log, 40, true), []);
  assert.equal(c.next, 13);
});

Deno.test("rewind resends from the lobby's frame; a frame beyond the log waits for it", () => {
  const { log, grow } = logOf(40);
  const c = createStreamCursor(header, { every: 8 });
  framesOf(c.take(log, 0), 0);
  assert.equal(c.next, 40);
  c.rewind(24);
  assert.deepEqual(framesOf(c.take(log, 1000), 24), Array.from({ length: 16 }, (_, i) => 24 + i));
  c.rewind(50);
  assert.deepEqual(c.take(log, 2000), []);
  grow(57);
  assert.deepEqual(c.take(log, 3000), [], "frames 50..56 are not a full batch yet");
  grow(58);
  assert.deepEqual(framesOf(c.take(log, 4000), 50), [50, 51, 52, 53, 54, 55, 56, 57]);
  c.rewind(-1);
  c.rewind(1.5);
  assert.equal(c.next, 58, "nonsense is ignored");
  c.rewind(0);
  assert.ok(c.take(log, 5000)[0].header, "from 0 again: with the header");
});

Deno.test("a page that took the seat back starts where the lobby is, not at 0", () => {
  const { log } = logOf(100);
  const c = createStreamCursor(header, { every: 8, from: 90 });
  assert.deepEqual(
    framesOf(c.take(log, 0, true), 90),
    Array.from({ length: 10 }, (_, i) => 90 + i),
  );
});

Deno.test("catching up is paced under the lobby's limit, and gets there", () => {
  assert.ok(CURSOR_FRAMES_PER_SECOND < STREAM_FRAMES_PER_SECOND);
  assert.ok(CURSOR_FRAME_BURST < STREAM_FRAME_BURST);
  // 20 s of play missing (a lobby connection that stayed down for the grace period), and play
  // going on at 60 frames a second meanwhile.
  const { log, grow } = logOf(1200);
  const c = createStreamCursor(header, { every: 8 });
  // The lobby's bucket, as lobby_session.ts keeps it.
  let tokens = STREAM_FRAME_BURST;
  let last = 0;
  let sent = 0;
  for (let t = 0; t <= 60_000; t += 1000 / 60) {
    grow(1200 + Math.floor((t * 60) / 1000));
    tokens = Math.min(STREAM_FRAME_BURST, tokens + ((t - last) * STREAM_FRAMES_PER_SECOND) / 1000);
    last = t;
    for (const b of c.take(log, t)) {
      const n = b.inputs.length / 4;
      assert.ok(n <= 60);
      assert.ok(tokens >= n, `over the lobby's rate at ${t.toFixed(0)} ms`);
      tokens -= n;
      sent += n;
    }
  }
  assert.ok(log.frames - c.next < 16, `still ${log.frames - c.next} frames behind after 60 s`);
  assert.equal(sent, c.next);
});

Deno.test("streamableFrames: confirmed frames up to the newest the peer acknowledged", () => {
  assert.equal(streamableFrames(100, 79), 80);
  assert.equal(streamableFrames(50, 79), 50);
  assert.equal(streamableFrames(10, -1), 0);
});
