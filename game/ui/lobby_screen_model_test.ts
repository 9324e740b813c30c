import assert from "node:assert/strict";
import type { RoomInfo } from "../../shared/lobby_protocol.ts";
import { PLAYER_NAME_MAX_LENGTH } from "../../shared/limits.ts";
import {
  connectionMessage,
  createRoomRequest,
  defaultRoomName,
  FILTER_FROM_ROOMS,
  inviteLinkFor,
  joinFailure,
  lobbyView,
  type LobbyViewInput,
  nameChange,
  parseRoomRef,
  roomNameToCreate,
  sortRooms,
} from "./lobby_screen_model.ts";
import { lobbyErrorText } from "./lobby_messages.ts";

function room(id: string, over: Partial<RoomInfo> = {}): RoomInfo {
  return {
    id,
    name: `Room ${id}`,
    players: 1,
    capacity: 2,
    state: "open",
    locked: false,
    createdAt: 0,
    ...over,
  } as RoomInfo;
}

function input(over: Partial<LobbyViewInput> = {}): LobbyViewInput {
  return {
    connection: "open",
    rooms: [],
    room: null,
    inviteCode: null,
    busy: null,
    name: "Ada",
    filter: "",
    inviteLink: (code) => `http://game.test/?room=${code}`,
    ...over,
  };
}

Deno.test("open rooms come first, oldest first; full and playing rooms after them", () => {
  const rooms = [
    room("a", { createdAt: 3 }),
    room("b", { createdAt: 1, state: "full", players: 2 }),
    room("c", { createdAt: 2 }),
    room("d", { createdAt: 0, state: "playing", players: 2 }),
  ];
  assert.deepEqual(sortRooms(rooms).map((r) => r.id), ["c", "a", "d", "b"]);
});

Deno.test("the filter keeps rooms whose name contains it, ignoring case and spaces", () => {
  const rooms = [room("a", { name: "Bob's Rink" }), room("b", { name: "Carol" })];
  assert.deepEqual(sortRooms(rooms, "  rink ").map((r) => r.id), ["a"]);
  assert.equal(sortRooms(rooms, "").length, 2);
  const v = lobbyView(input({ rooms, filter: "zzz" }));
  assert.equal(v.rows.length, 0);
  assert.equal(v.total, 2);
  assert.match(v.empty, /No room matches/);
  assert.equal(v.showFilter, true);
});

Deno.test("the filter box shows only once the list is long", () => {
  const few = Array.from({ length: FILTER_FROM_ROOMS - 1 }, (_, i) => room(`r${i}`));
  assert.equal(lobbyView(input({ rooms: few })).showFilter, false);
  assert.equal(lobbyView(input({ rooms: [...few, room("x")] })).showFilter, true);
});

Deno.test("in the lobby with nothing under way every action is enabled and open rooms join", () => {
  const v = lobbyView(input({ rooms: [room("a"), room("b", { state: "full", players: 2 })] }));
  assert.equal(v.canQuick && v.canCreate && v.canJoinCode, true);
  assert.equal(v.canLeave, false);
  assert.deepEqual(v.rows.map((r) => [r.id, r.joinable, r.badge]), [
    ["a", true, "open"],
    ["b", false, "full"],
  ]);
  assert.equal(v.waiting, null);
  assert.deepEqual(v.status, { text: "Connected", tone: "ok" });
});

Deno.test("a request under way disables every action and names itself on its button", () => {
  const v = lobbyView(input({ rooms: [room("a")], busy: "quick" }));
  assert.equal(v.canQuick || v.canCreate || v.canJoinCode, false);
  assert.equal(v.rows[0].joinable, false);
  assert.equal(v.labels.quick, "Finding a room…");
  assert.equal(lobbyView(input({ busy: "create" })).labels.create, "Creating…");
  assert.equal(lobbyView(input({ busy: "join" })).labels.join, "Joining…");
  assert.equal(lobbyView(input()).labels.quick, "Quick match");
});

Deno.test("offline, nothing can be started, the list says it waits, and a closed lobby offers retry", () => {
  for (const connection of ["connecting", "reconnecting", "closed"] as const) {
    const v = lobbyView(input({ connection, rooms: [room("a")] }));
    assert.equal(v.canQuick || v.canCreate || v.canJoinCode || v.rows[0].joinable, false);
    assert.equal(v.retry, connection === "closed");
  }
  assert.match(lobbyView(input({ connection: "connecting" })).empty, /Waiting for the lobby/);
  assert.match(lobbyView(input()).empty, /No rooms yet/);
});

Deno.test("waiting in our private room shows its code and invite link and allows leaving", () => {
  const mine = room("m", { name: "Secret", locked: true });
  const v = lobbyView(input({ rooms: [mine, room("o")], room: mine, inviteCode: "ABCD" }));
  assert.deepEqual(v.waiting, {
    roomName: "Secret",
    locked: true,
    invite: { code: "ABCD", link: "http://game.test/?room=ABCD" },
  });
  assert.equal(v.canLeave, true);
  assert.equal(v.canQuick || v.canCreate, false);
  const [m, o] = v.rows;
  assert.deepEqual([m.mine, m.joinable, m.badge], [true, false, "yours"]);
  assert.equal(o.joinable, false, "no joining another room while in one");
  const pub = lobbyView(input({ room: room("p") }));
  assert.equal(pub.waiting?.invite, null);
});

