import assert from "node:assert/strict";
import { crashes, lastWords, mergeSections, plan } from "./run.ts";

Deno.test("the plan runs every benchmark, input under 20 ms + 5% and the 0% baseline", () => {
  const keys = plan(false, null).map((j) => j.key);
  assert.deepEqual(keys, [
    "wire",
    "size",
    "recovery",
    "resume",
    "rollback",
    "lobby",
    "lobbyProfile",
    "lobbyTail",
    "connect",
    "tick",
    "spectators",
    "input.lossy",
    "input.baseline",
  ]);
  const lossy = plan(false, null).find((j) => j.key === "input.lossy")!;
  assert.deepEqual(lossy.impair, { delayMs: 20, lossPct: 5 });
  assert.ok(!lossy.args.includes("--quick"));
  assert.equal(lossy.args[lossy.args.indexOf("--strategies") + 1], "4,2,1,timeout");
});

Deno.test("quick runs pass --quick; the time limits bound a hung run", () => {
  const quick = plan(true, null);
  assert.ok(quick.filter((j) => j.key !== "size").every((j) => j.args.includes("--quick")));
  // Limits, not expectations: a full run takes ~15 minutes, a quick one ~4 minutes.
  assert.ok(quick.reduce((s, j) => s + j.budgetS, 0) <= 1100);
  assert.ok(plan(false, null).reduce((s, j) => s + j.budgetS, 0) <= 2700);
});

Deno.test("--only filters by key prefix", () => {
  assert.deepEqual(plan(true, ["input"]).map((j) => j.key), ["input.lossy", "input.baseline"]);
  assert.deepEqual(plan(true, ["wire", "lobby"]).map((j) => j.key), [
    "wire",
    "lobby",
    "lobbyProfile",
    "lobbyTail",
  ]);
});

Deno.test("a partial run keeps the older sections with the commit they were measured at", () => {
  const results: Record<string, unknown> = { lobby: { new: true } };
  const previous = {
    meta: { commit: "old1", sectionCommits: { wire: "older0" } },
    lobby: { new: false },
    wire: { w: 1 },
    connect: { c: 1 },
  };
  const at = mergeSections(results, previous, { lobby: "head" });
  assert.deepEqual(at, { lobby: "head", wire: "older0", connect: "old1" });
  assert.deepEqual(results.lobby, { new: true });
  assert.deepEqual(results.wire, { w: 1 });
  assert.deepEqual(mergeSections({}, null, { wire: "h" }), { wire: "h" });
});

Deno.test("crashes fail the run; a failed try, a missed target or a missing tool do not", () => {
  assert.deepEqual(crashes({ errors: [] }), []);
  assert.deepEqual(
    crashes({
      errors: ["connect: exited with code 1: boom"],
      lobby: {
        config: {},
        duet: { error: "relay 100 pairs: no pair could be set up" },
        "duet-redis": { error: "cannot run: /usr/bin/redis-server is missing" },
      },
      connect: { errors: ["duet try 3: no result in 15000 ms"] },
      rollback: { errors: [] },
      tick: { rows: [{ rollbackFrames: 0 }], errors: ["8 frames: duet connect: timeout"] },
      lobbyTail: { error: "cannot run: perf is missing (apt-get install linux-perf)" },
    }),
    ["connect: exited with code 1: boom", "lobby duet: relay 100 pairs: no pair could be set up"],
  );
});

Deno.test("a crashed benchmark's last error line becomes the report's reason", () => {
  const stderr =
    "bench: connect\n  starting\nerror: Uncaught Error: deno bundle failed: dns error\n" +
    "    at x.ts:1\n";
  assert.match(lastWords(stderr), /^error: Uncaught Error: deno bundle failed: dns error$/);
  assert.equal(lastWords("only this\n"), "only this");
});

Deno.test("a tick benchmark with no condition measured is a crash", () => {
  assert.deepEqual(crashes({ tick: { rows: [], errors: ["0 frames: x", "8 frames: y"] } }), [
    "tick: no condition ran: 0 frames: x; 8 frames: y",
  ]);
});
