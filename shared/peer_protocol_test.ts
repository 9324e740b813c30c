import { Buffer } from "node:buffer";
import assert from "node:assert/strict";
import { Packr } from "msgpackr";
import {
  type ControlMessage,
  decodeControl,
  decodeInputPacket,
  encodeControl,
  encodeInputPacket,
  type InputPacket,
  MAX_APP_BYTES,
  MAX_APP_DEPTH,
  MAX_FRAME,
  MAX_INPUT_PACKET_BYTES,
  MAX_INPUT_WINDOW,
  MAX_NAME_LENGTH,
  MAX_STATE_BYTES,
} from "./peer_protocol.ts";

// A raw msgpack writer for hand-crafting hostile messages (no validation on this side).
const raw = new Packr({ useRecords: false, structuredClone: false });
const rawPack = (v: unknown): Uint8Array => new Uint8Array(raw.pack(v));
const bytes = (...b: number[]) => new Uint8Array(b);

// mulberry32: shared/ must not import game/net/prng.ts, and a fuzz loop needs a repeatable source.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const inputs = (n: number, from = 0) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 255);

function expectInputError(b: Uint8Array, pattern?: RegExp): string {
  const d = decodeInputPacket(b);
  assert.equal(d.ok, false, `accepted ${b instanceof Uint8Array ? Array.from(b) : b}`);
  if (!d.ok && pattern) assert.match(d.error, pattern);
  return d.ok ? "" : d.error;
}

function expectControlError(b: Uint8Array, pattern?: RegExp): string {
  const d = decodeControl(b);
  assert.equal(d.ok, false, `accepted ${Array.from(b.subarray(0, 32))}`);
  if (!d.ok && pattern) assert.match(d.error, pattern);
  return d.ok ? "" : d.error;
}

Deno.test("input packet: round trips, including the edges of the frame range", () => {
  const full = (p: InputPacket, echo = -1, holdMs = 0, frame = p.start): InputPacket => ({
    ...p,
    echo,
    holdMs,
    frame,
  });
  const cases: InputPacket[] = [
    full({ start: 0, ack: -1, inputs: inputs(0), seq: 0 }),
    full({ start: 0, ack: -1, inputs: inputs(1), seq: 1 }, 0, 0, 0),
    full({ start: 5, ack: 3, inputs: bytes(0, 255, 128, 1, 2, 3, 4, 5), seq: 77 }, 127, 127, 3),
    full({ start: 65_530, ack: 70_000, inputs: inputs(32, 200), seq: 65_535 }, 5, 9, 65_540),
    full(
      { start: MAX_FRAME - 7, ack: MAX_FRAME, inputs: inputs(8), seq: 12_345 },
      1,
      2,
      MAX_FRAME - 9,
    ),
    full({ start: MAX_FRAME, ack: MAX_FRAME - 1, inputs: inputs(1), seq: 2 }, -1, 0, MAX_FRAME),
    full({ start: 1000, ack: 999, inputs: inputs(MAX_INPUT_WINDOW), seq: 3 }, 64, 16, 998),
    full({ start: 0, ack: -1, inputs: inputs(1), seq: 3 }, 64, 16, 0x7fff_ffff),
  ];
  for (const p of cases) {
    const d = decodeInputPacket(encodeInputPacket(p));
    assert.ok(d.ok, d.ok ? "" : d.error);
    assert.deepEqual(d.value, p);
    assert.equal(Object.getPrototypeOf(d.value.inputs), Uint8Array.prototype);
  }
});

Deno.test("input packet: seq, echo, hold and frame are optional when encoding", () => {
  const d = decodeInputPacket(encodeInputPacket({ start: 9, ack: 8, inputs: bytes(1, 2) }));
  assert.ok(d.ok);
  assert.deepEqual(d.value, {
    start: 9,
    ack: 8,
    inputs: bytes(1, 2),
    seq: 0,
    echo: -1,
    holdMs: 0,
    frame: 9,
  });
});

