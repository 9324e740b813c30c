import assert from "node:assert/strict";
import { parseClientMessage } from "../../../shared/lobby_protocol.ts";
import { decodeStreamInputs } from "../../../shared/stream_inputs.ts";
import { createStreamBatcher } from "./stream_batcher.ts";
import { testHeader } from "../testing/stream_header.ts";

const header = testHeader;

Deno.test("full batches in order, the header on the first, every frame once", () => {
  const b = createStreamBatcher(header, 4);
  for (let f = 0; f < 10; f++) b.push(f, f, 255 - f);
  const batches = b.take();
  assert.deepEqual(batches.map((x) => x.from), [0, 4]);
  assert.deepEqual(batches[0].header, header);
  assert.equal(batches[1].header, undefined);
  assert.deepEqual(
    decodeStreamInputs(batches[1].inputs),
    Uint8Array.of(4, 251, 5, 250, 6, 249, 7, 248),
  );
  assert.deepEqual(b.take(), [], "frames 8 and 9 wait for a full batch");
  const rest = b.take(true);
  assert.deepEqual(rest.map((x) => [x.from, x.inputs]), [[8, "08f709f6"]]);
  assert.deepEqual(b.take(true), []);
  for (const x of [...batches, ...rest]) {
    assert.ok(parseClientMessage(JSON.stringify({ type: "stream", ...x })).ok);
  }
});

Deno.test("frames out of order are ignored and counted", () => {
  const b = createStreamBatcher(header, 2);
  b.push(0, 1, 1);
  b.push(2, 1, 1);
  b.push(0, 1, 1);
  b.push(1, 2, 2);
  assert.equal(b.rejected, 2);
  assert.equal(b.frames, 2);
  assert.deepEqual(b.take().map((x) => x.inputs), ["01010202"]);
});

Deno.test("a batcher never taken from stops growing instead of holding the whole match", () => {
  const b = createStreamBatcher(header, 8);
  for (let f = 0; f < 10_000; f++) b.push(f, 0, 0);
  assert.ok(b.frames < 10_000);
  assert.ok(b.rejected > 0);
  assert.equal(b.take(true).reduce((n, x) => n + x.inputs.length / 4, 0), b.frames);
});
