import assert from "node:assert/strict";
import type { Effect } from "./room_registry.ts";
import type { LobbyHub } from "./lobby_hub.ts";
import { createLobbyMetrics } from "./lobby_metrics.ts";
import { createPasswordAttempts } from "./password_attempts.ts";
import type { ScriptResult } from "./redis_client.ts";
import { createRedisSteps, helloNames, type StepContext } from "./redis_steps.ts";
import { encodeStoredPassword } from "./redis_stored_password.ts";
import { hashPassword } from "./room_password.ts";

/** The steps over a fake Redis that answers each script from `answers` ("ok" otherwise). */
function fakeSteps(answers: Record<string, ScriptResult>) {
  const scripts: [string, string[]][] = [];
  const sent: string[] = [];
  const delivered: Effect[] = [];
  const hub = {
    sendText: (_id: string, text: string) => (sent.push(text), true),
    deliver: (effects: readonly Effect[]) => void delivered.push(...effects),
  } as unknown as LobbyHub;
  const ctx: StepContext = {
    run: (name, args) => {
      scripts.push([name, args]);
      return Promise.resolve(answers[name] ?? ["ok"]);
    },
    hub,
    metrics: createLobbyMetrics(),
    addresses: new Map([["p1", "10.0.0.1"]]),
    attempts: createPasswordAttempts(),
    now: () => 1000,
    maxRooms: 10,
    maxSpectators: 4,
    maxBacklog: 100,
    graceMs: 0,
  };
  return { step: createRedisSteps(ctx), scripts, sent, delivered };
}

Deno.test("hello offers the name, its numbered variants and a last resort, each with its skeleton", () => {
  const names = helloNames("Ann", "ABCD");
  assert.equal(names.length, 2 * 10);
  assert.deepEqual(names.filter((_, i) => i % 2 === 0), [
    "Ann",
    ...[2, 3, 4, 5, 6, 7, 8, 9].map((n) => `Ann (${n})`),
    "Ann-ABCD",
  ]);
});

Deno.test("a join with the wrong password is answered here and never runs the join script", async () => {
  const pw = encodeStoredPassword(hashPassword("sesame"));
  const { step, scripts, sent } = fakeSteps({ resolve: ["ok", "room1", pw] });
  await step("p1", { type: "join", room: "ROOM1", password: "open", rid: 7 });
  assert.deepEqual(scripts.map(([name]) => name), ["resolve"]);
  assert.deepEqual(scripts[0]![1], ["p1", "room1", "ROOM1"]);
  assert.deepEqual(JSON.parse(sent[0]!), {
    type: "error",
    code: "wrong-password",
    message: "wrong password",
    rid: 7,
  });
});

Deno.test("a watch resolves with the spectator limit, then watches the resolved room", async () => {
  const { step, scripts } = fakeSteps({ resolve: ["ok", "room1", ""] });
  await step("p1", { type: "watch", room: "Room1", rid: 2 });
  assert.deepEqual(scripts, [
    ["resolve", ["p1", "room1", "ROOM1", "watch", "4"]],
    ["watch", ["p1", "room1", "", "2", "4"]],
  ]);
});

Deno.test("a room that is not found is reported by the name the client typed", async () => {
  const { step, sent } = fakeSteps({ resolve: ["error", "room-not-found", "x"] });
  await step("p1", { type: "join", room: "Nope" });
  assert.equal(JSON.parse(sent[0]!).message, 'no room "Nope"');
});

Deno.test("a step for a player Redis no longer holds throws", async () => {
  const { step } = fakeSteps({ leave: ["gone"] });
  await assert.rejects(step("p1", { type: "leave" }), /not registered in Redis \(gone\)/);
});

Deno.test("create tries fresh ids while the script says one collided, then gives up", async () => {
  const { step, scripts } = fakeSteps({ create: ["retry"] });
  await assert.rejects(step("p1", { type: "create", name: "r" }), /unique room id/);
  assert.equal(scripts.length, 5);
  assert.equal(new Set(scripts.map(([, args]) => args[1])).size, 5);
});

Deno.test("hello whose scope changed tells the hub, after settling", async () => {
  const { step, delivered } = fakeSteps({ rename: ["ok", "chess", "2", "1"] });
  await step("p1", { type: "hello", name: "Ann", game: "chess", version: "2" });
  assert.deepEqual(delivered, [{ kind: "scope", to: "p1", game: "chess", version: "2" }]);
});
