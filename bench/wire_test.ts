import assert from "node:assert/strict";
import { decodeInputPacket, encodeInputPacket } from "../shared/peer_protocol.ts";
import { jsonDecode, jsonEncode, samplePacket, steadyState, wireBytes } from "./wire.ts";

Deno.test("sample packets carry the asked-for frames and both codecs round-trip them", () => {
  const p = samplePacket(8, 3600);
  assert.equal(p.inputs.length, 8);
  assert.equal(p.start, 3593);
  const d = decodeInputPacket(encodeInputPacket(p));
  assert.ok(d.ok);
  assert.deepEqual(d.value.inputs, p.inputs);
  assert.deepEqual(jsonDecode(jsonEncode(p)), p);
});

Deno.test("wireBytes adds the stated per-packet overhead and pads SCTP chunks to 4 bytes", () => {
  assert.equal(wireBytes(0), 109);
  assert.equal(wireBytes(1), 113);
  assert.equal(wireBytes(4), 113);
  assert.equal(wireBytes(5), 117);
});

Deno.test("the transport's steady state delivers every frame on a clean link, each tick's packet plus its half-frame resend", () => {
  const s = steadyState(120, 0, 0);
  assert.ok(Math.abs(s.inputPacketsPerS - 120) < 1e-6);
  assert.ok(s.deliveredFrames >= 119);
  assert.ok(s.meanInputPacketBytes > 5 && s.meanInputPacketBytes < 40);
});
