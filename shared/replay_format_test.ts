import assert from "node:assert/strict";
import { Packr } from "msgpackr";
import {
  crc32,
  decodeReplay,
  decodeRuns,
  encodeReplay,
  encodeRuns,
  type Replay,
  REPLAY_CHECKSUM_EVERY,
  REPLAY_FORMAT_VERSION,
  REPLAY_MAGIC,
} from "./replay_format.ts";

function sample(frames = 1000): Replay {
  const inputs = new Uint8Array(frames * 2);
  for (let f = 0; f < frames; f++) {
    inputs[2 * f] = (f >> 5) & 7; // held for 32 frames at a time
    inputs[2 * f + 1] = f % 200 < 100 ? 1 : 16;
  }
  const checksums = new Uint32Array(Math.ceil(frames / REPLAY_CHECKSUM_EVERY));
  checksums.forEach((_, i) => (checksums[i] = (i * 2654435761) >>> 0));
  return {
    game: "air-hockey",
    version: "1",
    seed: -12345,
    names: ["Ann", "Bob"],
    options: [{ bot: true }, null],
    frames,
    inputs,
    checksums,
    matchStarts: frames > 700 ? [0, 700] : [0],
  };
}

Deno.test("a replay survives encode and decode unchanged, and held inputs compress", () => {
  const r = sample(3600);
  const bytes = encodeReplay(r);
  const back = decodeReplay(bytes);
  assert.ok(back.ok, back.ok ? "" : back.error);
  assert.deepEqual(back.replay, r);
  assert.ok(bytes.length < 3600 * 2 / 4, `a minute in ${bytes.length} bytes`);
  const empty = decodeReplay(encodeReplay({ ...sample(0), matchStarts: [0] }));
  assert.ok(empty.ok);
});

Deno.test("run-length coding round-trips long runs and rejects runs that do not add up", () => {
  const inputs = new Uint8Array(2 * 20000).fill(3);
  inputs[2 * 19999] = 9;
  const runs = encodeRuns(inputs, 20000);
  assert.ok(runs.length < 12);
  assert.deepEqual(decodeRuns(runs, 20000), inputs);
  assert.equal(decodeRuns(runs, 19999), null, "longer than the frame count");
  assert.equal(decodeRuns(runs, 20001), null, "shorter than the frame count");
  assert.equal(decodeRuns(new Uint8Array([0, 1, 1]), 0), null, "a run of zero");
  assert.equal(decodeRuns(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 1, 1, 1]), 5), null);
  assert.equal(decodeRuns(new Uint8Array([2, 1]), 2), null, "truncated run");
});

Deno.test("every kind of damaged or foreign file is refused with a sentence, never a throw", () => {
  const good = encodeReplay(sample());
  const packr = new Packr({ useRecords: false });
  const cases: [unknown, RegExp][] = [
    [undefined, /not a replay/],
    [new Uint8Array(0), /empty/],
    [new TextEncoder().encode("<!doctype html><p>404</p>"), /not a duet replay/],
    [packr.pack({ hello: 1 }), /not a duet replay/],
    [good.subarray(0, good.length - 7), /truncated or damaged/],
    [good.subarray(0, 20), /truncated or damaged/],
    [packr.pack([REPLAY_MAGIC, REPLAY_FORMAT_VERSION + 1, new Uint8Array(4), 0]), /newer duet/],
    [packr.pack([REPLAY_MAGIC, "one", new Uint8Array(4), 0]), /format version/],
    [packr.pack([REPLAY_MAGIC, 1, "body", 0]), /bad layout/],
  ];
  const flipped = good.slice();
  flipped[flipped.length - 12] ^= 0x10;
  cases.push([flipped, /damaged/]);
  for (const [bytes, why] of cases) {
    const r = decodeReplay(bytes);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, why);
  }
});