Deno.test("input packet: encoded bytes are owned, exactly sized, and don't alias the input", () => {
  const src = bytes(1, 2, 3);
  const a = encodeInputPacket({ start: 1, ack: 0, inputs: src, seq: 1 });
  const b = encodeInputPacket({ start: 2, ack: 1, inputs: src, seq: 2 });
  assert.equal(a.byteOffset, 0);
  assert.equal(a.buffer.byteLength, a.length);
  assert.notDeepEqual(a, b);
  src[0] = 99;
  const d = decodeInputPacket(a);
  assert.ok(d.ok);
  assert.equal(d.value.inputs[0], 1);
});

Deno.test("input packet: decoded inputs are a plain Uint8Array view of the packet, no copy", () => {
  const packet = encodeInputPacket({ start: 5, ack: 4, inputs: bytes(7, 8), seq: 3 });
  const d = decodeInputPacket(packet);
  assert.ok(d.ok);
  const inputs = d.value.inputs;
  assert.equal(inputs.constructor, Uint8Array);
  assert.deepEqual([...inputs], [7, 8]);
  // No ArrayBuffer of its own per decode (that copy was most of a decode's garbage).
  assert.equal(inputs.buffer, packet.buffer);
  // From a Node Buffer too: a plain Uint8Array (Buffer's subarray and slice are Buffers).
  const fromBuffer = decodeInputPacket(Buffer.from(packet));
  assert.ok(fromBuffer.ok);
  assert.equal(fromBuffer.value.inputs.constructor, Uint8Array);
  assert.deepEqual([...fromBuffer.value.inputs], [7, 8]);
  // Within a larger buffer at an offset, the view covers the inputs only.
  const framed = new Uint8Array(packet.length + 7);
  framed.set(packet, 3);
  const inner = decodeInputPacket(framed.subarray(3, 3 + packet.length));
  assert.ok(inner.ok);
  assert.deepEqual([...inner.value.inputs], [7, 8]);
  assert.equal(inner.value.inputs.byteLength, 2);
});

Deno.test("input packet: wire sizes (8 frames always fit in 24 bytes)", () => {
  // In play the sender's frame trails its newest input by the input delay, its ack by a few
  // frames: both offsets are one-byte fixints, as are echo and hold.
  const size = (start: number, ack: number, n: number, seq: number) =>
    encodeInputPacket({
      start,
      ack,
      inputs: inputs(n),
      seq,
      echo: 100,
      holdMs: 12,
      frame: Math.max(0, start + n - 3),
    })
      .length;
  // Start of a match: every number is a one-byte fixint.
  assert.equal(size(0, -1, 1, 0), 10);
  assert.equal(size(100, 98, 8, 100), 17);
  // Mid-match (frames and seq above 255): uint16 numbers.
  assert.equal(size(3_600, 3_598, 1, 3_600), 14);
  assert.equal(size(3_600, 3_598, 8, 3_600), 21);
  // Worst case: uint32 frames (after ~18 minutes) and a uint16 seq.
  assert.equal(size(MAX_FRAME - 7, MAX_FRAME - 9, 1, 65_535), 16);
  assert.equal(size(MAX_FRAME - 7, MAX_FRAME - 9, 8, 65_535), 23);
  assert.ok(size(MAX_FRAME - 7, MAX_FRAME - 9, 8, 65_535) <= 24);
  // A full window never exceeds the decoder's size cap.
  assert.ok(size(MAX_FRAME - 200, MAX_FRAME, MAX_INPUT_WINDOW, 65_535) <= MAX_INPUT_PACKET_BYTES);
});

