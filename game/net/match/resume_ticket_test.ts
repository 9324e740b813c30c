import assert from "node:assert/strict";
import {
  clearTicket,
  loadTicket,
  RESUME_TICKET_KEY,
  type ResumeTicket,
  saveTicket,
  type TicketStorage,
} from "./resume_ticket.ts";

function memoryStorage(): TicketStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

const URL = "ws://127.0.0.1:8000/ws";
const ticket: ResumeTicket = {
  url: URL,
  token: "ABCDEFGHJKMNPQRSTVWXYZ0123",
  session: "S3SS10N",
  player: 1,
  savedAt: 1000,
};

Deno.test("a saved ticket loads back for the same lobby within the grace period", () => {
  const s = memoryStorage();
  assert.equal(saveTicket(s, ticket), true);
  assert.deepEqual(loadTicket(s, URL, 5000, 20_000), ticket);
  // Another lobby's page sees nothing, and leaves it be.
  assert.equal(loadTicket(s, "ws://elsewhere/ws", 5000, 20_000), null);
  assert.ok(s.map.has(RESUME_TICKET_KEY));
});

Deno.test("a ticket older than the grace period, or from the future, is dropped", () => {
  const s = memoryStorage();
  saveTicket(s, ticket);
  assert.equal(loadTicket(s, URL, 21_001, 20_000), null);
  assert.equal(s.map.size, 0);
  saveTicket(s, ticket);
  assert.equal(loadTicket(s, URL, 999, 20_000), null);
  assert.equal(s.map.size, 0);
});

Deno.test("damaged or hostile stored values are dropped, never thrown", () => {
  const s = memoryStorage();
  for (
    const text of [
      "not json",
      "null",
      "[]",
      JSON.stringify({ ...ticket, token: "has spaces" }),
      JSON.stringify({ ...ticket, token: "x".repeat(65) }),
      JSON.stringify({ ...ticket, session: "" }),
      JSON.stringify({ ...ticket, player: 2 }),
      JSON.stringify({ ...ticket, player: undefined }),
      JSON.stringify({ ...ticket, savedAt: "soon" }),
      JSON.stringify({ ...ticket, url: 7 }),
    ]
  ) {
    s.map.set(RESUME_TICKET_KEY, text);
    assert.equal(loadTicket(s, URL, 5000, 20_000), null, text);
    assert.equal(s.map.size, 0, text);
  }
});

Deno.test("no storage, or one that throws, means nothing to resume", () => {
  assert.equal(saveTicket(null, ticket), false);
  assert.equal(loadTicket(null, URL, 0, 1), null);
  clearTicket(null);
  const broken: TicketStorage = {
    getItem: () => {
      throw new Error("SecurityError");
    },
    setItem: () => {
      throw new Error("QuotaExceededError");
    },
    removeItem: () => {
      throw new Error("SecurityError");
    },
  };
  assert.equal(saveTicket(broken, ticket), false);
  assert.equal(loadTicket(broken, URL, 5000, 20_000), null);
  clearTicket(broken);
});
