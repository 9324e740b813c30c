import assert from "node:assert/strict";
import type { TestGame } from "../test_game.ts";
import type { SpectatorSession } from "./spectator_session.ts";
import { spectatorStats } from "./spectator_stats.ts";

Deno.test("before the session exists every count is zero and nothing is confirmed", () => {
  assert.deepEqual(spectatorStats(null), {
    frame: 0,
    confirmedFrame: -1,
    received: 0,
    behind: 0,
    fastForwarding: false,
    rejected: 0,
  });
});

Deno.test("a session's stats: behind is what was received and not yet shown", () => {
  const session = {
    frame: 40,
    received: 100,
    fastForwarding: true,
    rejected: 2,
  } as SpectatorSession<TestGame>;
  assert.deepEqual(spectatorStats(session), {
    frame: 40,
    confirmedFrame: 39,
    received: 100,
    behind: 60,
    fastForwarding: true,
    rejected: 2,
  });
});
