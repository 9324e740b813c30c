import assert from "node:assert/strict";
import { silentLogger } from "./log.ts";
import type { ScriptResult } from "./redis_client.ts";
import type { ProcessState } from "./redis_liveness_decisions.ts";
import { createLocalPlayers, disconnectRetryMs } from "./redis_local_players.ts";

/** Players over a fake `run` that answers with `answer` (or throws what it returns). */
function players(answer: (name: string) => ScriptResult | Error, state: ProcessState = "running") {
  const scripts: [string, string[]][] = [];
  const p = createLocalPlayers({
    run: (name, args) => {
      scripts.push([name, args]);
      const a = answer(name);
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
    graceArgs: () => ["0", "1", "2"],
    log: silentLogger,
    getState: () => state,
  });
  return { p, scripts };
}

Deno.test("a disconnect retry waits 50 ms doubling, at most 2 s", () => {
  assert.deepEqual([0, 1, 2, 5, 6, 20].map(disconnectRetryMs), [50, 100, 200, 1600, 2000, 2000]);
});

Deno.test("a connect is connecting until Redis has it, then local", async () => {
  const { p } = players(() => ["ok"]);
  const r = p.connect("10.0.0.1");
  assert.ok(p.connecting.has(r.id) && !p.local.has(r.id));
  assert.equal(p.addresses.get(r.id), "10.0.0.1");
  await r.ready!;
  assert.ok(!p.connecting.has(r.id) && p.local.has(r.id));
});

Deno.test("a connect that Redis refuses leaves no trace here", async () => {
  const { p } = players(() => ["gone"]);
  const r = p.connect();
  await assert.rejects(r.ready!, /not registered \(gone\)/);
  assert.ok(!p.connecting.has(r.id) && !p.local.has(r.id) && !p.addresses.has(r.id));
});

Deno.test("a disconnect that fails is retried until it lands", async () => {
  let failures = 1;
  const { p, scripts } = players((name) =>
    name === "disconnect" && failures-- > 0 ? new Error("blip") : ["ok"]
  );
  await p.connect().ready;
  const [id] = p.local;
  await p.disconnect(id!);
  assert.ok(!p.local.has(id!));
  assert.deepEqual(scripts.slice(1), [
    ["disconnect", [id!, "0", "1", "2"]],
    ["disconnect", [id!, "0", "1", "2"]],
  ]);
});

Deno.test("while closing, a disconnect does nothing (close reaps everyone at once)", async () => {
  const { p, scripts } = players(() => ["ok"], "closing");
  await p.disconnect("x");
  assert.deepEqual(scripts, []);
});
