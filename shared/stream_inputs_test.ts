import assert from "node:assert/strict";
import { decodeStreamInputs, encodeStreamInputs } from "./stream_inputs.ts";
import { parseClientMessage } from "./lobby_protocol.ts";

Deno.test("stream inputs round-trip every byte value, and the lobby accepts the text", () => {
  const bytes = Uint8Array.from({ length: 256 * 2 }, (_, i) => (i * 7) & 0xff);
  const text = encodeStreamInputs(bytes);
  assert.equal(text.length, bytes.length * 2);
  assert.deepEqual(decodeStreamInputs(text), bytes);
  const batch = encodeStreamInputs(bytes.subarray(0, 120));
  assert.ok(parseClientMessage(JSON.stringify({ type: "stream", from: 0, inputs: batch })).ok);
});

Deno.test("damaged stream text decodes to null", () => {
  for (const bad of ["0", "000", "00AA", "zz00", "00 0", "0000x"]) {
    assert.equal(decodeStreamInputs(bad), null, bad);
  }
  assert.deepEqual(decodeStreamInputs(""), new Uint8Array(0));
});
