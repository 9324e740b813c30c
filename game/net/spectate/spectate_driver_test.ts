import assert from "node:assert/strict";
import { TICK_MS } from "../match/match_runner.ts";
import { createTestGame, type TestGame } from "../test_game.ts";
import { testHeader } from "../testing/stream_header.ts";
import { SpectateDriver, type SpectateDriverOptions } from "./spectate_driver.ts";
import type { SpectatorEvent } from "./spectator_news.ts";

function driven(opts: Partial<SpectateDriverOptions<TestGame>> = {}) {
  const calls = { leaves: 0 };
  const driver = new SpectateDriver<TestGame>({
    createGame: (s) => createTestGame({ seed: s.seed }),
    leaveLobby: () => calls.leaves++,
    ...opts,
  });
  const events: SpectatorEvent[] = [];
  driver.on((e) => events.push(e));
  return { driver, events, calls };
}

Deno.test("the header starts a session, batches feed it, and playing announces the match once", () => {
  const { driver, events } = driven();
  driver.tell({ type: "watching", header: testHeader });
  assert.equal(driver.state.phase, "playing");
  assert.ok(driver.session);
  driver.tell({ type: "stream", from: 0, inputs: new Uint8Array(2 * 60) });
  assert.equal(driver.session.received, 60);
  driver.update(TICK_MS * 10);
  driver.update(TICK_MS * 10);
  assert.deepEqual(
    events.map((e) => e.type),
    ["phase", "started"],
  );
});

Deno.test("nothing is simulated before the session, nor after the watching is over", () => {
  const { driver } = driven();
  assert.equal(driver.update(1000), 0);
  driver.tell({ type: "watching", header: testHeader });
  driver.tell({ type: "stream", from: 0, inputs: new Uint8Array(2 * 600) });
  driver.tell({ type: "leave" });
  assert.equal(driver.done, true);
  assert.equal(driver.update(1000), 0);
});

Deno.test("a refused batch closes, and the news waits for flush", () => {
  const { driver, events } = driven();
  driver.tell({ type: "watching", header: testHeader });
  driver.dispatch({ type: "stream", from: 5, inputs: new Uint8Array(2) });
  assert.equal(driver.state.phase, "closed");
  assert.deepEqual(events.map((e) => e.type), ["phase"], "only the first step's news so far");
  driver.flush();
  // Once: the refusal's step runs inside the batch's, and only the refusal's reports the close.
  assert.deepEqual(events.slice(1), [
    { type: "phase", phase: "closed", previous: "playing" },
    { type: "closed", reason: "failed", message: driver.state.message },
  ]);
});

Deno.test("a game that throws on creation closes the watching with a sentence", () => {
  const { driver } = driven({
    createGame: () => {
      throw new Error("no canvas");
    },
  });
  driver.tell({ type: "watching", header: testHeader });
  assert.equal(driver.state.phase, "closed");
  assert.equal(driver.session, null);
  assert.match(driver.state.message ?? "", /could not start: no canvas/);
});

Deno.test("leaving leaves the lobby once", () => {
  const { driver, calls } = driven();
  driver.tell({ type: "watching", header: testHeader });
  driver.tell({ type: "leave" });
  assert.equal(driver.state.phase, "left");
  assert.equal(calls.leaves, 1);
});
