import assert from "node:assert/strict";
import type { SpectatorStreamEnd, StreamBatchMessage } from "../lobby_connection.ts";
import { LobbyStreamTap } from "./lobby_stream_tap.ts";

type Hooks = {
  onStream: ((b: StreamBatchMessage) => void) | null;
  onStreamEnd: ((e: { room: string; reason: SpectatorStreamEnd }) => void) | null;
};

function tapped(hooks: Hooks = { onStream: null, onStreamEnd: null }) {
  const seen: string[] = [];
  const tap = new LobbyStreamTap(hooks, {
    batch: (b) => seen.push(`batch ${b.room} ${b.from}`),
    end: (reason) => seen.push(`end ${reason}`),
  });
  const batch = (room: string, from: number) => hooks.onStream?.({ room, from, inputs: "" });
  const end = (room: string) => hooks.onStreamEnd?.({ room, reason: "player-left" });
  return { hooks, seen, tap, batch, end };
}

Deno.test("messages before the room is known are held, then replayed in order, the room's only", () => {
  const t = tapped();
  t.batch("r1", 0);
  t.batch("r2", 0);
  t.end("r1");
  assert.deepEqual(t.seen, []);
  const replay = t.tap.open("r1");
  assert.deepEqual(t.seen, [], "nothing before the replay is asked for");
  replay();
  assert.deepEqual(t.seen, ["batch r1 0", "end player-left"]);
  t.batch("r1", 1);
  t.batch("r2", 1);
  assert.deepEqual(t.seen, ["batch r1 0", "end player-left", "batch r1 1"]);
});

Deno.test("a refused watch drops what was held and everything after", () => {
  const t = tapped();
  t.batch("r1", 0);
  t.tap.refuse();
  t.batch("r1", 1);
  t.end("r1");
  assert.deepEqual(t.seen, []);
});

Deno.test("the previous callbacks still hear everything and are handed back on detach", () => {
  const heard: string[] = [];
  const hooks: Hooks = {
    onStream: (b) => heard.push(`batch ${b.room}`),
    onStreamEnd: (e) => heard.push(`end ${e.room}`),
  };
  const { onStream, onStreamEnd } = hooks;
  const t = tapped(hooks);
  t.batch("r2", 0);
  t.end("r2");
  assert.deepEqual(heard, ["batch r2", "end r2"]);
  t.tap.detach();
  assert.equal(hooks.onStream, onStream);
  assert.equal(hooks.onStreamEnd, onStreamEnd);
});

Deno.test("detach leaves callbacks alone that someone else installed since", () => {
  const t = tapped();
  const mine = () => {};
  t.hooks.onStream = mine;
  t.tap.detach();
  assert.equal(t.hooks.onStream, mine);
  assert.equal(t.hooks.onStreamEnd, null);
});
