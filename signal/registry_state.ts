/**
 * The room registry's state (players, rooms, their indexes, the settings) and the small steps
 * every part of the registry shares: effects, room info and announcements, the quick-match
 * queues, ids, finding a room, burying a resume token. The registry's lifecycles live beside it,
 * one file each, as functions of this state: player_names.ts, room_pairing.ts, room_session.ts,
 * room_spectators.ts, room_signal.ts; room_registry.ts puts them together.
 *
 * @module
 */
import type {
  ClientMessage,
  ClientMessageOf,
  ErrorCode,
  RoomInfo,
  RoomState,
  ServerMessage,
} from "../shared/lobby_protocol.ts";
import {
  DEFAULT_MAX_ROOMS,
  DEFAULT_RESUME_GRACE_MS,
  MAX_SPECTATORS_PER_ROOM,
  RESUME_TOMBSTONE_MAX,
  RESUME_TOMBSTONE_MS,
  ROOM_CAPACITY,
  STREAM_BACKLOG_MAX_BYTES,
} from "../shared/limits.ts";
import type { LobbyEvent } from "./lobby_hooks.ts";
import { createOpenRoomQueue, type OpenRoomQueue } from "./open_room_queue.ts";
import { createPasswordAttempts, type PasswordAttempts } from "./password_attempts.ts";
import { randomBase32, type RandomBytes, secureRandomBytes } from "./random_id.ts";
import type { PasswordHash } from "./room_password.ts";
import type { RoomStream } from "./room_stream.ts";

/** Length of player and room ids. */
export const ID_LENGTH = 10;

/** A connected player's id (also sent to clients as `welcome.id`, `peer.id`, `signal.from`). */
export type PlayerId = string;

/**
 * What a step causes: a message to one player; a room-list change for every player who may see
 * it (the hub filters by scope and `list` filter, and batches); a player's room-list view changed
 * (`scope`: after `hello` moved it to another game or build; `list`: a new filter, answered with a
 * snapshot carrying the rid); a hook to call; a held seat's grace to time (call `expire(token)`
 * after `afterMs`).
 */
export type Effect =
  | { kind: "send"; to: PlayerId; message: ServerMessage }
  // One message for many players (a stream batch for every spectator): serialized once.
  | { kind: "fanout"; to: readonly PlayerId[]; message: ServerMessage }
  | { kind: "broadcast"; message: ServerMessage }
  | { kind: "scope"; to: PlayerId; game: string; version: string }
  | { kind: "list"; to: PlayerId; filter: string; rid?: number }
  | { kind: "event"; event: LobbyEvent }
  | { kind: "expire"; token: string; afterMs: number };

/**
 * Where the registry's `route` sends a signal: the peer, and the relayed envelope's text before
 * and after the client's `data` (relay_signal.ts), made once per pairing and direction.
 */
export interface Route {
  readonly to: PlayerId;
  /** The room's session, which the relayed `signal` carries. */
  readonly session: string;
  /** `{"type":"signal","from":…,"data":` */
  readonly head: string;
  /** `,"session":…}` */
  readonly tail: string;
  /** `head` and `tail` as UTF-8, for the relay on bytes (relay_signal_bytes.ts). */
  readonly headBytes: Uint8Array;
  readonly tailBytes: Uint8Array;
}

/** Options of the registry (`createRoomRegistry`). */
export interface RoomRegistryOptions {
  /** Rooms held at once, public and private; more `create`/`quick` get `server-full`. */
  maxRooms?: number;
  /** Wall clock for `createdAt` (ms since the epoch). */
  now?: () => number;
  /** Randomness for ids, invite codes and password salts. */
  random?: RandomBytes;
  /** Wrong-password bookkeeping (shared by a process's registries); a fresh table by default. */
  passwordAttempts?: PasswordAttempts;
  /** Monotonic ms for password backoff and resume grace; `now` by default. */
  monotonic?: () => number;
  /** How long a dropped player's seat in a `playing` room is held (ms); 0 frees it at once. */
  resumeGraceMs?: number;
  /** Spectators per room; MAX_SPECTATORS_PER_ROOM by default. */
  maxSpectators?: number;
  /** Bytes of stream kept per room; STREAM_BACKLOG_MAX_BYTES by default. */
  maxBacklogBytes?: number;
}