Deno.test("input packet: the encoder refuses invalid packets with a clear error", () => {
  const bad: unknown[] = [
    { start: -1, ack: -1, inputs: inputs(1) },
    { start: 1.5, ack: -1, inputs: inputs(1) },
    { start: MAX_FRAME + 1, ack: -1, inputs: inputs(0) },
    { start: NaN, ack: -1, inputs: inputs(1) },
    { start: 0, ack: -2, inputs: inputs(1) },
    { start: 0, ack: MAX_FRAME + 1, inputs: inputs(1) },
    { start: 0, ack: -1, inputs: [1, 2, 3] },
    { start: 0, ack: -1, inputs: inputs(MAX_INPUT_WINDOW + 1) },
    { start: MAX_FRAME - 1, ack: -1, inputs: inputs(3) },
    { start: 0, ack: -1, inputs: inputs(1), seq: 65_536 },
    { start: 0, ack: -1, inputs: inputs(1), seq: -1 },
    { start: 0, ack: -1, inputs: inputs(1), echo: 128 },
    { start: 0, ack: -1, inputs: inputs(1), echo: -2 },
    { start: 0, ack: -1, inputs: inputs(1), holdMs: 128 },
    { start: 0, ack: -1, inputs: inputs(1), holdMs: 0.5 },
    { start: 0, ack: -1, inputs: inputs(1), frame: -1 },
    { start: 0, ack: -1, inputs: inputs(1), frame: MAX_FRAME + 1 },
    { start: 0, ack: -1, inputs: inputs(1), frame: 0x8000_0000 }, // offsets are int32
    { start: MAX_FRAME, ack: 0, inputs: inputs(1) },
  ];
  for (const p of bad) {
    assert.throws(() => encodeInputPacket(p as InputPacket), /invalid input packet/);
  }
});

Deno.test("input packet: the hand-written codec writes and reads exactly what msgpackr does", () => {
  // The locked-down instance's encoder is the wire format's reference: same bytes for every field
  // range (fixint, uint8/16/32, negative fixint, int8/16/32 offsets), and the same decoded packet.
  const ref = new Packr({ useRecords: false, structuredClone: false, mapsAsObjects: true });
  const rnd = prng(15);
  const ints = [0, 1, 31, 32, 127, 128, 255, 256, 65_535, 65_536, 0x7fff_ffff, MAX_FRAME];
  const pick = (max: number) =>
    rnd() < 0.5 ? Math.floor(rnd() * (max + 1)) : Math.min(max, ints[Math.floor(rnd() * 12)]);
  for (let i = 0; i < 3000; i++) {
    const start = pick(MAX_FRAME - MAX_INPUT_WINDOW);
    // ack from -1 up to past start (negative offsets) and frame from start on, within int32.
    const ack = Math.max(-1, Math.min(MAX_FRAME, start - pick(0x7fff_ffff) + pick(200_000)));
    if (!(start - ack >= -0x8000_0000 && start - ack <= 0x7fff_ffff)) continue;
    const frame = Math.min(MAX_FRAME, start + pick(70_000));
    const p: InputPacket = {
      start,
      ack,
      inputs: inputs(Math.floor(rnd() * (MAX_INPUT_WINDOW + 1)), i),
      seq: pick(65_535),
      echo: Math.floor(rnd() * 129) - 1,
      holdMs: Math.floor(rnd() * 128),
      frame,
    };
    const mine = encodeInputPacket(p);
    const theirs = new Uint8Array(
      ref.pack([p.start, p.start - p.ack, p.inputs, p.seq, p.echo, p.holdMs, frame - p.start]),
    );
    assert.deepEqual(Array.from(mine), Array.from(theirs), JSON.stringify({ ...p, inputs: 0 }));
    const d = decodeInputPacket(theirs);
    assert.ok(d.ok);
    assert.deepEqual(d.value, p);
  }
  // Non-minimal integer forms msgpackr reads (a foreign encoder's) decode the same on both paths.
  const wide = bytes(
    0x97,
    0xce,
    0,
    0,
    0x0e,
    0x10,
    0xd2,
    0,
    0,
    0,
    5,
    0xc4,
    1,
    9,
    0xcd,
    0,
    7,
    0xd0,
    3,
  );
  const d = decodeInputPacket(new Uint8Array([...wide, 0xcc, 4, 0xd1, 0, 8]));
  assert.ok(d.ok, d.ok ? "" : d.error);
  assert.deepEqual(d.value, {
    start: 3600,
    ack: 3595,
    inputs: bytes(9),
    seq: 7,
    echo: 3,
    holdMs: 4,
    frame: 3608,
  });
  // A uint32 offset past int32 is refused with the same error msgpackr's path gives.
  expectInputError(bytes(0x97, 1, 0xce, 0x80, 0, 0, 0, 0xc4, 0, 0, 0xff, 0, 0), /ack must be/);
  expectInputError(bytes(0x97, 1, 0, 0xc4, 0, 0, 0xff, 0, 0xce, 0x80, 0, 0, 0), /frame must be/);
});

