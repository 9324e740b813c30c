import assert from "node:assert/strict";
import type { TickAllocReport } from "./tick_alloc.ts";

// The measurement needs V8's gc() and a large young generation, which a test process lacks, so it
// runs as the CLI does, in a child with the flags.
Deno.test("tick_alloc: measures both conditions and the codec, and finds what it allocates", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--v8-flags=--expose-gc,--min-semi-space-size=64",
      "--allow-read",
      "--allow-env",
      new URL("./tick_alloc.ts", import.meta.url).pathname,
      "--ticks",
      "300",
      "--json",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const r = JSON.parse(new TextDecoder().decode(out.stdout)) as TickAllocReport;
  assert.equal(r.gcExposed, true);
  assert.deepEqual(r.rows.map((x) => x.rollbackFrames), [0, 8]);
  for (const row of r.rows) {
    assert.ok(row.windows >= 2, `${row.windows} windows`);
    // A tick simulates, predicts and sends a packet: it cannot allocate nothing, and a figure in
    // the megabytes would be a GC inside a window read as allocation.
    assert.ok(row.bytesPerTick > 100 && row.bytesPerTick < 200_000, `${row.bytesPerTick} B`);
  }
  assert.ok(r.rows[1].meanRollbackDepth >= 6, `depth ${r.rows[1].meanRollbackDepth}`);
  assert.equal(r.rows[0].meanRollbackDepth, 0);
  // Each packet owns its encoded bytes and decoded inputs: at least two small typed arrays.
  assert.ok(r.codecBytesPerPacket > 50 && r.codecBytesPerPacket < 5000);
});

Deno.test("tick_alloc: refuses a tick count below one window", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-env",
      new URL("./tick_alloc.ts", import.meta.url).pathname,
      "--ticks",
      "5",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  assert.match(new TextDecoder().decode(out.stderr), /--ticks must be/);
});