/** A connected player. */
export interface Player {
  id: PlayerId;
  name: string;
  /** nameSkeleton(name): the key of the look-alike index. */
  skeleton: string;
  address: string;
  game: string;
  version: string;
  room: Room | null;
  /** The room this player watches (then `room` is null). */
  watching: Room | null;
}

/** A room, open, full or playing. */
export interface Room {
  id: string;
  name: string;
  /** Invite code of a private room; null for public rooms. */
  code: string | null;
  password: PasswordHash | null;
  /** In order of arrival: players[0] is the offerer. */
  players: Player[];
  state: RoomState;
  session: string | null;
  /** The offerer's offer was relayed in this session (an answer before it moves nothing). */
  offered: boolean;
  createdAt: number;
  /** Creation order, for quick match's "oldest open room". */
  seq: number;
  game: string;
  version: string;
  /** Resume tokens of the connected players' seats in the current session. */
  tokens: Map<Player, string>;
  /** The seat of a player who dropped mid-match, held for a resume; null when none. */
  away: Away | null;
  spectators: Set<Player>;
  /** The offerer's stream of the current match, once it began; null before and after. */
  stream: RoomStream | null;
  /** The streaming seat's resume token (the offerer's of the session); null when unpaired. */
  streamer: string | null;
  /** The registry's `route` answers by seat, kept while the same pair is in the session. */
  routes: [CachedRoute | null, CachedRoute | null];
}

/** A {@link Route} with the pair it was made for (checked on every use). */
export interface CachedRoute extends Route {
  by: Player;
  peer: Player;
}

/** A seat held for a resume. */
export interface Away {
  token: string;
  /** The dropped connection's player id (what the peer knew it by). */
  id: PlayerId;
  /** Monotonic ms after which the seat is given up. */
  until: number;
}

/** The whole registry: settings, players, rooms and their indexes. */
export interface RegistryState {
  readonly maxRooms: number;
  readonly now: () => number;
  readonly random: RandomBytes;
  readonly monotonic: () => number;
  readonly attempts: PasswordAttempts;
  readonly graceMs: number;
  readonly maxSpectators: number;
  readonly maxBacklog: number;
  readonly players: Map<PlayerId, Player>;
  readonly rooms: Map<string, Room>;
  readonly roomsByCode: Map<string, Room>;
  /** Insertion order is creation order, so the snapshot comes out oldest first for free. */
  readonly publicRooms: Map<string, Room>;
  /** One quick-match queue per scope: a player never pairs with another game or build. */
  readonly quickQueues: Map<string, OpenRoomQueue<Room>>;
  /**
   * Players by name skeleton, so that a look-alike of a connected player's name is disambiguated.
   * A skeleton nearly always has one player: the entry is the player itself, a Set only when it
   * is shared (a Set per connected player was ~240 B of every idle connection).
   */
  readonly bySkeleton: Map<string, Player | Set<Player>>;
  nextSeq: number;
  /** Resume tokens of current sessions. */
  readonly liveTokens: Map<string, Room>;
  /** Resume tokens that ended, by why, in insertion order (bounded: see {@link bury}). */
  readonly endedTokens: Map<string, { why: "expired" | "finished"; at: number }>;
}

/** Where a handler puts what it causes; `fail` answers the request with an error. */
export interface Out {
  effects: Effect[];
  fail(code: ErrorCode, message: string, extra?: { retryAfterMs: number }): void;
}

/** A client message's step. */
export type Handler<T extends ClientMessage["type"]> = (
  s: RegistryState,
  p: Player,
  m: ClientMessageOf<T>,
  out: Out,
) => void;

/** One step per client message type. */
export type Handlers = { [T in ClientMessage["type"]]: Handler<T> };

