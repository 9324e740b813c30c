import assert from "node:assert/strict";
import { lobbyErrorText, lobbyStateText } from "./lobby_messages.ts";
import { ERROR_CODES } from "../../shared/lobby_protocol.ts";

Deno.test("every lobby error code has its own sentence", () => {
  const codes = [...ERROR_CODES, "timeout", "connection-lost", "closed"];
  const texts = codes.map((c) => lobbyErrorText(c));
  assert.equal(new Set(texts).size, codes.length);
  for (const t of texts) assert.doesNotMatch(t, /refused/);
});

Deno.test("the errors the issue names read clearly", () => {
  assert.match(lobbyErrorText("room-full"), /full/);
  assert.match(lobbyErrorText("wrong-password"), /Wrong password/);
  assert.match(lobbyErrorText("connection-lost"), /Lost the connection.*Reconnecting/);
});

Deno.test("unknown codes fall back to the detail", () => {
  assert.equal(lobbyErrorText("brand-new", "because"), "The lobby refused: because");
  assert.equal(lobbyErrorText("brand-new"), "The lobby refused that request.");
});

Deno.test("connection states", () => {
  assert.deepEqual(lobbyStateText("open"), { text: "Connected", tone: "ok" });
  assert.match(lobbyStateText("reconnecting").text, /reconnecting/);
  assert.equal(lobbyStateText("reconnecting").tone, "busy");
  assert.equal(lobbyStateText("closed").tone, "error");
  assert.equal(lobbyStateText("connecting").tone, "busy");
});
