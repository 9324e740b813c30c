import assert from "node:assert/strict";
import { silentLogger } from "./log.ts";
import { deliverInboxEntry, type InboxTargets, parseInboxEntry } from "./redis_inbox.ts";

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

/** Where entries went, from a fake hub, hooks and ack. */
function targets() {
  const sent: [string, string][] = [];
  const acks: string[] = [];
  const paired: unknown[] = [];
  const errors: string[] = [];
  const to: InboxTargets = {
    hub: { sendText: (id, text) => (sent.push([id, text]), true) },
    ackArrived: (token) => void acks.push(token),
    hooks: { onPaired: (e) => void paired.push(e) },
    log: { ...silentLogger, error: (event) => void errors.push(event) },
  };
  return { to, sent, acks, paired, errors };
}

Deno.test("inbox entries go to their players, the hooks and the acks", () => {
  const t = targets();
  deliverInboxEntry('abc {"type":"left"}', t.to);
  deliverInboxEntry('*a,b {"type":"stream"}', t.to);
  deliverInboxEntry('#{"type":"paired","room":"r"}', t.to);
  deliverInboxEntry("!7", t.to);
  assert.deepEqual(t.sent, [
    ["abc", '{"type":"left"}'],
    ["a", '{"type":"stream"}'],
    ["b", '{"type":"stream"}'],
  ]);
  assert.deepEqual(t.paired, [{ room: "r" }]);
  assert.deepEqual(t.acks, ["7"]);
});

Deno.test("a malformed entry is dropped and a malformed hook logged, neither thrown", () => {
  const t = targets();
  deliverInboxEntry("nospace", t.to);
  deliverInboxEntry("#{not json", t.to);
  // Well-formed JSON that is not an event reaches no hook either.
  for (const bad of ["#null", "#5", '#"paired"', '#{"room":"r"}']) deliverInboxEntry(bad, t.to);
  assert.deepEqual(t.sent, []);
  assert.deepEqual(t.paired, []);
  assert.deepEqual(t.errors, Array(5).fill("redis-bad-hook"));
});
