import assert from "node:assert/strict";
import { errorText, stepOutcome } from "./redis_step_outcome.ts";

Deno.test("a step's result: ok, ok with a pairing, an error, a player Redis no longer holds", () => {
  assert.deepEqual(stepOutcome(["ok"]), { kind: "ok", paired: false });
  assert.deepEqual(stepOutcome(["ok", "paired"]), { kind: "ok", paired: true });
  assert.deepEqual(stepOutcome(["error", "room-full", "room is full"]), {
    kind: "error",
    code: "room-full",
    message: "room is full",
  });
  assert.deepEqual(stepOutcome(["gone"]), { kind: "gone", status: "gone" });
});

Deno.test("room-not-found says the name the client typed, not the script's text", () => {
  assert.deepEqual(stepOutcome(["error", "room-not-found", "abc123"], 'no room "Ann"'), {
    kind: "error",
    code: "room-not-found",
    message: 'no room "Ann"',
  });
});

Deno.test("an error message carries retryAfterMs and rid only when given, rid last", () => {
  assert.equal(
    errorText("room-full", "full", undefined),
    '{"type":"error","code":"room-full","message":"full"}',
  );
  assert.equal(
    errorText("too-many-attempts", "wait", 3, 500),
    '{"type":"error","code":"too-many-attempts","message":"wait","retryAfterMs":500,"rid":3}',
  );
});
