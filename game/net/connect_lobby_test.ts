// connectLobby's reload half against the REAL lobby: a saved ticket is presented as `resume`
// before anything else; a held seat comes back (same session and player), a refused one is
// forgotten and reported through onError.
import assert from "node:assert/strict";
import { startLobby } from "./testing/lobby_process.ts";
import { connectLobby } from "./connect_lobby.ts";
import {
  createSignalingClient,
  type LobbyError,
  type SignalingClient,
} from "./signaling_client.ts";
import { RESUME_TICKET_KEY, type TicketStorage } from "./match/resume_ticket.ts";
import { sleep, until } from "./testing/wait.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function memoryStorage(): TicketStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

Deno.test({
  name: "a page with a ticket takes its held seat back before anything else",
  ...opts,
  fn: async () => {
    const lobby = await startLobby();
    const made: SignalingClient[] = [];
    try {
      const a = createSignalingClient({ url: lobby.url });
      const b = createSignalingClient({ url: lobby.url, reconnect: false });
      made.push(a, b);
      await a.quick();
      await b.quick();
      const [pa, pb] = await Promise.all([a.waitForPaired(), b.waitForPaired()]);
      a.signal({ kind: "offer", sdp: "v=0 a" });
      await sleep(50);
      b.signal({ kind: "answer", sdp: "v=0 b" });
      await sleep(50);
      b.close(); // the page reloads
      await sleep(100);
      const storage = memoryStorage();
      const ticket = { url: lobby.url, token: pb.resume, session: pb.session, player: pb.player };
      storage.setItem(RESUME_TICKET_KEY, JSON.stringify({ ...ticket, savedAt: Date.now() }));
      const back = connectLobby({ url: lobby.url, ticketStorage: storage });
      made.push(back);
      assert.equal(back.resuming, true, "a quick match must wait");
      const p = await back.waitForPaired();
      assert.deepEqual([p.session, p.player, p.resumed], [pa.session, pb.player, true]);
      assert.equal(back.resuming, false);
    } finally {
      for (const c of made) c.close();
      await lobby.stop();
    }
  },
});

Deno.test({
  name: "a refused ticket is forgotten and said through onError; the page is a plain lobby page",
  ...opts,
  fn: async () => {
    const lobby = await startLobby();
    let back: SignalingClient | null = null;
    try {
      const storage = memoryStorage();
      const ticket = { url: lobby.url, token: "A".repeat(26), session: "S1", player: 0 };
      storage.setItem(RESUME_TICKET_KEY, JSON.stringify({ ...ticket, savedAt: Date.now() }));
      back = connectLobby({ url: lobby.url, ticketStorage: storage });
      const errors: LobbyError[] = [];
      back.onError = (e) => errors.push(e);
      await until("the refusal", () => errors.length > 0);
      assert.equal(errors[0].code, "resume-unknown");
      assert.equal(storage.map.size, 0, "the ticket is forgotten");
      assert.equal(back.resuming, false);
      assert.equal(back.paired, null);
      await back.quick(); // the lobby still serves this page
      // Another lobby's ticket, or none, asks nothing.
      const none = connectLobby({ url: lobby.url, ticketStorage: memoryStorage() });
      assert.equal(none.resuming, false);
      none.close();
    } finally {
      back?.close();
      await lobby.stop();
    }
  },
});