Deno.test("input packet: rejects malformed bytes without throwing", () => {
  const valid = encodeInputPacket({ start: 300, ack: 299, inputs: inputs(8), seq: 300 });
  expectInputError(bytes(), /empty/);
  expectInputError("hello" as unknown as Uint8Array, /not binary/);
  expectInputError(null as unknown as Uint8Array, /not binary/);
  expectInputError(new Uint8Array(MAX_INPUT_PACKET_BYTES + 1), /exceeds/);
  // Every truncation of a valid packet, and a trailing byte.
  for (let n = 1; n < valid.length; n++) expectInputError(valid.subarray(0, n));
  expectInputError(new Uint8Array([...valid, 0]), /malformed/);
  // Well-formed msgpack of the wrong shape.
  expectInputError(rawPack({ start: 1, ack: 0, inputs: bytes(1), seq: 0 }), /array/);
  expectInputError(rawPack(42), /array/);
  const w = (a: unknown[]) => rawPack([...a, ...[1, 0, bytes(1), 0, -1, 0, 0].slice(a.length)]);
  expectInputError(rawPack([1, 0, bytes(1), 0]), /7 fields/);
  expectInputError(rawPack([1, 0, bytes(1), 0, -1, 0, 0, 0]), /7 fields/);
  expectInputError(w(["1"]), /start/);
  expectInputError(w([-1]), /start/);
  expectInputError(w([1.5]), /start/);
  expectInputError(rawPack([MAX_FRAME + 1, 0, bytes(), 0, -1, 0, 0]), /start/);
  expectInputError(w([1, 3]), /ack/); // ack = start - 3 = -2
  expectInputError(w([1, null]), /ack/);
  expectInputError(w([1, 2 ** 40]), /ack/);
  expectInputError(w([0, -(MAX_FRAME + 1)]), /ack/);
  expectInputError(w([1, 0, [1, 2, 3]]), /binary/);
  expectInputError(w([1, 0, "abc"]), /binary/);
  expectInputError(w([1, 0, inputs(MAX_INPUT_WINDOW + 1)]), /more than/);
  expectInputError(rawPack([MAX_FRAME, 0, bytes(1, 2), 0, -1, 0, 0]), /past the last frame/);
  expectInputError(w([1, 0, bytes(1), 65_536]), /seq/);
  expectInputError(w([1, 0, bytes(1), true]), /seq/);
  expectInputError(w([1, 0, bytes(1), 0, 128]), /echo/);
  expectInputError(w([1, 0, bytes(1), 0, 1.5]), /echo/);
  expectInputError(w([1, 0, bytes(1), 0, 1, -1]), /holdMs/);
  expectInputError(w([1, 0, bytes(1), 0, 1, 0, -2]), /frame/);
  expectInputError(w([1, 0, bytes(1), 0, 1, 0, 2 ** 31]), /frame/);
  expectInputError(w([1, 0, bytes(1), 0, 1, 0, "x"]), /frame/);
  // uint64 / int64 / float64 where a frame number belongs.
  expectInputError(
    bytes(0x97, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0xc4, 0, 0, 0xff, 0, 0),
  );
  expectInputError(
    bytes(0x97, 0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0xc4, 0, 0, 0xff, 0, 0),
    /start/,
  );
  expectInputError(rawPack([NaN, 0, bytes(), 0, -1, 0, 0]), /start/);
  // Huge declared lengths with no data behind them.
  expectInputError(bytes(0xdd, 0xff, 0xff, 0xff, 0xff));
  expectInputError(bytes(0x94, 1, 0, 0xc6, 0xff, 0xff, 0xff, 0xff, 0));
  // msgpackr's record definitions and structured-clone references are not accepted.
  expectInputError(bytes(0xd4, 0x72, 0x40, 0x91, 0xa1, 0x61, 0x40, 1));
  expectInputError(bytes(0xc7, 1, 0x69, 0, 0x94, 1, 0, 0xc4, 0, 0));
  // Unknown extension type.
  expectInputError(bytes(0xd4, 0x05, 0x00));
});

