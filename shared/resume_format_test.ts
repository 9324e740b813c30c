import assert from "node:assert/strict";
import {
  decodeResumeSnapshot,
  encodeResumeSnapshot,
  MAX_RESUME_PENDING,
  type ResumeSnapshot,
} from "./resume_format.ts";

function snapshot(frames: number): ResumeSnapshot {
  const log = new Uint8Array(2 * frames);
  for (let f = 0; f < frames; f++) {
    log[2 * f] = (f >> 5) & 7; // held buttons: long runs
    log[2 * f + 1] = (f >> 4) & 3;
  }
  return {
    survivor: 1,
    final: frames - 1,
    checksum: frames > 0 ? 0xdeadbeef : 0,
    log,
    survivorInputs: new Uint8Array([1, 2, 3]),
    returnerInputs: new Uint8Array([4]),
  };
}

Deno.test("a snapshot survives encoding and decoding unchanged", () => {
  for (const frames of [0, 1, 18_000]) {
    const s = snapshot(frames);
    const d = decodeResumeSnapshot(encodeResumeSnapshot(s));
    assert.ok(d.ok, d.ok ? "" : d.error);
    assert.deepEqual(d.snapshot, s);
  }
});

Deno.test("five minutes of held buttons encode in a few kilobytes", () => {
  const bytes = encodeResumeSnapshot(snapshot(18_000));
  assert.ok(bytes.length < 4096, `${bytes.length} bytes`);
});

Deno.test("encoding an invalid snapshot is a sender bug: a RangeError naming the field", () => {
  const s = snapshot(10);
  assert.throws(() => encodeResumeSnapshot({ ...s, final: 20 }), /input log/);
  assert.throws(() => encodeResumeSnapshot({ ...s, survivor: 2 as 0 }), /survivor/);
  assert.throws(
    () => encodeResumeSnapshot({ ...s, returnerInputs: new Uint8Array(MAX_RESUME_PENDING + 1) }),
    /pending inputs/,
  );
});

Deno.test("decoding refuses what is not a snapshot without throwing", () => {
  for (const bad of [undefined, 5, new Uint8Array(0), new Uint8Array([0xff, 0xff])]) {
    const d = decodeResumeSnapshot(bad);
    assert.equal(d.ok, false);
  }
});