/** An empty registry with `opts`' settings. */
export function createRegistryState(opts: RoomRegistryOptions = {}): RegistryState {
  const now = opts.now ?? Date.now;
  return {
    maxRooms: opts.maxRooms ?? DEFAULT_MAX_ROOMS,
    now,
    random: opts.random ?? secureRandomBytes,
    monotonic: opts.monotonic ?? now,
    attempts: opts.passwordAttempts ?? createPasswordAttempts(),
    graceMs: opts.resumeGraceMs ?? DEFAULT_RESUME_GRACE_MS,
    maxSpectators: opts.maxSpectators ?? MAX_SPECTATORS_PER_ROOM,
    maxBacklog: opts.maxBacklogBytes ?? STREAM_BACKLOG_MAX_BYTES,
    players: new Map(),
    rooms: new Map(),
    roomsByCode: new Map(),
    publicRooms: new Map(),
    quickQueues: new Map(),
    bySkeleton: new Map(),
    nextSeq: 0,
    liveTokens: new Map(),
    endedTokens: new Map(),
  };
}

/** The quick-match queue of a game and build. */
export function quickQueue(s: RegistryState, game: string, version: string): OpenRoomQueue<Room> {
  const k = `${game}\n${version}`;
  let q = s.quickQueues.get(k);
  if (q === undefined) s.quickQueues.set(k, q = createOpenRoomQueue<Room>((r) => r.seq));
  return q;
}

/** A token's seat is over: remembered as `why` for a precise error, for a while. */
export function bury(s: RegistryState, token: string, why: "expired" | "finished"): void {
  s.liveTokens.delete(token);
  const t = s.monotonic();
  s.endedTokens.set(token, { why, at: t });
  for (const [old, e] of s.endedTokens) {
    if (s.endedTokens.size <= RESUME_TOMBSTONE_MAX && t - e.at < RESUME_TOMBSTONE_MS) break;
    s.endedTokens.delete(old);
  }
}

/** A random id of `length` that `taken` does not know. */
export function uniqueId(
  s: RegistryState,
  length: number,
  taken: (id: string) => boolean,
  lower: boolean,
): string {
  for (;;) {
    const raw = randomBase32(length, s.random);
    const id = lower ? raw.toLowerCase() : raw;
    if (!taken(id)) return id;
  }
}

/** Seats taken, a held one included. */
export function occupancy(room: Room): number {
  return room.players.length + (room.away === null ? 0 : 1);
}

/** What the room list says about `room`. */
export function info(room: Room): RoomInfo {
  const out: RoomInfo = {
    id: room.id,
    name: room.name,
    players: occupancy(room),
    capacity: ROOM_CAPACITY,
    state: room.state,
    locked: room.password !== null,
    createdAt: room.createdAt,
  };
  if (room.game !== "") out.game = room.game;
  if (room.version !== "") out.version = room.version;
  if (room.spectators.size > 0) out.spectators = room.spectators.size;
  return out;
}

/** A message to one player. */
export function send(to: Player, message: ServerMessage): Effect {
  return { kind: "send", to: to.id, message };
}

/** `message` with the request's rid, if it had one (no `rid: undefined` keys on the wire). */
export function withRid<M extends ServerMessage>(message: M, rid: number | undefined): M {
  return rid === undefined ? message : { ...message, rid };
}

/** The room list broadcast for a change to `room`, if anyone may see it. */
export function announce(room: Room, effects: Effect[]): void {
  if (room.code !== null) return;
  effects.push({ kind: "broadcast", message: { type: "room", room: info(room) } });
}

/** Keeps the quick-match queue in step with the room's state. */
export function requeue(s: RegistryState, room: Room): void {
  const q = quickQueue(s, room.game, room.version);
  if (room.code === null && room.password === null && room.state === "open") q.add(room);
  else q.remove(room);
}

/** In a room, as a player or a spectator. */
export function busy(p: Player): boolean {
  return p.room !== null || p.watching !== null;
}

/** A room by id (public rooms only) or invite code. */
export function findRoom(s: RegistryState, ref: string): Room | undefined {
  const byId = s.rooms.get(ref.toLowerCase());
  // A private room's id is not a way in: only its code is.
  if (byId !== undefined && byId.code === null) return byId;
  return s.roomsByCode.get(ref.toUpperCase());
}