Deno.test("control: every kind round trips", () => {
  const messages: ControlMessage[] = [
    { kind: "hello", version: 1, name: "Ada" },
    { kind: "hello", version: 1, name: "é🎮".repeat(10) },
    { kind: "hello", version: 1, name: "" },
    { kind: "ping", t: 1234.5678 },
    { kind: "pong", t: 0 },
    { kind: "pong", t: -3 },
    { kind: "quality", frame: 600, advantage: -2 },
    { kind: "quality", frame: MAX_FRAME, advantage: 1.25 },
    { kind: "checksum", frame: 120, checksum: 0xdeadbeef },
    { kind: "checksum", frame: 0, checksum: -559038737 },
    { kind: "state", frame: 7, state: inputs(1000) },
    { kind: "state", frame: 8, state: new Uint8Array(0) },
    {
      kind: "app",
      data: { type: "rematch", round: 2, ok: true, tags: ["a", null], bin: bytes(1) },
    },
    { kind: "app", data: "chat: gg" },
    { kind: "app", data: null },
    { kind: "app", data: [1, [2, [3, { deep: -1.5 }]]] },
    { kind: "bye", reason: "match over" },
  ];
  for (const m of messages) {
    const d = decodeControl(encodeControl(m));
    assert.ok(d.ok, d.ok ? "" : `${m.kind}: ${d.error}`);
    assert.deepEqual(d.value, m);
  }
});

Deno.test("control: small messages stay small", () => {
  assert.equal(encodeControl({ kind: "checksum", frame: 3_600, checksum: 0xdeadbeef }).length, 10);
  assert.equal(encodeControl({ kind: "quality", frame: 3_600, advantage: -1 }).length, 6);
  assert.equal(encodeControl({ kind: "ping", t: 123 }).length, 3);
  assert.equal(encodeControl({ kind: "ping", t: 123.25 }).length, 11);
});

Deno.test("control: the encoder refuses messages the decoder would reject", () => {
  const bad: [unknown, RegExp][] = [
    [{ kind: "hello", version: 2, name: "x" }, /version/],
    [{ kind: "hello", version: 1, name: "x".repeat(MAX_NAME_LENGTH + 1) }, /name/],
    [{ kind: "hello", version: 1, name: 5 }, /name/],
    [{ kind: "ping", t: NaN }, /finite/],
    [{ kind: "pong", t: "now" }, /finite/],
    [{ kind: "quality", frame: -1, advantage: 0 }, /frame/],
    [{ kind: "quality", frame: 1, advantage: Infinity }, /advantage/],
    [{ kind: "checksum", frame: 1, checksum: 2 ** 32 }, /checksum/],
    [{ kind: "checksum", frame: 1, checksum: -(2 ** 31) - 1 }, /checksum/],
    [{ kind: "checksum", frame: 1, checksum: 1.5 }, /checksum/],
    [{ kind: "state", frame: 1, state: [1, 2] }, /binary/],
    [{ kind: "state", frame: 1, state: new Uint8Array(MAX_STATE_BYTES + 1) }, /exceeds|more than/],
    [{ kind: "app", data: new Date(0) }, /JSON-like/],
    [{ kind: "app", data: { when: new Set([1]) } }, /JSON-like/],
    [{ kind: "app", data: 10n }, /JSON-like/],
    [{ kind: "app", data: () => 1 }, /JSON-like|encode/],
    [{ kind: "app", data: "x".repeat(MAX_APP_BYTES + 1) }, /exceeds/],
    [{ kind: "bye", reason: 3 }, /reason/],
    [{ kind: "nope" }, /unknown control message kind/],
  ];
  for (const [m, pattern] of bad) {
    assert.throws(
      () => encodeControl(m as ControlMessage),
      pattern,
      String((m as { kind: unknown }).kind),
    );
  }
  let deep: unknown = 1;
  for (let i = 0; i <= MAX_APP_DEPTH; i++) deep = [deep];
  assert.throws(() => encodeControl({ kind: "app", data: deep }), /nested/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => encodeControl({ kind: "app", data: cyclic }));
});

