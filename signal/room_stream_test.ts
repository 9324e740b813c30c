import assert from "node:assert/strict";
import type { StreamHeader } from "../shared/lobby_protocol.ts";
import { backlog, closeStream, resumeFrom, type RoomStream, takeBatch } from "./room_stream.ts";

const header: StreamHeader = {
  game: "g",
  version: "1",
  seed: 1,
  names: ["A", "B"],
  options: [null, null],
};
const MAX = 1024;

/** A stream that took frames 0..n-1 (input bytes = frame number). */
function streamOf(n: number): RoomStream {
  const inputs = Array.from({ length: n }, (_, f) => hex(f) + hex(f)).join("");
  const v = takeBatch(null, { from: 0, inputs, header }, MAX);
  assert.equal(v.kind, "take");
  return (v as Extract<typeof v, { kind: "take" }>).stream;
}

function hex(f: number): string {
  return (f & 0xff).toString(16).padStart(2, "0");
}

Deno.test("a stream starts at frame 0 with its header, and only so", () => {
  assert.deepEqual(takeBatch(null, { from: 0, inputs: "0000" }, MAX), {
    kind: "refuse",
    message: "a stream starts at frame 0 with its header",
  });
  assert.equal(takeBatch(null, { from: 3, inputs: "0000", header }, MAX).kind, "refuse");
  const v = takeBatch(null, { from: 0, inputs: "00000101", header }, MAX);
  assert.equal(v.kind, "take");
  if (v.kind !== "take") return;
  assert.deepEqual([v.from, v.inputs, v.header, v.stream.frames], [0, "00000101", header, 2]);
});

Deno.test("the next batch is taken from the next frame; a later one asks for a resend", () => {
  const s = streamOf(2);
  const next = takeBatch(s, { from: 2, inputs: "0202" }, MAX);
  assert.deepEqual(next.kind === "take" && [next.from, next.inputs, next.header], [
    2,
    "0202",
    undefined,
  ]);
  assert.deepEqual(takeBatch(s, { from: 5, inputs: "0505" }, MAX), { kind: "resend", from: 3 });
  assert.equal(s.frames, 3, "a gap takes nothing");
});

Deno.test("repeats are cut to their new frames; a pure repeat is dropped; nothing is rewritten", () => {
  const s = streamOf(3);
  assert.deepEqual(takeBatch(s, { from: 1, inputs: "ffffffff" }, MAX), { kind: "drop" });
  assert.deepEqual(takeBatch(s, { from: 0, inputs: "ffffffffffff", header }, MAX), {
    kind: "drop",
  });
  const cut = takeBatch(s, { from: 1, inputs: "ffffffff0303" }, MAX);
  assert.deepEqual(cut.kind === "take" && [cut.from, cut.inputs], [3, "0303"]);
  assert.equal(backlog(s), "000001010202" + "0303");
  assert.equal(s.frames, 4);
});

Deno.test("another header is refused; the same one again is a repeat", () => {
  const s = streamOf(1);
  const other = { ...header, seed: 2 };
  assert.equal(takeBatch(s, { from: 0, inputs: "0000", header: other }, MAX).kind, "refuse");
  assert.equal(takeBatch(s, { from: 1, inputs: "0101", header: other }, MAX).kind, "refuse");
  assert.equal(takeBatch(s, { from: 0, inputs: "00000101", header }, MAX).kind, "take");
  assert.equal(s.frames, 2);
});

Deno.test("the backlog is bounded: past it the stream is too long, and nothing is kept", () => {
  const s = streamOf(2);
  assert.deepEqual(takeBatch(s, { from: 2, inputs: "0202" }, 8), { kind: "too-long" });
  assert.equal(s.frames, 2);
  // A repeat's cut part is what counts: repeating frames costs no backlog.
  assert.deepEqual(takeBatch(s, { from: 0, inputs: "00000101", header }, 8), { kind: "drop" });
});

Deno.test("an ended stream drops late batches until a new one starts from 0 with a header", () => {
  const s = streamOf(2);
  closeStream(s);
  assert.deepEqual(s.chunks, []);
  assert.deepEqual(takeBatch(s, { from: 2, inputs: "0202" }, MAX), { kind: "drop" });
  const fresh = takeBatch(s, { from: 0, inputs: "0909", header: { ...header, seed: 9 } }, MAX);
  assert.equal(fresh.kind, "take");
  if (fresh.kind !== "take") return;
  assert.notEqual(fresh.stream, s);
  assert.equal(fresh.stream.frames, 1);
});

Deno.test("a returning streamer goes on from the next frame; from 0 before any; not once ended", () => {
  assert.equal(resumeFrom(null), 0);
  const s = streamOf(5);
  assert.equal(resumeFrom(s), 5);
  closeStream(s);
  assert.equal(resumeFrom(s), null);
});

Deno.test("the backlog is joined once and kept joined", () => {
  const s = streamOf(1);
  takeBatch(s, { from: 1, inputs: "0101" }, MAX);
  takeBatch(s, { from: 2, inputs: "0202" }, MAX);
  assert.equal(s.chunks.length, 3);
  assert.equal(backlog(s), "000001010202");
  assert.equal(s.chunks.length, 1);
  assert.equal(backlog(streamOf(0 + 1)), "0000");
});
