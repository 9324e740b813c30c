/**
 * The lobby as plain state: players, rooms, pairing and signal routing, with no I/O. Every
 * operation returns the messages it causes as {@link Effect}s; the WebSocket layer delivers them.
 *
 * Room lifecycle (explicit states, shown in RoomInfo):
 *
 *     create / quick ──> open ──join──> full ──answer relayed──> playing
 *                         ^  └─last player leaves──> removed       │
 *                         └──────────── a player leaves ───────────┘ (the other gets peer-left)
 *
 * The player who was in the room first is the `offerer`; each pairing gets a fresh session id.
 * Private rooms are reachable by invite code only and never appear in room lists or broadcasts.
 */
import type {
  ClientMessage,
  ClientMessageOf,
  ErrorCode,
  RoomInfo,
  RoomState,
  ServerMessage,
} from "../shared/lobby_protocol.ts";
import { DEFAULT_MAX_ROOMS, INVITE_CODE_LENGTH, ROOM_CAPACITY } from "../shared/limits.ts";
import { createOpenRoomQueue } from "./open_room_queue.ts";
import { randomBase32, type RandomBytes, secureRandomBytes } from "./random_id.ts";
import { hashPassword, type PasswordHash, verifyPassword } from "./room_password.ts";

/** A connected player's id (also sent to clients as `welcome.id`, `peer.id`, `signal.from`). */
export type PlayerId = string;

/** An outgoing message: to one player, or to every connected player (room list changes). */
export type Effect =
  | { kind: "send"; to: PlayerId; message: ServerMessage }
  | { kind: "broadcast"; message: ServerMessage };

/** Options of {@link createRoomRegistry}. */
export interface RoomRegistryOptions {
  /** Rooms held at once, public and private; more `create`/`quick` get `server-full`. */
  maxRooms?: number;
  /** Wall clock for `createdAt` (ms since the epoch). */
  now?: () => number;
  /** Randomness for ids, invite codes and password salts. */
  random?: RandomBytes;
}

/** The lobby's state machine. */
export interface RoomRegistry {
  /** Registers a new connection; returns its id and default name (for `welcome`). */
  connect(): { id: PlayerId; name: string };
  /** Applies one validated client message from `player`. Unknown players are ignored. */
  handle(player: PlayerId, message: ClientMessage): Effect[];
  /** The player's connection is gone: leaves its room (the peer gets `peer-left`). Idempotent. */
  disconnect(player: PlayerId): Effect[];
  /** Every public room, oldest first (the `rooms` snapshot and `GET /api/rooms`). */
  publicRooms(): RoomInfo[];
  /** The room `player` is in, or null. */
  roomOf(player: PlayerId): RoomInfo | null;
  /** Counts for health checks and tests. */
  counts(): { players: number; rooms: number; publicRooms: number };
  /** Rooms (public and private) by state, for metrics. O(rooms). */
  roomStates(): Record<RoomState, number>;
}

interface Player {
  id: PlayerId;
  name: string;
  room: Room | null;
}

interface Room {
  id: string;
  name: string;
  /** Invite code of a private room; null for public rooms. */
  code: string | null;
  password: PasswordHash | null;
  /** In order of arrival: players[0] is the offerer. */
  players: Player[];
  state: RoomState;
  session: string | null;
  createdAt: number;
  /** Creation order, for quick match's "oldest open room". */
  seq: number;
}

const ID_LENGTH = 10;
const SESSION_LENGTH = 16;

