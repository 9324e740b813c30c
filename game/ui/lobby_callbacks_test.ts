import assert from "node:assert/strict";
import {
  borrowLobbyCallbacks,
  LOBBY_CALLBACK_KEYS,
  type LobbyCallbacks,
} from "./lobby_callbacks.ts";

function handlers(tag: string): LobbyCallbacks {
  const fns = {} as Record<string, unknown>;
  for (const key of LOBBY_CALLBACK_KEYS) {
    fns[key] = Object.assign(() => {}, { tag: `${tag}.${key}` });
  }
  return fns as unknown as LobbyCallbacks;
}

Deno.test("borrowing puts every handler of the screen into the client's slots", () => {
  const game = handlers("game");
  const lobby = { ...game };
  const screen = handlers("screen");
  borrowLobbyCallbacks(lobby, screen);
  for (const key of LOBBY_CALLBACK_KEYS) assert.equal(lobby[key], screen[key]);
});

Deno.test("giving back restores what the game had before", () => {
  const game = handlers("game");
  const lobby = { ...game };
  const giveBack = borrowLobbyCallbacks(lobby, handlers("screen"));
  giveBack();
  for (const key of LOBBY_CALLBACK_KEYS) assert.equal(lobby[key], game[key]);
});

Deno.test("a handler the game set while the screen was shown stays after giving back", () => {
  const game = handlers("game");
  const lobby = { ...game };
  const giveBack = borrowLobbyCallbacks(lobby, handlers("screen"));
  const later = () => {};
  lobby.onRooms = later;
  giveBack();
  assert.equal(lobby.onRooms, later);
  assert.equal(lobby.onState, game.onState);
});

Deno.test("a stale give-back does not undo a later borrow of the same handlers", () => {
  const game = handlers("game");
  const lobby = { ...game };
  const screen = handlers("screen");
  const first = borrowLobbyCallbacks(lobby, screen);
  first();
  borrowLobbyCallbacks(lobby, screen); // shown again
  first();
  for (const key of LOBBY_CALLBACK_KEYS) assert.equal(lobby[key], screen[key]);
});

Deno.test("empty slots are given back empty", () => {
  const lobby = {} as LobbyCallbacks;
  const giveBack = borrowLobbyCallbacks(lobby, handlers("screen"));
  giveBack();
  for (const key of LOBBY_CALLBACK_KEYS) assert.equal(lobby[key], undefined);
});
