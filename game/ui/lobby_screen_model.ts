/**
 * The lobby screen's view model: from the lobby client's state (connection, rooms, our room, what
 * request is under way) to what the screen shows (rows in order, which controls are enabled, the
 * status line, the waiting card, busy labels), plus the small decisions the screen makes (a join
 * that hit a locked room asks for its password; a pasted invite link is a room code). Pure: the
 * DOM shell in `lobby_screen.ts` only renders what this returns.
 *
 * @module
 */

import type { RoomInfo } from "../../shared/lobby_protocol.ts";
import {
  PLAYER_NAME_MAX_LENGTH,
  ROOM_NAME_MAX_LENGTH,
  ROOM_REF_MAX_LENGTH,
} from "../../shared/limits.ts";
import type { LobbyErrorCode, SignalingState } from "../net/signaling_client.ts";
import { lobbyErrorText, lobbyStateText } from "./lobby_messages.ts";
import { cleanName } from "./player_name.ts";

/** The request the screen is waiting for, or null. Only one runs at a time. */
export type LobbyBusy = "quick" | "create" | "join" | "leave" | null;

/** Everything the view depends on. */
export interface LobbyViewInput {
  /** The lobby connection's state. */
  connection: SignalingState;
  /** The public rooms listed by the lobby. */
  rooms: Iterable<RoomInfo>;
  /** The room we are in, or null. */
  room: RoomInfo | null;
  /** Invite code of our private room, or null. */
  inviteCode: string | null;
  /** The request under way, or null. */
  busy: LobbyBusy;
  /** The player's name (for the default room name). */
  name: string;
  /** The room filter typed by the player ("" shows every room). */
  filter: string;
  /** Whether the game offers watching (`LobbyScreenOptions.onWatch`); default false. */
  canWatch?: boolean;
  /** Builds the invite link for a code (the page's URL with `?room=CODE`). */
  inviteLink: (code: string) => string;
}

/** One row of the room list. */
export interface RoomRow {
  /** The room's id (what `join` takes). */
  id: string;
  /** The room's name as its creator typed it. */
  name: string;
  /** "1/2". */
  players: string;
  /** Joining needs a password. */
  locked: boolean;
  /** Ours: the room we wait in. */
  mine: boolean;
  /** A click joins it now (open, not ours, we are in no room, nothing under way). */
  joinable: boolean;
  /**
   * Its match can be watched now (playing, the game offers watching, we are in no room, nothing
   * under way): the row shows a Watch button; a locked room's asks for its password first.
   */
  watchable: boolean;
  /** What a screen reader says for the Watch button. */
  watchLabel: string;
  /** "2 watching", or "" when nobody watches. */
  spectators: string;
  /** The badge: "open", "full", "playing" or "yours". */
  badge: string;
  /** What a screen reader says for the row's button. */
  label: string;
}

/** What we wait in, shown instead of the forms. */
export interface WaitingView {
  /** Our room's name. */
  roomName: string;
  /** Our room has a password. */
  locked: boolean;
  /** Invite code and link of a private room, else null. */
  invite: { code: string; link: string } | null;
}

/** The whole screen, derived. */
export interface LobbyView {
  /** The connection status line. */
  status: { text: string; tone: "ok" | "busy" | "error" };
  /** Offer a "Retry" next to the status (the client gave up). */
  retry: boolean;
  /** The room list, in order, after the filter. */
  rows: RoomRow[];
  /** Rooms listed before the filter (for the count and for showing the filter box). */
  total: number;
  /** Shown when `rows` is empty. */
  empty: string;
  /** Show the filter box (many rooms, or a filter already typed). */
  showFilter: boolean;
  /** Our room while we wait in it (shown instead of the forms), else null. */
  waiting: WaitingView | null;
  /** Quick match can start now. */
  canQuick: boolean;
  /** The create form can submit now. */
  canCreate: boolean;
  /** The join-by-code form can submit now. */
  canJoinCode: boolean;
  /** "Leave room" can be pressed now. */
  canLeave: boolean;
  /** Button texts, which change while their request runs. */
  labels: { quick: string; create: string; join: string; leave: string };
  /** Placeholder (and default) of the room name field. */
  defaultRoomName: string;
}