/** Creates an empty registry. */
export function createRoomRegistry(opts: RoomRegistryOptions = {}): RoomRegistry {
  const maxRooms = opts.maxRooms ?? DEFAULT_MAX_ROOMS;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? secureRandomBytes;

  const players = new Map<PlayerId, Player>();
  const rooms = new Map<string, Room>();
  const roomsByCode = new Map<string, Room>();
  // Insertion order is creation order, so the snapshot comes out oldest first for free.
  const publicRooms = new Map<string, Room>();
  const quickQueue = createOpenRoomQueue<Room>((r) => r.seq);
  let nextSeq = 0;

  const uniqueId = (length: number, taken: (id: string) => boolean, lower: boolean) => {
    for (;;) {
      const raw = randomBase32(length, random);
      const id = lower ? raw.toLowerCase() : raw;
      if (!taken(id)) return id;
    }
  };

  const info = (room: Room): RoomInfo => ({
    id: room.id,
    name: room.name,
    players: room.players.length,
    capacity: ROOM_CAPACITY,
    state: room.state,
    locked: room.password !== null,
    createdAt: room.createdAt,
  });

  const send = (to: Player, message: ServerMessage): Effect => ({
    kind: "send",
    to: to.id,
    message,
  });

  /** `message` with the request's rid, if it had one (no `rid: undefined` keys on the wire). */
  const withRid = <M extends ServerMessage>(message: M, rid: number | undefined): M =>
    rid === undefined ? message : { ...message, rid };

  /** The room list broadcast for a change to `room`, if anyone may see it. */
  const announce = (room: Room, effects: Effect[]) => {
    if (room.code !== null) return;
    effects.push({ kind: "broadcast", message: { type: "room", room: info(room) } });
  };

  /** Keeps the quick-match queue in step with the room's state. */
  const requeue = (room: Room) => {
    if (room.code === null && room.password === null && room.state === "open") quickQueue.add(room);
    else quickQueue.remove(room);
  };

  const openRoom = (
    creator: Player,
    name: string,
    isPrivate: boolean,
    password: string | undefined,
    rid: number | undefined,
    effects: Effect[],
  ) => {
    const id = uniqueId(ID_LENGTH, (x) => rooms.has(x), true);
    const code = isPrivate ? uniqueId(INVITE_CODE_LENGTH, (x) => roomsByCode.has(x), false) : null;
    const room: Room = {
      id,
      name,
      code,
      // An empty password field means "no password", as a blank form field would.
      password: password ? hashPassword(password, random) : null,
      players: [creator],
      state: "open",
      session: null,
      createdAt: now(),
      seq: nextSeq++,
    };
    rooms.set(id, room);
    if (code === null) publicRooms.set(id, room);
    else roomsByCode.set(code, room);
    creator.room = room;
    requeue(room);
    effects.push(send(creator, joinedMessage(room, rid)));
    announce(room, effects);
  };

  const joinedMessage = (room: Room, rid: number | undefined): ServerMessage =>
    withRid(
      room.code === null
        ? { type: "joined", room: info(room) }
        : { type: "joined", room: info(room), code: room.code },
      rid,
    );

  /** Adds the second player: full, paired, roles by arrival. */
  const enter = (room: Room, joiner: Player, rid: number | undefined, effects: Effect[]) => {
    const first = room.players[0];
    room.players.push(joiner);
    joiner.room = room;
    room.state = "full";
    room.session = randomBase32(SESSION_LENGTH, random);
    requeue(room);
    effects.push(send(joiner, joinedMessage(room, rid)));
    effects.push(send(first, {
      type: "paired",
      peer: { id: joiner.id, name: joiner.name },
      role: "offerer",
      session: room.session,
    }));
    effects.push(send(joiner, {
      type: "paired",
      peer: { id: first.id, name: first.name },
      role: "answerer",
      session: room.session,
    }));
    announce(room, effects);
  };

  /** Takes `player` out of its room: the peer stays and the room opens again, or it is removed. */
  const exit = (player: Player, effects: Effect[]) => {
    const room = player.room;
    if (room === null) return;
    player.room = null;
    room.players = room.players.filter((p) => p !== player);
    room.session = null;
    if (room.players.length === 0) {
      rooms.delete(room.id);
      quickQueue.remove(room);
      if (room.code === null) {
        publicRooms.delete(room.id);
        effects.push({ kind: "broadcast", message: { type: "room-removed", id: room.id } });
      } else roomsByCode.delete(room.code);
      return;
    }
    room.state = "open";
    requeue(room);
    for (const p of room.players) effects.push(send(p, { type: "peer-left", id: player.id }));
    announce(room, effects);
  };

  const findRoom = (ref: string): Room | undefined => {
    const byId = rooms.get(ref.toLowerCase());
    // A private room's id is not a way in: only its code is.
    if (byId !== undefined && byId.code === null) return byId;
    return roomsByCode.get(ref.toUpperCase());
  };

  /** Where a handler puts what it causes; `fail` answers the request with an error. */
  interface Out {
    effects: Effect[];
    fail(code: ErrorCode, message: string): void;
  }

  const handlers: {
    [T in ClientMessage["type"]]: (p: Player, m: ClientMessageOf<T>, out: Out) => void;
  } = {
    hello(p, m, out) {
      p.name = m.name;
      out.effects.push(send(p, withRid({ type: "renamed", name: p.name }, m.rid)));
    },
    create(p, m, out) {
      if (p.room !== null) return out.fail("already-in-room", "leave your room first");
      if (rooms.size >= maxRooms) return out.fail("server-full", "too many rooms, try later");
      openRoom(p, m.name, m.private === true, m.password, m.rid, out.effects);
    },
    join(p, m, out) {
      if (p.room !== null) return out.fail("already-in-room", "leave your room first");
      const room = findRoom(m.room);
      if (room === undefined) {
        return out.fail("room-not-found", `no room ${JSON.stringify(m.room)}`);
      }
      if (room.players.length >= ROOM_CAPACITY) {
        return out.fail("room-full", "the room already has two players");
      }
      if (room.password !== null && !verifyPassword(room.password, m.password ?? "")) {
        return out.fail(
          "wrong-password",
          m.password ? "wrong password" : "this room needs a password",
        );
      }
      enter(room, p, m.rid, out.effects);
    },
    quick(p, m, out) {
      if (p.room !== null) return out.fail("already-in-room", "leave your room first");
      const oldest = quickQueue.peek();
      if (oldest !== undefined) return enter(oldest, p, m.rid, out.effects);
      if (rooms.size >= maxRooms) return out.fail("server-full", "too many rooms, try later");
      openRoom(p, `${p.name}'s room`, false, undefined, m.rid, out.effects);
    },
    leave(p, m, out) {
      if (p.room === null) return out.fail("not-in-room", "you are not in a room");
      out.effects.push(send(p, withRid({ type: "left" }, m.rid)));
      exit(p, out.effects);
    },
    signal(p, m, out) {
      const room = p.room;
      if (room === null) return out.fail("not-paired", "you are not in a room");
      const peer = room.players.find((x) => x !== p);
      if (peer === undefined) return out.fail("not-paired", "wait for `paired` before signalling");
      out.effects.push(send(peer, { type: "signal", from: p.id, data: m.data }));
      // The lobby cannot see the peer connection; a relayed answer is the last step it takes part in.
      if (m.data.kind === "answer" && room.state === "full") {
        room.state = "playing";
        announce(room, out.effects);
      }
    },
    ping(p, m, out) {
      out.effects.push(
        send(p, withRid(m.t === undefined ? { type: "pong" } : { type: "pong", t: m.t }, m.rid)),
      );
    },
  };

  return {
    connect() {
      const id = uniqueId(ID_LENGTH, (x) => players.has(x), true);
      const player: Player = { id, name: `Player-${randomBase32(4, random)}`, room: null };
      players.set(id, player);
      return { id, name: player.name };
    },
    handle(playerId, message) {
      const player = players.get(playerId);
      if (player === undefined) return [];
      const effects: Effect[] = [];
      const fail = (code: ErrorCode, text: string) => {
        const m = withRid({ type: "error" as const, code, message: text }, message.rid);
        effects.push(send(player, m));
      };
      // The table is keyed by type; TypeScript cannot correlate the two unions on its own.
      (handlers[message.type] as (p: Player, m: ClientMessage, out: Out) => void)(
        player,
        message,
        { effects, fail },
      );
      return effects;
    },
    disconnect(playerId) {
      const player = players.get(playerId);
      if (player === undefined) return [];
      players.delete(playerId);
      const effects: Effect[] = [];
      exit(player, effects);
      return effects;
    },
    publicRooms: () => Array.from(publicRooms.values(), info),
    roomOf(playerId) {
      const room = players.get(playerId)?.room;
      return room ? info(room) : null;
    },
    counts: () => ({ players: players.size, rooms: rooms.size, publicRooms: publicRooms.size }),
    roomStates() {
      const states: Record<RoomState, number> = { open: 0, full: 0, playing: 0 };
      for (const room of rooms.values()) states[room.state]++;
      return states;
    },
  };
}
