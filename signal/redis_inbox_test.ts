import assert from "node:assert/strict";
import { parseInboxEntry } from "./redis_inbox.ts";

Deno.test("inbox entries: one player, several, a hook, an ack", () => {
  assert.deepEqual(parseInboxEntry('abc {"type":"left"}'), {
    kind: "one",
    to: "abc",
    text: '{"type":"left"}',
  });
  assert.deepEqual(parseInboxEntry('*a,b,c {"type":"stream"}'), {
    kind: "many",
    to: ["a", "b", "c"],
    text: '{"type":"stream"}',
  });
  assert.deepEqual(parseInboxEntry('#{"type":"paired"}'), {
    kind: "hook",
    text: '{"type":"paired"}',
  });
  assert.deepEqual(parseInboxEntry("!42"), { kind: "ack", token: "42" });
});

Deno.test("inbox entries that are not one of ours are ignored", () => {
  assert.equal(parseInboxEntry(""), null);
  assert.equal(parseInboxEntry("noseparator"), null);
  assert.equal(parseInboxEntry(" leading-space"), null);
  assert.equal(parseInboxEntry("*a,b-without-body"), null);
});