Deno.test("control: rejects wrong tags, wrong arity and wrong field types without throwing", () => {
  expectControlError(bytes(), /empty/);
  expectControlError(rawPack([]), /tagged array/);
  expectControlError(rawPack({ kind: "ping", t: 1 }), /tagged array/);
  expectControlError(rawPack([0, 1]), /unknown control tag/);
  expectControlError(rawPack([10, 1]), /unknown control tag/);
  expectControlError(rawPack([-1, 1]), /unknown control tag/);
  expectControlError(rawPack(["ping", 1]), /unknown control tag/);
  expectControlError(rawPack([2.0000001, 1]), /unknown control tag/);
  // Missing and extra fields for every kind.
  const good: ControlMessage[] = [
    { kind: "hello", version: 1, name: "a" },
    { kind: "ping", t: 1 },
    { kind: "pong", t: 1 },
    { kind: "quality", frame: 1, advantage: 1 },
    { kind: "checksum", frame: 1, checksum: 1 },
    { kind: "state", frame: 1, state: bytes(1) },
    { kind: "app", data: 1 },
    { kind: "bye", reason: "r" },
  ];
  for (const m of good) {
    const wire = raw.unpack(encodeControl(m)) as unknown[];
    expectControlError(rawPack(wire.slice(0, -1)), /fields/);
    expectControlError(rawPack([...wire, 0]), /fields/);
    // Each field after the tag replaced by a value of a type no field accepts.
    for (let i = 1; i < wire.length; i++) {
      if (m.kind === "app") continue; // app data is free-form
      const mutated = [...wire];
      mutated[i] = { x: 1 };
      expectControlError(rawPack(mutated));
    }
  }
  expectControlError(rawPack([1, 2, "a"]), /version 2/);
  expectControlError(rawPack([1, 1, "x".repeat(MAX_NAME_LENGTH + 1)]), /name/);
  expectControlError(rawPack([4, 1, 2 ** 31 + 1]), /advantage/);
  expectControlError(rawPack([5, 1, 2 ** 32]), /checksum/);
  expectControlError(rawPack([5, MAX_FRAME + 1, 0]), /frame/);
  expectControlError(rawPack([6, 1, new Uint8Array(MAX_STATE_BYTES + 1)]), /more than|exceeds/);
  expectControlError(rawPack([7, "x".repeat(MAX_APP_BYTES + 10)]), /exceeds/);
  expectControlError(rawPack([8, "x".repeat(300)]), /reason/);
  expectControlError(new Uint8Array(70_000), /exceeds/);
});

Deno.test("control: app payloads cannot smuggle exotic objects or pollute prototypes", () => {
  // Extension types msgpackr knows globally (Date, Set, RegExp, Error, typed arrays, BigInt).
  const exotic = [
    new Date(0),
    new Set([1]),
    /x+/g,
    new Error("e"),
    new Float64Array([1.5]),
  ];
  const cloneRaw = new Packr({ useRecords: false, structuredClone: true, moreTypes: true });
  for (const v of exotic) {
    expectControlError(new Uint8Array(cloneRaw.pack([7, v])), /JSON-like|malformed/);
    expectControlError(new Uint8Array(cloneRaw.pack([7, { nested: [v] }])), /JSON-like|malformed/);
  }
  expectControlError(new Uint8Array(cloneRaw.pack([7, 2n ** 70n])), /JSON-like|malformed/);
  // Structured-clone references (cycles) are refused at parse time.
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  expectControlError(new Uint8Array(cloneRaw.pack([7, cyclic])), /malformed/);
  // A `__proto__` key in a map must not change any prototype.
  const proto = bytes(
    0x92,
    7,
    0x81,
    0xa9,
    ...new TextEncoder().encode("__proto__"),
    0x81,
    0xa1,
    0x78,
    1,
  );
  const d = decodeControl(proto);
  assert.ok(d.ok && d.value.kind === "app");
  const data = d.value.data as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(data), Object.prototype);
  assert.equal((data as { x?: unknown }).x, undefined);
  assert.deepEqual(Object.keys(data), ["__proto_"]); // msgpackr renames the key
  assert.equal(({} as { x?: unknown }).x, undefined);
  // Nesting beyond the cap, built by hand so the encoder's check doesn't stop it first.
  const deep = new Uint8Array([0x92, 7, ...new Array(MAX_APP_DEPTH + 1).fill(0x91), 1]);
  expectControlError(deep, /nested/);
});

