/**
 * Review (spectate across resume): the cursor's pacing must hold on every path, or the lobby's
 * per-connection limit (STREAM_FRAMES_PER_SECOND, burst STREAM_FRAME_BURST) refuses the batches
 * past it with `bad-stream` and the spectators never see them.
 */
import assert from "node:assert/strict";
import { STREAM_CHARS_PER_FRAME, STREAM_FRAME_BURST } from "../../../shared/limits.ts";
import { createReplayRecorder } from "../replay/replay_recorder.ts";
import { createStreamCursor } from "./stream_cursor.ts";
import { testHeader } from "../testing/stream_header.ts";

const header = testHeader;

Deno.test("the last take (the pairing closes) while catching up stays within the lobby's burst", () => {
  const r = createReplayRecorder(header);
  for (let f = 0; f < 5000; f++) r.record(f, 1, 2, 0);
  // A page that took the streaming seat back is told to resend from frame 0 (the lobby got no
  // batch before the old page went), then its pairing closes a moment later.
  const cursor = createStreamCursor(header, { from: 0 });
  cursor.rewind(0);
  const sent = cursor.take(r, 0, true).reduce(
    (n, b) => n + b.inputs.length / STREAM_CHARS_PER_FRAME,
    0,
  );
  assert.ok(
    sent <= STREAM_FRAME_BURST,
    `${sent} frames at once: the lobby takes ${STREAM_FRAME_BURST} and refuses the rest`,
  );
});