Deno.test("a body with a valid checksum but wrong fields is still refused", () => {
  const packr = new Packr({ useRecords: false });
  const r = sample(120);
  const header = (h: unknown[]) => new Uint8Array(packr.pack(h));
  const headerFields = () => [r.game, r.version, r.seed, [...r.names], [...r.options], [0]];
  const body = (b: unknown[]) => new Uint8Array(packr.pack(b));
  const bodyFields = (h = headerFields()) => [
    header(h),
    r.frames,
    encodeRuns(r.inputs, r.frames),
    new Uint8Array(8),
  ];
  const wrap = (b: unknown[]) => {
    const bytes = body(b);
    return packr.pack([REPLAY_MAGIC, 1, bytes, crc32(bytes)]);
  };
  assert.ok(decodeReplay(wrap(bodyFields())).ok, "the unmutated file is fine");
  const headerMutations: [(h: unknown[]) => void, RegExp][] = [
    [(h) => (h[0] = "x".repeat(100)), /short strings/],
    [(h) => (h[2] = 2 ** 40), /int32/],
    [(h) => (h[3] = ["a"]), /two player names/],
    [(h) => (h[5] = [5]), /match start/],
    [(h) => (h[5] = [0, 200]), /match start/],
    [(h) => h.pop(), /bad header/],
    [(h) => (h[4] = [{ pad: "z".repeat(20_000) }, null]), /header too large/],
  ];
  for (const [mutate, why] of headerMutations) {
    const h = headerFields();
    mutate(h);
    const out = decodeReplay(wrap(bodyFields(h)));
    assert.equal(out.ok, false, String(why));
    if (!out.ok) assert.match(out.error, why);
  }
  const bodyMutations: [(b: unknown[]) => void, RegExp][] = [
    [(b) => (b[1] = -1), /bad body/],
    [(b) => (b[1] = 121), /checksums|add up/],
    [(b) => (b[1] = 2 ** 31), /frame count/],
    [(b) => (b[2] = "runs"), /bad body/],
    [(b) => (b[2] = Array.from({ length: 1000 }, () => [1, 2, 3])), /bad body/],
    [(b) => (b[3] = new Uint8Array(4)), /checksums/],
    [(b) => b.pop(), /bad body/],
    [(b) => b.push(1), /bad body/],
  ];
  for (const [mutate, why] of bodyMutations) {
    const b = bodyFields();
    mutate(b);
    const out = decodeReplay(wrap(b));
    assert.equal(out.ok, false, String(why));
    if (!out.ok) assert.match(out.error, why);
  }
});

Deno.test("encodeReplay refuses an invalid replay (a recorder bug) loudly", () => {
  assert.throws(() => encodeReplay({ ...sample(), frames: 5000 }), RangeError);
  assert.throws(() => encodeReplay({ ...sample(), names: ["a"] as unknown as [string, string] }));
});

Deno.test("fuzzed files, with the checksum recomputed so the body parser is reached, never throw", () => {
  const packr = new Packr({ useRecords: false });
  const outer = packr.unpack(encodeReplay(sample(300))) as [string, number, Uint8Array, number];
  const good = outer[2];
  let x = 12345;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
  let parsedPastCrc = 0;
  for (let i = 0; i < 3000; i++) {
    const b = good.slice(0, 1 + Math.floor(rnd() * good.length));
    for (let k = 0; k < 3; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    const r = decodeReplay(packr.pack([REPLAY_MAGIC, 1, b, crc32(b)]));
    assert.equal(typeof r.ok, "boolean");
    if (!r.ok && !/checksum does not match/.test(r.error)) parsedPastCrc++;
    // The raw file, damaged anywhere, too.
    const raw = encodeReplay(sample(120));
    raw[Math.floor(rnd() * raw.length)] ^= 1 << Math.floor(rnd() * 8);
    assert.equal(typeof decodeReplay(raw).ok, "boolean");
  }
  assert.ok(parsedPastCrc > 2000, `${parsedPastCrc} of 3000 reached the body parser`);
});

Deno.test("a crafted file whose body is millions of tiny elements is refused by its shape", () => {
  const packr = new Packr({ useRecords: false });
  const junk = new Uint8Array(packr.pack(Array.from({ length: 3_000_000 }, () => 1)));
  const crafted = packr.pack([REPLAY_MAGIC, 1, junk, crc32(junk)]);
  const r = decodeReplay(crafted);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /bad body/);
});