Deno.test("each row has a sentence for screen readers", () => {
  const [r] = lobbyView(input({ rooms: [room("a", { name: "Den", locked: true })] })).rows;
  assert.equal(r.label, "Den, 1 of 2 players, locked: join (password needed)");
  assert.equal(r.players, "1/2");
});

Deno.test("room names to create default to the player's and fit the lobby's limit", () => {
  assert.equal(roomNameToCreate("  ", "Ada"), "Ada's room");
  assert.equal(roomNameToCreate("  my   rink ", "Ada"), "my rink");
  assert.equal(roomNameToCreate("x".repeat(40), "Ada").length, 32);
  assert.equal(defaultRoomName("y".repeat(30)).length, 32);
});

Deno.test("a pasted invite link, a bare code or a room id all join", () => {
  assert.equal(parseRoomRef("  ABCDEF  "), "ABCDEF");
  assert.equal(parseRoomRef("https://play.example/dots/?room=XYZ123&name=A#x"), "XYZ123");
  assert.equal(parseRoomRef("?room=Q1"), "Q1");
  assert.equal(parseRoomRef("room=Q2"), "Q2");
  assert.equal(parseRoomRef(""), null);
  assert.equal(parseRoomRef("https://play.example/"), null);
  assert.equal(parseRoomRef("x".repeat(65)), null);
});

Deno.test("an invite link carries the code and drops the host's own quick and name", () => {
  const link = inviteLinkFor("http://host:8000/play/?quick&name=Host&sim=loss:5#top", "CODE1");
  const url = new URL(link);
  assert.equal(url.pathname, "/play/");
  assert.equal(url.searchParams.get("room"), "CODE1");
  assert.equal(url.searchParams.has("quick"), false);
  assert.equal(url.searchParams.has("name"), false);
  assert.equal(url.searchParams.get("sim"), "loss:5");
  assert.equal(url.hash, "");
});

Deno.test("a locked room joined without a password asks for it without an error", () => {
  assert.deepEqual(joinFailure("wrong-password", false), {
    askPassword: true,
    wrongPassword: false,
    message: null,
  });
  assert.deepEqual(joinFailure("wrong-password", true), {
    askPassword: true,
    wrongPassword: true,
    message: lobbyErrorText("wrong-password"),
  });
  const full = joinFailure("room-full", false);
  assert.equal(full.askPassword, false);
  assert.match(full.message!, /full/);
});

Deno.test("a dropped connection says so, and coming back clears only that", () => {
  const lost = connectionMessage(null, "reconnecting", "connection-lost");
  assert.match(lost!.text, /Lost the connection/);
  assert.equal(connectionMessage(lost, "open", null), null);
  const restarting = connectionMessage(null, "reconnecting", "shutting-down");
  assert.match(restarting!.text, /restarting/);
  const closed = connectionMessage(null, "closed", "server-full");
  assert.match(closed!.text, /full right now/);
  assert.equal(connectionMessage(closed, "connecting", null), null);
  const unrelated = { text: "Wrong password for that room.", tone: "error" as const };
  assert.equal(connectionMessage(unrelated, "open", null), unrelated);
});

Deno.test("the create form sends the typed name, the private flag and a typed password", () => {
  assert.deepEqual(
    createRoomRequest({ name: "  Fun   room ", private: true, password: "pw" }, "Ada"),
    { name: "Fun room", private: true, password: "pw" },
  );
});

Deno.test("the create form with nothing typed sends the default name and no password", () => {
  assert.deepEqual(
    createRoomRequest({ name: "   ", private: false, password: "" }, "Ada"),
    { name: defaultRoomName("Ada"), private: false, password: undefined },
  );
});

Deno.test("a blank or too long name is refused with a sentence", () => {
  for (const typed of ["", "   ", "x".repeat(PLAYER_NAME_MAX_LENGTH + 1)]) {
    const change = nameChange(typed, "Ada");
    assert.equal(change.kind, "invalid");
    assert.match((change as { message: string }).message, /Names are 1 to \d+ characters/);
  }
});

Deno.test("a name that cleans to the current one changes nothing", () => {
  assert.deepEqual(nameChange("  Ada ", "Ada"), { kind: "same", name: "Ada" });
});

Deno.test("a new name is cleaned of extra spaces", () => {
  assert.deepEqual(nameChange(" Grace   Hopper ", "Ada"), {
    kind: "renamed",
    name: "Grace Hopper",
  });
});

Deno.test("playing rooms are watchable when the game offers watching, locked ones too", () => {
  const rooms = [
    room("a", { state: "playing", players: 2, spectators: 3 }),
    room("b", { state: "playing", players: 2, locked: true }),
    room("c"),
  ];
  const v = lobbyView(input({ rooms, canWatch: true }));
  const row = (id: string) => v.rows.find((r) => r.id === id)!;
  assert.equal(row("a").watchable, true);
  assert.equal(row("a").spectators, "3 watching");
  assert.match(row("a").label, /3 watching: playing$/);
  assert.equal(row("a").watchLabel, "Watch Room a");
  assert.equal(row("b").watchable, true, "a locked room is offered: the password is asked for");
  assert.equal(row("b").watchLabel, "Watch Room b (password needed)");
  assert.equal(row("c").watchable, false);
  assert.equal(row("c").spectators, "");
  const a = (v: ReturnType<typeof lobbyView>) => v.rows.find((r) => r.id === "a")!;
  assert.equal(a(lobbyView(input({ rooms }))).watchable, false, "the game did not ask");
  assert.equal(a(lobbyView(input({ rooms, canWatch: true, busy: "join" }))).watchable, false);
});
