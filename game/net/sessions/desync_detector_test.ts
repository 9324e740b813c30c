import assert from "node:assert/strict";
import { createChecksumHistory } from "./checksum_history.ts";
import {
  createDesyncState,
  forgetPeer,
  onLocalFinal,
  onRemoteChecksum,
  onRemoteState,
} from "./desync_detector.ts";
import type { SessionEffect } from "./session_effect.ts";

function finalize(upTo: number, sum: (f: number) => number, interval = 60) {
  const d = createDesyncState(interval);
  const history = createChecksumHistory(1000);
  const out: SessionEffect[] = [];
  for (let f = 0; f <= upTo; f++) {
    history.push(f, sum(f));
    onLocalFinal(d, f, sum(f), () => new Uint8Array([f & 0xff]), out);
  }
  return { d, history, out };
}

Deno.test("interval frames send their checksum once final; others send nothing", () => {
  const { out } = finalize(130, (f) => f);
  assert.deepEqual(
    out,
    [0, 60, 120].map((frame) => ({
      type: "send-control",
      message: { kind: "checksum", frame, checksum: frame },
    })),
  );
});

Deno.test("a peer checksum that differs raises a desync and sends our dump; equal is silent", () => {
  const { d, history } = finalize(130, (f) => f);
  const out: SessionEffect[] = [];
  onRemoteChecksum(d, 60, 60, 200, 130, history, out);
  assert.deepEqual(out, []);
  onRemoteChecksum(d, 120, 999, 200, 130, history, out);
  assert.deepEqual(out, [
    { type: "event", event: { type: "desync", frame: 120, local: 120, remote: 999 } },
    { type: "send-control", message: { kind: "state", frame: 120, state: new Uint8Array([120]) } },
  ]);
  assert.equal(d.checksumsChecked, 2);
  assert.equal(d.desyncs, 1);
});

Deno.test("a checksum for a frame not final here waits, then compares when it is", () => {
  const d = createDesyncState(60);
  const out: SessionEffect[] = [];
  onRemoteChecksum(d, 5, 1, 10, -1, createChecksumHistory(10), out);
  assert.equal(d.pendingRemote.size, 1);
  for (let f = 0; f <= 5; f++) onLocalFinal(d, f, 2, () => undefined, out);
  assert.equal(out.filter((e) => e.type === "event").length, 1, "the desync of frame 5");
  assert.equal(d.pendingRemote.size, 0);
});

Deno.test("repeats, frames the peer cannot have confirmed and unasked dumps are malformed", () => {
  const { d, history } = finalize(130, (f) => f);
  const out: SessionEffect[] = [];
  onRemoteChecksum(d, 60, 60, 200, 130, history, out);
  onRemoteChecksum(d, 60, 60, 200, 130, history, out);
  onRemoteChecksum(d, 300, 1, 200, 130, history, out);
  onRemoteState(d, 60, new Uint8Array(1), out);
  assert.equal(d.malformed, 3);
  assert.deepEqual(out, []);
});

Deno.test("forgetPeer drops the old peer's pending checksums and restarts their order", () => {
  const { d, history } = finalize(10, (f) => f);
  const out: SessionEffect[] = [];
  onRemoteChecksum(d, 15, 7, 30, 10, history, out);
  onRemoteChecksum(d, 20, 7, 30, 10, history, out);
  forgetPeer(d, 10);
  assert.equal(d.pendingRemote.size, 0);
  onRemoteChecksum(d, 12, 7, 30, 10, history, out);
  assert.equal(d.malformed, 0, "a new peer's checksum after the final frame is in order");
});
