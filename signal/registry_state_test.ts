import assert from "node:assert/strict";
import { RESUME_TOMBSTONE_MAX, RESUME_TOMBSTONE_MS } from "../shared/limits.ts";
import { bury, createRegistryState, findRoom, type Room } from "./registry_state.ts";

Deno.test("ended resume tokens are remembered for a while, and never more than the cap", () => {
  let t = 0;
  const s = createRegistryState({ monotonic: () => t });
  bury(s, "old", "expired");
  assert.equal(s.endedTokens.get("old")?.why, "expired");
  t = RESUME_TOMBSTONE_MS;
  bury(s, "new", "finished");
  assert.equal(s.endedTokens.has("old"), false, "past its time");
  for (let i = 0; i < RESUME_TOMBSTONE_MAX + 10; i++) bury(s, `t${i}`, "finished");
  assert.equal(s.endedTokens.size, RESUME_TOMBSTONE_MAX);
  assert.equal(s.endedTokens.has(`t${RESUME_TOMBSTONE_MAX + 9}`), true, "the newest stays");
});

Deno.test("a private room is found by its invite code only, never by its id", () => {
  const s = createRegistryState();
  const room = (id: string, code: string | null) => ({ id, code } as unknown as Room);
  const open = room("pub1", null), secret = room("priv1", "CODE1234");
  s.rooms.set(open.id, open);
  s.rooms.set(secret.id, secret);
  s.roomsByCode.set("CODE1234", secret);
  assert.equal(findRoom(s, "PUB1"), open);
  assert.equal(findRoom(s, "priv1"), undefined);
  assert.equal(findRoom(s, "code1234"), secret);
});
