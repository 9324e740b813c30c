import assert from "node:assert/strict";
import { selfBytesByFunction } from "./tick_alloc_profile.ts";

const node = (functionName: string, url: string, selfSize: number, children: unknown[] = []) => ({
  callFrame: { functionName, url, lineNumber: 9 },
  selfSize,
  children,
});

Deno.test("self bytes are summed per function, and a builtin is named with its caller", () => {
  const root = node("(root)", "", 0, [
    node("advance", "file:///x/game/net/sync_layer.ts", 10, [
      node("slice", "", 100),
    ]),
    node("advance", "file:///x/game/net/sync_layer.ts", 5),
  ]);
  // deno-lint-ignore no-explicit-any
  const got = selfBytesByFunction(root as any);
  assert.equal(got.get("advance game/net/sync_layer.ts:10"), 15);
  assert.equal(got.get("slice :10 < advance game/net/sync_layer.ts:10"), 100);
});
