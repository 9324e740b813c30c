/**
 * Rooms open and pair: `create`, `join` and `quick`. A room opens with its creator; the second
 * player makes it `full` and pairs the two in a fresh session (the first to arrive offers), with
 * a resume token per seat. Who may enter is checked here for `watch` too: the scope (game and
 * build) and a locked room's password, with backoff (password_attempts.ts).
 *
 * @module
 */
import type { ServerMessage, ServerMessageOf } from "../shared/lobby_protocol.ts";
import { INVITE_CODE_LENGTH, RESUME_TOKEN_LENGTH, ROOM_CAPACITY } from "../shared/limits.ts";
import { randomBase32 } from "./random_id.ts";
import { hashPassword, verifyPassword } from "./room_password.ts";
import {
  announce,
  busy,
  type Effect,
  findRoom,
  type Handlers,
  ID_LENGTH,
  info,
  occupancy,
  type Out,
  type Player,
  quickQueue,
  type RegistryState,
  requeue,
  type Room,
  send,
  uniqueId,
  withRid,
} from "./registry_state.ts";

const SESSION_LENGTH = 16;

function openRoom(
  s: RegistryState,
  creator: Player,
  name: string,
  isPrivate: boolean,
  password: string | undefined,
  rid: number | undefined,
  effects: Effect[],
): void {
  const id = uniqueId(s, ID_LENGTH, (x) => s.rooms.has(x), true);
  const code = isPrivate
    ? uniqueId(s, INVITE_CODE_LENGTH, (x) => s.roomsByCode.has(x), false)
    : null;
  const room: Room = {
    id,
    name,
    code,
    // An empty password field means "no password", as a blank form field would.
    password: password ? hashPassword(password, s.random) : null,
    players: [creator],
    state: "open",
    session: null,
    offered: false,
    createdAt: s.now(),
    seq: s.nextSeq++,
    game: creator.game,
    version: creator.version,
    tokens: new Map(),
    away: null,
    spectators: new Set(),
    stream: null,
    streamer: null,
    routes: [null, null],
  };
  s.rooms.set(id, room);
  if (code === null) s.publicRooms.set(id, room);
  else s.roomsByCode.set(code, room);
  creator.room = room;
  requeue(s, room);
  effects.push(send(creator, joinedMessage(room, rid)));
  announce(room, effects);
}

/** `joined` for a player who entered `room` (with the invite code of a private one). */
export function joinedMessage(room: Room, rid: number | undefined): ServerMessage {
  return withRid(
    room.code === null
      ? { type: "joined", room: info(room) }
      : { type: "joined", room: info(room), code: room.code },
    rid,
  );
}

/** Adds the second player: full, paired, roles by arrival. */
function enter(
  s: RegistryState,
  room: Room,
  joiner: Player,
  rid: number | undefined,
  effects: Effect[],
): void {
  const first = room.players[0];
  room.players.push(joiner);
  joiner.room = room;
  room.state = "full";
  room.session = randomBase32(SESSION_LENGTH, s.random);
  room.offered = false;
  for (const p of room.players) {
    const token = uniqueId(
      s,
      RESUME_TOKEN_LENGTH,
      (x) => s.liveTokens.has(x) || s.endedTokens.has(x),
      false,
    );
    room.tokens.set(p, token);
    s.liveTokens.set(token, room);
  }
  room.streamer = room.tokens.get(first)!;
  requeue(s, room);
  effects.push(send(joiner, joinedMessage(room, rid)));
  effects.push(send(first, pairedMessage(s, room, first, joiner, "offerer", false)));
  effects.push(send(joiner, pairedMessage(s, room, joiner, first, "answerer", false)));
  effects.push({
    kind: "event",
    event: {
      type: "paired",
      session: room.session,
      room: room.id,
      game: room.game,
      version: room.version,
      players: [
        { id: first.id, name: first.name, role: "offerer" },
        { id: joiner.id, name: joiner.name, role: "answerer" },
      ],
    },
  });
  announce(room, effects);
}

/** `paired` for `to`, whose peer is `peer`; with its resume token when seats are held. */
export function pairedMessage(
  s: RegistryState,
  room: Room,
  to: Player,
  peer: Player,
  role: "offerer" | "answerer",
  resumed: boolean,
): ServerMessage {
  const m: ServerMessageOf<"paired"> = {
    type: "paired",
    peer: { id: peer.id, name: peer.name },
    role,
    session: room.session!,
  };
  const token = room.tokens.get(to);
  if (s.graceMs > 0 && token !== undefined) m.resume = token;
  if (resumed) m.resumed = true;
  return m;
}

/** Whether `p` may enter `room` (scope); otherwise answers the error and false. */
export function admit(p: Player, room: Room, out: Out): boolean {
  if (room.game !== p.game) {
    out.fail("wrong-game", "that room is for another game");
    return false;
  }
  if (room.version !== p.version) {
    out.fail("incompatible-version", "that room is for another version of the game");
    return false;
  }
  return true;
}

/** Checks a locked room's password with backoff; otherwise answers the error and false. */
export function passwordOk(
  s: RegistryState,
  p: Player,
  room: Room,
  password: string | undefined,
  out: Out,
): boolean {
  if (room.password === null) return true;
  const keys = [`room:${room.id}`, `ip:${p.address}`];
  const t = s.monotonic();
  const wait = s.attempts.wait(keys, t);
  if (wait > 0) {
    out.fail("too-many-attempts", "too many wrong passwords; wait a little", {
      retryAfterMs: wait,
    });
    return false;
  }
  if (!verifyPassword(room.password, password ?? "")) {
    // A join without a password is a question ("is it locked?"), not a guess.
    if (password) s.attempts.failed(keys, t);
    out.fail("wrong-password", password ? "wrong password" : "this room needs a password");
    return false;
  }
  return true;
}

/** The steps of `create`, `join` and `quick`. */
export const pairingHandlers: Pick<Handlers, "create" | "join" | "quick"> = {
  create(s, p, m, out) {
    if (busy(p)) return out.fail("already-in-room", "leave your room first");
    if (s.rooms.size >= s.maxRooms) return out.fail("server-full", "too many rooms, try later");
    openRoom(s, p, m.name, m.private === true, m.password, m.rid, out.effects);
  },
  join(s, p, m, out) {
    if (busy(p)) return out.fail("already-in-room", "leave your room first");
    const room = findRoom(s, m.room);
    if (room === undefined) {
      return out.fail("room-not-found", `no room ${JSON.stringify(m.room)}`);
    }
    if (!admit(p, room, out)) return;
    if (occupancy(room) >= ROOM_CAPACITY) {
      return out.fail("room-full", "the room already has two players");
    }
    if (!passwordOk(s, p, room, m.password, out)) return;
    enter(s, room, p, m.rid, out.effects);
  },
  quick(s, p, m, out) {
    if (busy(p)) return out.fail("already-in-room", "leave your room first");
    const oldest = quickQueue(s, p.game, p.version).peek();
    if (oldest !== undefined) return enter(s, oldest, p, m.rid, out.effects);
    if (s.rooms.size >= s.maxRooms) return out.fail("server-full", "too many rooms, try later");
    openRoom(s, p, `${p.name}'s room`, false, undefined, m.rid, out.effects);
  },
};