Deno.test("fuzz: random bytes and mutated packets never make a decoder throw", () => {
  const rand = prng(0xd0e7);
  const int = (n: number) => Math.floor(rand() * n);
  const seeds: Uint8Array[] = [
    encodeInputPacket({ start: 300, ack: 299, inputs: inputs(8), seq: 300 }),
    encodeInputPacket({
      start: MAX_FRAME - 31,
      ack: MAX_FRAME - 40,
      inputs: inputs(32),
      seq: 65_000,
    }),
    encodeInputPacket({ start: 0, ack: -1, inputs: inputs(0), seq: 0 }),
    encodeControl({ kind: "hello", version: 1, name: "Ada" }),
    encodeControl({ kind: "ping", t: 12.5 }),
    encodeControl({ kind: "quality", frame: 9, advantage: -1 }),
    encodeControl({ kind: "checksum", frame: 120, checksum: 0xdeadbeef }),
    encodeControl({ kind: "state", frame: 7, state: inputs(40) }),
    encodeControl({ kind: "app", data: { a: [1, "b", { c: null }], d: bytes(1, 2) } }),
    encodeControl({ kind: "bye", reason: "done" }),
  ];
  // Bytes that steer the parser into interesting branches: headers, extensions, lengths.
  const interesting = [
    0x00,
    0x7f,
    0x80,
    0x8f,
    0x90,
    0x9f,
    0xa0,
    0xbf,
    0xc0,
    0xc1,
    0xc2,
    0xc3,
    0xc4,
    0xc5,
    0xc6,
    0xc7,
    0xc8,
    0xc9,
    0xca,
    0xcb,
    0xcc,
    0xcd,
    0xce,
    0xcf,
    0xd0,
    0xd3,
    0xd4,
    0xd5,
    0xd6,
    0xd7,
    0xd8,
    0xd9,
    0xdc,
    0xdd,
    0xde,
    0xdf,
    0xe0,
    0xff,
    0x72,
    0x69,
    0x70,
    0x62,
    0x65,
    0x74,
    0x78,
  ];
  const randomByte = () => (rand() < 0.5 ? interesting[int(interesting.length)] : int(256));
  let accepted = 0;
  const check = (b: Uint8Array) => {
    for (const decode of [decodeInputPacket, decodeControl]) {
      let d;
      try {
        d = decode(b);
      } catch (e) {
        assert.fail(`decoder threw on [${Array.from(b)}]: ${e}`);
      }
      assert.equal(typeof d.ok, "boolean");
      if (d.ok) {
        accepted++;
        // Anything a decoder accepts is a valid message: it re-encodes and decodes to itself.
        const again = decode === decodeInputPacket
          ? decodeInputPacket(encodeInputPacket(d.value as InputPacket))
          : decodeControl(encodeControl(d.value as ControlMessage));
        assert.ok(again.ok);
        assert.deepEqual(again.value, d.value);
      } else {
        assert.equal(typeof d.error, "string");
        assert.ok(d.error.length > 0 && d.error.length < 300);
      }
    }
  };
  for (let i = 0; i < 3000; i++) {
    check(Uint8Array.from({ length: int(40) }, randomByte));
  }
  for (let i = 0; i < 5000; i++) {
    const b = Array.from(seeds[int(seeds.length)]);
    const edits = 1 + int(3);
    for (let e = 0; e < edits; e++) {
      const at = int(b.length + 1);
      switch (int(5)) {
        case 0:
          b[Math.min(at, b.length - 1)] = randomByte();
          break;
        case 1:
          b.splice(at, 0, randomByte());
          break;
        case 2:
          b.splice(at, 1);
          break;
        case 3:
          b.length = at; // truncate
          break;
        default:
          b[Math.min(at, b.length - 1)] ^= 1 << int(8);
      }
    }
    check(new Uint8Array(b));
  }
  // The mutations must reach the validators, not only the msgpack parser.
  assert.ok(accepted > 300, `only ${accepted} mutated messages parsed and validated`);
});
