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
  const wrap = (body: unknown[]) => {
    const b = packr.pack(body);
    return packr.pack([REPLAY_MAGIC, 1, b, crc32(b)]);
  };
  const r = sample(120);
  const fields = () => [
    r.game,
    r.version,
    r.seed,
    [...r.names],
    [...r.options],
    r.frames,
    encodeRuns(r.inputs, r.frames),
    new Uint8Array(8),
    [0],
  ];
  const mutations: [(f: unknown[]) => void, RegExp][] = [
    [(f) => (f[0] = "x".repeat(100)), /short strings/],
    [(f) => (f[2] = 2 ** 40), /int32/],
    [(f) => (f[3] = ["a"]), /two player names/],
    [(f) => (f[5] = -1), /frame count/],
    [(f) => (f[5] = 121), /add up/],
    [(f) => (f[6] = "runs"), /not binary/],
    [(f) => (f[7] = new Uint8Array(4)), /checksums/],
    [(f) => (f[7] = new Uint8Array(7)), /checksums/],
    [(f) => (f[8] = [5]), /match start/],
    [(f) => (f[8] = [0, 200]), /match start/],
    [(f) => f.pop(), /bad body/],
  ];
  assert.ok(decodeReplay(wrap(fields())).ok, "the unmutated body is fine");
  for (const [mutate, why] of mutations) {
    const f = fields();
    mutate(f);
    const out = decodeReplay(wrap(f));
    assert.equal(out.ok, false, String(why));
    if (!out.ok) assert.match(out.error, why);
  }
});

Deno.test("encodeReplay refuses an invalid replay (a recorder bug) loudly", () => {
  assert.throws(() => encodeReplay({ ...sample(), frames: 5000 }), RangeError);
  assert.throws(() => encodeReplay({ ...sample(), names: ["a"] as unknown as [string, string] }));
});

Deno.test("fuzzed bytes never make the decoder throw", () => {
  const good = encodeReplay(sample(300));
  let x = 12345;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 2000; i++) {
    const b = good.slice(0, 1 + Math.floor(rnd() * good.length));
    for (let k = 0; k < 3; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    const r = decodeReplay(b);
    assert.equal(typeof r.ok, "boolean");
  }
});