/** The filter box appears from this many listed rooms on. */
export const FILTER_FROM_ROOMS = 6;

/**
 * Rooms in list order: joinable (open) rooms first, oldest first among them (quick match takes the
 * oldest too, so the top row is the one most likely waiting longest), then full and playing ones.
 * `filter` keeps rooms whose name contains it, ignoring case and surrounding spaces.
 */
export function sortRooms(rooms: Iterable<RoomInfo>, filter = ""): RoomInfo[] {
  const f = filter.trim().toLocaleLowerCase();
  const rank = (r: RoomInfo) => (r.state === "open" ? 0 : 1);
  return [...rooms]
    .filter((r) => f === "" || r.name.toLocaleLowerCase().includes(f))
    .sort((a, b) => rank(a) - rank(b) || a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

/** Derives the screen from the lobby's state. */
export function lobbyView(input: LobbyViewInput): LobbyView {
  const online = input.connection === "open";
  const idle = input.busy === null;
  const free = online && idle && input.room === null;
  const all = [...input.rooms];
  const mine = input.room?.id ?? null;
  const rows = sortRooms(all, input.filter).map((r): RoomRow => {
    const isMine = r.id === mine;
    const joinable = free && r.state === "open" && !isMine;
    const watchable = free && input.canWatch === true && r.state === "playing";
    const watching = r.spectators ? `${r.spectators} watching` : "";
    const badge = isMine ? "yours" : r.state;
    const players = `${r.players}/${r.capacity}`;
    const what = isMine
      ? "your room"
      : joinable
      ? `join${r.locked ? " (password needed)" : ""}`
      : r.state;
    return {
      id: r.id,
      name: r.name,
      players,
      locked: r.locked,
      mine: isMine,
      joinable,
      watchable,
      watchLabel: `Watch ${r.name}${r.locked ? " (password needed)" : ""}`,
      spectators: watching,
      badge,
      label: `${r.name}, ${r.players} of ${r.capacity} players${r.locked ? ", locked" : ""}${
        watching ? `, ${watching}` : ""
      }: ${what}`,
    };
  });
  const empty = !online
    ? "Waiting for the lobby…"
    : all.length === 0
    ? "No rooms yet. Create one, or press Quick match and wait for someone."
    : "No room matches that filter.";
  const waiting: WaitingView | null = input.room
    ? {
      roomName: input.room.name,
      locked: input.room.locked,
      invite: input.inviteCode
        ? { code: input.inviteCode, link: input.inviteLink(input.inviteCode) }
        : null,
    }
    : null;
  return {
    status: lobbyStateText(input.connection),
    retry: input.connection === "closed",
    rows,
    total: all.length,
    empty,
    showFilter: all.length >= FILTER_FROM_ROOMS || input.filter.trim() !== "",
    waiting,
    canQuick: free,
    canCreate: free,
    canJoinCode: free,
    canLeave: online && idle && input.room !== null,
    labels: {
      quick: input.busy === "quick" ? "Finding a room…" : "Quick match",
      create: input.busy === "create" ? "Creating…" : "Create room",
      join: input.busy === "join" ? "Joining…" : "Join",
      leave: input.busy === "leave" ? "Leaving…" : "Leave room",
    },
    defaultRoomName: defaultRoomName(input.name),
  };
}

/** "Ada's room", cut to the lobby's room name limit. */
export function defaultRoomName(player: string): string {
  return `${player}'s room`.slice(0, ROOM_NAME_MAX_LENGTH);
}

/** The room name to create: what was typed (trimmed, cut to the limit), else the default. */
export function roomNameToCreate(typed: string, player: string): string {
  const name = typed.trim().replace(/\s+/g, " ").slice(0, ROOM_NAME_MAX_LENGTH).trim();
  return name || defaultRoomName(player);
}

/** What the create form asks the lobby for. */
export interface CreateRoomRequest {
  /** The room's name (never empty). */
  name: string;
  /** Invite only (not listed). */
  private: boolean;
  /** The room's password, or undefined for none (an empty field means none). */
  password?: string;
}

/** The create form's fields as the request to send: the default name if none typed. */
export function createRoomRequest(
  fields: { name: string; private: boolean; password: string },
  player: string,
): CreateRoomRequest {
  return {
    name: roomNameToCreate(fields.name, player),
    private: fields.private,
    password: fields.password === "" ? undefined : fields.password,
  };
}

/** What typing a name into "Your name" leads to. */
export type NameChange =
  | { kind: "invalid"; message: string }
  | { kind: "same"; name: string }
  | { kind: "renamed"; name: string };

/**
 * The player typed `typed` as their name while called `current`: an unusable name is refused
 * with a sentence (the field goes back to `current`), the same name after cleaning changes
 * nothing, else this is the new name.
 */
export function nameChange(typed: string, current: string): NameChange {
  const name = cleanName(typed);
  if (!name) {
    return { kind: "invalid", message: `Names are 1 to ${PLAYER_NAME_MAX_LENGTH} characters.` };
  }
  return name === current ? { kind: "same", name } : { kind: "renamed", name };
}

/** Said when "Join with a code" is submitted with nothing usable in it. */
export const JOIN_CODE_MISSING = "Type an invite code, a room id or an invite link first.";

/**
 * The room reference in what the player typed or pasted into "join with a code": a bare code or
 * room id, or a whole invite link (its `?room=` parameter). Null if there is nothing usable.
 */
export function parseRoomRef(text: string): string | null {
  const t = text.trim();
  if (t === "") return null;
  if (/[/?=]/.test(t)) {
    const query = t.includes("?") ? t.slice(t.indexOf("?")) : `?${t}`;
    const room = new URLSearchParams(query.split("#")[0]).get("room")?.trim();
    return room && room.length <= ROOM_REF_MAX_LENGTH ? room : null;
  }
  return t.length <= ROOM_REF_MAX_LENGTH ? t : null;
}

/** The invite link for `code`: `base` (the page's URL) with `?room=CODE`, other parameters kept. */
export function inviteLinkFor(base: string, code: string): string {
  const url = new URL(base);
  url.hash = "";
  // A link opened from an invite must not carry the host's own ?quick or ?name along.
  url.searchParams.delete("quick");
  url.searchParams.delete("name");
  url.searchParams.set("room", code);
  return url.toString();
}

/** What to do after a join failed. */
export interface JoinFailure {
  /** Open (or keep open) the password dialog for this room. */
  askPassword: boolean;
  /** The dialog says the last password was wrong. */
  wrongPassword: boolean;
  /** The sentence for the message bar, or null to say nothing there (the dialog explains). */
  message: string | null;
}

/**
 * A join failed with `code`: a locked room joined without a password asks for one (no error
 * yet: the player did not type anything wrong); a wrong password asks again and says so.
 */
export function joinFailure(
  code: LobbyErrorCode | string,
  passwordGiven: boolean,
  detail?: string,
): JoinFailure {
  if (code === "wrong-password") {
    return passwordGiven
      ? { askPassword: true, wrongPassword: true, message: lobbyErrorText(code) }
      : { askPassword: true, wrongPassword: false, message: null };
  }
  return { askPassword: false, wrongPassword: false, message: lobbyErrorText(code, detail) };
}

/** A message in the message bar. */
export interface LobbyMessage {
  /** The sentence. */
  text: string;
  /** Errors are shown as such; info is a quieter note. */
  tone: "error" | "info";
  /** Said about the connection itself (cleared once the lobby is back). */
  connection?: boolean;
}

/**
 * The message after the connection changed to `state` (given the message shown now and why the
 * client last dropped): a drop says so; coming back clears only a connection message, never an
 * unrelated error the player has not read yet.
 */
export function connectionMessage(
  current: LobbyMessage | null,
  state: SignalingState,
  lastError: LobbyErrorCode | null,
): LobbyMessage | null {
  switch (state) {
    case "reconnecting":
      return {
        text: lobbyErrorText(lastError === "shutting-down" ? lastError : "connection-lost"),
        tone: "error",
        connection: true,
      };
    case "closed":
      return { text: lobbyErrorText(lastError ?? "closed"), tone: "error", connection: true };
    case "open":
    case "connecting":
      return current?.connection ? null : current;
  }
}
