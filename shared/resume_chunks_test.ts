import nodeAssert from "node:assert/strict";
import { Packr } from "msgpackr";
import {
  decodeControl,
  encodeControl,
  MAX_CONTROL_BYTES,
  MAX_RESUME_CHUNKS,
  RESUME_CHUNK_BYTES,
} from "./peer_protocol.ts";
import { MAX_RESUME_BYTES } from "./resume_format.ts";
import { addResumeChunk, type AssemblyStep, chunkResume, EMPTY_ASSEMBLY } from "./resume_chunks.ts";

const assert: (v: unknown, m?: string) => asserts v = (v, m) => nodeAssert.ok(v, m);
const assertEquals = (a: unknown, b: unknown) => nodeAssert.deepEqual(a, b);
const assertThrows = (f: () => unknown, e: typeof Error = Error) => nodeAssert.throws(f, e);
const packr = new Packr({ useRecords: false });

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

function assemble(chunks: ReturnType<typeof chunkResume>): AssemblyStep {
  let state = EMPTY_ASSEMBLY;
  let last: AssemblyStep = { type: "partial", state };
  for (const c of chunks) {
    last = addResumeChunk(state, c);
    state = last.state;
    if (last.type !== "partial") return last;
  }
  return last;
}

Deno.test("the chunk bounds cover the largest snapshot, and a chunk fits one control message", () => {
  assert(MAX_RESUME_CHUNKS * RESUME_CHUNK_BYTES >= MAX_RESUME_BYTES);
  const [c] = chunkResume(bytes(RESUME_CHUNK_BYTES));
  assert(encodeControl(c).length <= MAX_CONTROL_BYTES);
});

Deno.test("a snapshot of several pieces goes through the wire codec and back whole", () => {
  const original = bytes(3 * RESUME_CHUNK_BYTES + 123);
  const chunks = chunkResume(original).map((c) => {
    const d = decodeControl(encodeControl(c));
    assert(d.ok && d.value.kind === "resume");
    return d.value;
  });
  assertEquals(chunks.length, 4);
  const r = assemble(chunks);
  assert(r.type === "done");
  assertEquals(r.bytes, original);
});

Deno.test("an empty or one-piece snapshot is one chunk", () => {
  for (const n of [0, 10, RESUME_CHUNK_BYTES]) {
    const chunks = chunkResume(bytes(n));
    assertEquals(chunks.length, 1);
    const r = assemble(chunks);
    assert(r.type === "done");
    assertEquals(r.bytes.length, n);
  }
});

Deno.test("hostile sequences are errors, never throws, and start over", () => {
  const chunks = chunkResume(bytes(3 * RESUME_CHUNK_BYTES));
  const cases: [string, ReturnType<typeof chunkResume>, RegExp][] = [
    ["starts late", [chunks[1]], /before piece 0/],
    ["gap", [chunks[0], chunks[2]], /piece 2 where 1 was due/],
    ["repeat", [chunks[0], chunks[0]], /piece 0 where 1 was due/],
    ["count changes", [chunks[0], { ...chunks[1], count: 5 }], /count changed/],
    ["short middle piece", [{ ...chunks[0], data: bytes(10) }], /is short/],
    ["count out of range", [{ ...chunks[0], count: MAX_RESUME_CHUNKS + 1 }], /out of range/],
  ];
  for (const [what, seq, error] of cases) {
    const r = assemble(seq);
    assert(r.type === "error", what);
    assert(error.test(r.error), `${what}: ${r.error}`);
    assertEquals(r.state, EMPTY_ASSEMBLY);
  }
  // After an error a whole, correct sequence still assembles.
  assert(assemble(chunks).type === "done");
});

Deno.test("a total over MAX_RESUME_BYTES is refused, on both sides", () => {
  assertThrows(() => chunkResume(new Uint8Array(MAX_RESUME_BYTES + 1)), RangeError);
  const full = new Uint8Array(RESUME_CHUNK_BYTES);
  let state = EMPTY_ASSEMBLY;
  let last: AssemblyStep | null = null;
  for (let i = 0; i < MAX_RESUME_CHUNKS; i++) {
    last = addResumeChunk(state, {
      kind: "resume",
      index: i,
      count: MAX_RESUME_CHUNKS,
      data: full,
    });
    state = last.state;
    if (last.type === "error") break;
  }
  assert(last?.type === "error" && /more than/.test(last.error));
});

Deno.test("the codec refuses malformed resume messages", () => {
  const c = chunkResume(bytes(5))[0];
  const bad: [unknown[], RegExp][] = [
    [[9, 0, 1], /expected 4 fields/],
    [[9, 1, 1, c.data], /index out of range/],
    [[9, -1, 1, c.data], /index out of range/],
    [[9, 0, 0, c.data], /count must be/],
    [[9, 0, 1.5, c.data], /count must be/],
    [[9, 0, 1, "text"], /must be binary/],
    [[9, 0, 1, new Uint8Array(RESUME_CHUNK_BYTES + 1)], /more than/],
  ];
  for (const [wire, error] of bad) {
    const d = decodeControl(new Uint8Array(packr.pack(wire)));
    assert(
      !d.ok && error.test(d.error),
      `${JSON.stringify(wire.slice(0, 3))}: ${!d.ok && d.error}`,
    );
  }
  assertThrows(() => encodeControl({ ...c, index: 1 }), RangeError); // index >= count
  assertThrows(() => encodeControl({ ...c, count: 0 }), RangeError);
  assertThrows(() => encodeControl({ ...c, data: new Uint8Array(RESUME_CHUNK_BYTES + 1) }));
});
