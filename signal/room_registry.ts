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
 * `full` becomes `playing` only when the offerer's offer and then the answerer's answer were
 * relayed in that session; a signal naming another session (`signal.session`) is dropped.
 * Private rooms are reachable by invite code only and never appear in room lists or broadcasts.
 *
 * Scopes: each player is in one game and build (`hello.game`/`version`, "" by default); the rooms
 * it creates carry them, quick match looks only at rooms of the player's scope, and joining a room
 * of another game or build fails with `wrong-game` / `incompatible-version`.
 *
 * Names: a name that looks like a connected player's name (same {@link nameSkeleton}) gets a
 * suffix, "Ann (2)", so a peer can never pass for someone else; `renamed` says what was kept.
 *
 * Passwords: wrong ones are counted per room and per address (password_attempts.ts); past the
 * free attempts the join is answered `too-many-attempts` with `retryAfterMs`, without checking.
 *
 * Resume: each pairing mints one token per seat (`paired.resume`). A player who drops while its
 * room is `playing` keeps its seat for `resumeGraceMs`: the room stays `playing` with the seat
 * `away`, the peer gets `peer-away`, and an {@link Effect} `expire` asks the shell to call
 * {@link RoomRegistry.expire} when the grace is over (then the peer gets `peer-left`, as if the
 * player had dropped then). `resume {token}` from a new connection re-seats it in the same
 * session; both get `paired` again (`resumed`, the returner offers). A token whose seat ended is
 * remembered for RESUME_TOMBSTONE_MS as expired or finished, for a precise error.
 *
 * Spectators: a player who is in no room may `watch` a `playing` room (found and checked like
 * `join`: scope, password). The offerer's seat streams the confirmed inputs (`stream`, frames in
 * order from 0, the header on the first batch; room_stream.ts): the seat, known by its resume
 * token, not the connection, so a resumed streamer goes on (told where by `stream-from`, as is a
 * streamer whose batch left a gap); the room keeps the whole stream (up to
 * STREAM_BACKLOG_MAX_BYTES), so a spectator who arrives late gets it all at once and then every
 * batch as it comes. The stream ends for every spectator (`stream-end`) when the offerer says the
 * match is over, when a player leaves (the pairing is over), or when it outgrows the backlog; the
 * spectators are then in no room again. A spectator's own `leave` or drop just takes it out.
 */
import type {
  ClientMessage,
  ClientMessageOf,
  ErrorCode,
  RoomInfo,
  RoomState,
  ServerMessage,
  ServerMessageOf,
} from "../shared/lobby_protocol.ts";
import { nameSkeleton, numberedName } from "../shared/display_name.ts";
import type { StreamEndReason } from "../shared/lobby_protocol.ts";
import {
  DEFAULT_MAX_ROOMS,
  DEFAULT_RESUME_GRACE_MS,
  INVITE_CODE_LENGTH,
  MAX_SPECTATORS_PER_ROOM,
  PLAYER_NAME_MAX_LENGTH,
  RESUME_TOKEN_LENGTH,
  RESUME_TOMBSTONE_MAX,
  RESUME_TOMBSTONE_MS,
  ROOM_CAPACITY,
  STREAM_BACKLOG_MAX_BYTES,
} from "../shared/limits.ts";
import type { LobbyEvent, MatchEndReason } from "./lobby_hooks.ts";
import { createOpenRoomQueue, type OpenRoomQueue } from "./open_room_queue.ts";
import { createPasswordAttempts, type PasswordAttempts } from "./password_attempts.ts";
import { randomBase32, type RandomBytes, secureRandomBytes } from "./random_id.ts";
import { hashPassword, type PasswordHash, verifyPassword } from "./room_password.ts";
import { envelopeHead, envelopeTail } from "./relay_signal.ts";
import { backlog, closeStream, resumeFrom, type RoomStream, takeBatch } from "./room_stream.ts";

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
 * Where {@link RoomRegistry.route} sends a signal: the peer, and the relayed envelope's text
 * before and after the client's `data` (relay_signal.ts), made once per pairing and direction.
 */
export interface Route {
  readonly to: PlayerId;
  /** The room's session, which the relayed `signal` carries. */
  readonly session: string;
  /** `{"type":"signal","from":…,"data":` */
  readonly head: string;
  /** `,"session":…}` */
  readonly tail: string;
}

/** `signal.data.kind`. */
export type SignalKind = "offer" | "answer" | "candidate";

/** Options of {@link createRoomRegistry}. */
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

/** The lobby's state machine. */
export interface RoomRegistry {
  /**
   * Registers a new connection; returns its id and default name (for `welcome`). `address` (its
   * per-IP key) is what password attempts are counted under.
   */
  connect(address?: string): { id: PlayerId; name: string };
  /** Applies one validated client message from `player`. Unknown players are ignored. */
  handle(player: PlayerId, message: ClientMessage): Effect[];
  /**
   * The relay's hot path (relay_signal.ts): where a valid `signal` of `kind` from `player`,
   * naming `session` if it does, goes when relaying it is all its step does: the peer and the
   * room's session, with no effect list built. Null when {@link handle} must decide instead (not
   * paired, another session, or an offer or answer while the room is `full`, which may move it to
   * `playing`); `handle` then does exactly what it would have done.
   */
  route(player: PlayerId, kind: SignalKind, session: string | undefined): Route | null;
  /**
   * The player's connection is gone: leaves its room (the peer gets `peer-left`), or, in a
   * `playing` room, holds its seat for the grace period (the peer gets `peer-away`). Idempotent.
   */
  disconnect(player: PlayerId): Effect[];
  /** A held seat's grace may be over (an `expire` effect's timer fired); stale calls do nothing. */
  expire(token: string): Effect[];
  /** Every public room, oldest first (the `rooms` snapshot and `GET /api/rooms`). */
  publicRooms(): RoomInfo[];
  /** The room `player` is in, or null. */
  roomOf(player: PlayerId): RoomInfo | null;
  /** The room `player` watches, or null. */
  watchedBy(player: PlayerId): RoomInfo | null;
  /** Counts for health checks and tests. */
  counts(): { players: number; rooms: number; publicRooms: number };
  /** Rooms (public and private) by state, for metrics. O(rooms). */
  roomStates(): Record<RoomState, number>;
  /** The lobby stops: a `match-end` (reason `shutdown`) event for every pairing, nothing sent. */
  shutdown(): Effect[];
}

interface Player {
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
  /** {@link RoomRegistry.route}'s answers by seat, kept while the same pair is in the session. */
  routes: [CachedRoute | null, CachedRoute | null];
}

interface CachedRoute extends Route {
  by: Player;
  peer: Player;
}

interface Away {
  token: string;
  /** The dropped connection's player id (what the peer knew it by). */
  id: PlayerId;
  /** Monotonic ms after which the seat is given up. */
  until: number;
}

const ID_LENGTH = 10;
const SESSION_LENGTH = 16;

/** Creates an empty registry. */
export function createRoomRegistry(opts: RoomRegistryOptions = {}): RoomRegistry {
  const maxRooms = opts.maxRooms ?? DEFAULT_MAX_ROOMS;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? secureRandomBytes;
  const monotonic = opts.monotonic ?? now;
  const attempts = opts.passwordAttempts ?? createPasswordAttempts();
  const graceMs = opts.resumeGraceMs ?? DEFAULT_RESUME_GRACE_MS;
  const maxSpectators = opts.maxSpectators ?? MAX_SPECTATORS_PER_ROOM;
  const maxBacklog = opts.maxBacklogBytes ?? STREAM_BACKLOG_MAX_BYTES;

  const players = new Map<PlayerId, Player>();
  const rooms = new Map<string, Room>();
  const roomsByCode = new Map<string, Room>();
  // Insertion order is creation order, so the snapshot comes out oldest first for free.
  const publicRooms = new Map<string, Room>();
  // One quick-match queue per scope: a player never pairs with another game or build.
  const quickQueues = new Map<string, OpenRoomQueue<Room>>();
  const scopeKey = (game: string, version: string) => `${game}\n${version}`;
  const quickQueue = (game: string, version: string) => {
    const k = scopeKey(game, version);
    let q = quickQueues.get(k);
    if (q === undefined) quickQueues.set(k, q = createOpenRoomQueue<Room>((r) => r.seq));
    return q;
  };
  // Players by name skeleton, so that a look-alike of a connected player's name is disambiguated.
  // A skeleton nearly always has one player: the entry is the player itself, a Set only when it
  // is shared (a Set per connected player was ~240 B of every idle connection).
  const bySkeleton = new Map<string, Player | Set<Player>>();
  let nextSeq = 0;
  // Resume tokens of current sessions, and those that ended (by why, in insertion order).
  const liveTokens = new Map<string, Room>();
  const endedTokens = new Map<string, { why: "expired" | "finished"; at: number }>();
  const bury = (token: string, why: "expired" | "finished") => {
    liveTokens.delete(token);
    const t = monotonic();
    endedTokens.set(token, { why, at: t });
    for (const [old, e] of endedTokens) {
      if (endedTokens.size <= RESUME_TOMBSTONE_MAX && t - e.at < RESUME_TOMBSTONE_MS) break;
      endedTokens.delete(old);
    }
  };

  const uniqueId = (length: number, taken: (id: string) => boolean, lower: boolean) => {
    for (;;) {
      const raw = randomBase32(length, random);
      const id = lower ? raw.toLowerCase() : raw;
      if (!taken(id)) return id;
    }
  };

  const info = (room: Room): RoomInfo => {
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
  };

  /** Seats taken, a held one included. */
  const occupancy = (room: Room) => room.players.length + (room.away === null ? 0 : 1);

  const indexName = (p: Player) => {
    const known = bySkeleton.get(p.skeleton);
    if (known === undefined || known === p) bySkeleton.set(p.skeleton, p);
    else if (known instanceof Set) known.add(p);
    else bySkeleton.set(p.skeleton, new Set([known, p]));
  };
  const unindexName = (p: Player) => {
    const known = bySkeleton.get(p.skeleton);
    if (known === p) bySkeleton.delete(p.skeleton);
    else if (known instanceof Set) {
      known.delete(p);
      if (known.size === 1) bySkeleton.set(p.skeleton, known.values().next().value!);
    }
  };
  const nameTaken = (name: string, self: Player) => {
    const known = bySkeleton.get(nameSkeleton(name));
    if (known === undefined) return false;
    if (known instanceof Set) return [...known].some((x) => x !== self);
    return known !== self;
  };
  /** `wanted`, or "wanted (n)" with the smallest n no other connected player's name looks like. */
  const distinctName = (wanted: string, self: Player): string => {
    if (!nameTaken(wanted, self)) return wanted;
    for (let n = 2; n < 1000; n++) {
      const name = numberedName(wanted, n, PLAYER_NAME_MAX_LENGTH);
      if (!nameTaken(name, self)) return name;
    }
    return `${wanted.slice(0, PLAYER_NAME_MAX_LENGTH - 5)}-${randomBase32(4, random)}`;
  };
  const setName = (p: Player, name: string) => {
    unindexName(p);
    p.name = name;
    p.skeleton = nameSkeleton(name);
    indexName(p);
  };

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
    const q = quickQueue(room.game, room.version);
    if (room.code === null && room.password === null && room.state === "open") q.add(room);
    else q.remove(room);
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
      offered: false,
      createdAt: now(),
      seq: nextSeq++,
      game: creator.game,
      version: creator.version,
      tokens: new Map(),
      away: null,
      spectators: new Set(),
      stream: null,
      streamer: null,
      routes: [null, null],
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
    room.offered = false;
    for (const p of room.players) {
      const token = uniqueId(
        RESUME_TOKEN_LENGTH,
        (x) => liveTokens.has(x) || endedTokens.has(x),
        false,
      );
      room.tokens.set(p, token);
      liveTokens.set(token, room);
    }
    room.streamer = room.tokens.get(first)!;
    requeue(room);
    effects.push(send(joiner, joinedMessage(room, rid)));
    effects.push(send(first, pairedMessage(room, first, joiner, "offerer", false)));
    effects.push(send(joiner, pairedMessage(room, joiner, first, "answerer", false)));
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
  };

  /** `paired` for `to`, whose peer is `peer`; with its resume token when seats are held. */
  const pairedMessage = (
    room: Room,
    to: Player,
    peer: Player,
    role: "offerer" | "answerer",
    resumed: boolean,
  ): ServerMessage => {
    const m: ServerMessageOf<"paired"> = {
      type: "paired",
      peer: { id: peer.id, name: peer.name },
      role,
      session: room.session!,
    };
    const token = room.tokens.get(to);
    if (graceMs > 0 && token !== undefined) m.resume = token;
    if (resumed) m.resumed = true;
    return m;
  };

  /** The room's session is over: hook, tokens buried, a held seat given up. */
  const endSession = (room: Room, reason: MatchEndReason, effects: Effect[]) => {
    if (room.session !== null) {
      effects.push({
        kind: "event",
        event: { type: "match-end", session: room.session, room: room.id, reason },
      });
    }
    for (const token of room.tokens.values()) bury(token, "finished");
    room.tokens.clear();
    if (room.away !== null) bury(room.away.token, reason === "expired" ? "expired" : "finished");
    room.away = null;
    room.session = null;
    room.offered = false;
    endStream(room, "player-left", effects);
    room.stream = null;
    room.streamer = null;
  };

  /** Holds `player`'s seat for a resume, if its room is mid-match; whether it did. */
  const hold = (player: Player, effects: Effect[]): boolean => {
    const room = player.room;
    const token = room?.tokens.get(player);
    if (
      room === null || token === undefined || graceMs <= 0 || room.state !== "playing" ||
      room.away !== null || room.players.length !== ROOM_CAPACITY
    ) return false;
    player.room = null;
    room.players = room.players.filter((p) => p !== player);
    room.tokens.delete(player);
    room.away = { token, id: player.id, until: monotonic() + graceMs };
    for (const p of room.players) {
      effects.push(send(p, { type: "peer-away", id: player.id, graceMs }));
    }
    effects.push({ kind: "expire", token, afterMs: graceMs });
    return true;
  };

  /** The held seat's grace is over: the match ends (`expired`), the peer gets `peer-left`. */
  const giveUp = (room: Room, away: Away): Effect[] => {
    const effects: Effect[] = [];
    endSession(room, "expired", effects);
    reopen(room, away.id, effects);
    return effects;
  };

  /** The room opens again for the players left in it (the peer gets `peer-left`), or goes. */
  const reopen = (room: Room, goneId: PlayerId, effects: Effect[]) => {
    if (room.players.length === 0) {
      rooms.delete(room.id);
      quickQueue(room.game, room.version).remove(room);
      attempts.forget(`room:${room.id}`);
      if (room.code === null) {
        publicRooms.delete(room.id);
        effects.push({ kind: "broadcast", message: { type: "room-removed", id: room.id } });
      } else roomsByCode.delete(room.code);
      return;
    }
    room.state = "open";
    requeue(room);
    for (const p of room.players) effects.push(send(p, { type: "peer-left", id: goneId }));
    announce(room, effects);
  };

  /** Takes `player` out of its room: the peer stays and the room opens again, or it is removed. */
  const exit = (player: Player, reason: MatchEndReason, effects: Effect[]) => {
    const room = player.room;
    if (room === null) return;
    player.room = null;
    room.players = room.players.filter((p) => p !== player);
    endSession(room, reason, effects);
    reopen(room, player.id, effects);
  };

  /** Ends the room's stream for every spectator: each gets `stream-end` and is in no room. */
  const endStream = (room: Room, reason: StreamEndReason, effects: Effect[]) => {
    closeStream(room.stream);
    if (room.spectators.size === 0) return;
    const to = [...room.spectators].map((s) => s.id);
    for (const s of room.spectators) s.watching = null;
    room.spectators.clear();
    effects.push({ kind: "fanout", to, message: { type: "stream-end", room: room.id, reason } });
    if (room.players.length > 0) announce(room, effects);
  };

  /** Takes a spectator out of the room it watches; the count changes in the room list. */
  const unwatch = (p: Player, effects: Effect[]) => {
    const room = p.watching;
    if (room === null) return;
    p.watching = null;
    room.spectators.delete(p);
    announce(room, effects);
  };

  /** Whether `p` may enter `room` (scope, password); otherwise answers the error and false. */
  const admit = (p: Player, room: Room, out: Out): boolean => {
    if (room.game !== p.game) {
      out.fail("wrong-game", "that room is for another game");
      return false;
    }
    if (room.version !== p.version) {
      out.fail("incompatible-version", "that room is for another version of the game");
      return false;
    }
    return true;
  };

  /** Checks a locked room's password with backoff; otherwise answers the error and false. */
  const passwordOk = (p: Player, room: Room, password: string | undefined, out: Out): boolean => {
    if (room.password === null) return true;
    const keys = [`room:${room.id}`, `ip:${p.address}`];
    const t = monotonic();
    const wait = attempts.wait(keys, t);
    if (wait > 0) {
      out.fail("too-many-attempts", "too many wrong passwords; wait a little", {
        retryAfterMs: wait,
      });
      return false;
    }
    if (!verifyPassword(room.password, password ?? "")) {
      // A join without a password is a question ("is it locked?"), not a guess.
      if (password) attempts.failed(keys, t);
      out.fail("wrong-password", password ? "wrong password" : "this room needs a password");
      return false;
    }
    return true;
  };

  /** Whether `p` holds its room's streaming seat. */
  const streams = (room: Room, p: Player) =>
    room.streamer !== null && room.tokens.get(p) === room.streamer;

  /** In a room, as a player or a spectator. */
  const busy = (p: Player) => p.room !== null || p.watching !== null;

  const findRoom = (ref: string): Room | undefined => {
    const byId = rooms.get(ref.toLowerCase());
    // A private room's id is not a way in: only its code is.
    if (byId !== undefined && byId.code === null) return byId;
    return roomsByCode.get(ref.toUpperCase());
  };

  /** Where a handler puts what it causes; `fail` answers the request with an error. */
  interface Out {
    effects: Effect[];
    fail(code: ErrorCode, message: string, extra?: { retryAfterMs: number }): void;
  }

  const handlers: {
    [T in ClientMessage["type"]]: (p: Player, m: ClientMessageOf<T>, out: Out) => void;
  } = {
    hello(p, m, out) {
      const game = m.game ?? p.game;
      const version = m.version ?? p.version;
      const moved = game !== p.game || version !== p.version;
      if (moved && p.room !== null) {
        return out.fail("already-in-room", "leave your room before changing game or version");
      }
      setName(p, distinctName(m.name, p));
      out.effects.push(send(p, withRid({ type: "renamed", name: p.name }, m.rid)));
      if (moved) {
        p.game = game;
        p.version = version;
        out.effects.push({ kind: "scope", to: p.id, game, version });
      }
    },
    create(p, m, out) {
      if (busy(p)) return out.fail("already-in-room", "leave your room first");
      if (rooms.size >= maxRooms) return out.fail("server-full", "too many rooms, try later");
      openRoom(p, m.name, m.private === true, m.password, m.rid, out.effects);
    },
    join(p, m, out) {
      if (busy(p)) return out.fail("already-in-room", "leave your room first");
      const room = findRoom(m.room);
      if (room === undefined) {
        return out.fail("room-not-found", `no room ${JSON.stringify(m.room)}`);
      }
      if (!admit(p, room, out)) return;
      if (occupancy(room) >= ROOM_CAPACITY) {
        return out.fail("room-full", "the room already has two players");
      }
      if (!passwordOk(p, room, m.password, out)) return;
      enter(room, p, m.rid, out.effects);
    },
    quick(p, m, out) {
      if (busy(p)) return out.fail("already-in-room", "leave your room first");
      const oldest = quickQueue(p.game, p.version).peek();
      if (oldest !== undefined) return enter(oldest, p, m.rid, out.effects);
      if (rooms.size >= maxRooms) return out.fail("server-full", "too many rooms, try later");
      openRoom(p, `${p.name}'s room`, false, undefined, m.rid, out.effects);
    },
    leave(p, m, out) {
      if (!busy(p)) return out.fail("not-in-room", "you are not in a room");
      out.effects.push(send(p, withRid({ type: "left" }, m.rid)));
      unwatch(p, out.effects);
      exit(p, "left", out.effects);
    },
    watch(p, m, out) {
      if (busy(p)) return out.fail("already-in-room", "leave your room first");
      const room = findRoom(m.room);
      if (room === undefined) {
        return out.fail("room-not-found", `no room ${JSON.stringify(m.room)}`);
      }
      if (!admit(p, room, out)) return;
      if (room.state !== "playing" || room.stream?.closed === true) {
        return out.fail("room-not-playing", "that room has no match in progress to watch");
      }
      if (room.spectators.size >= maxSpectators) {
        return out.fail("too-many-spectators", `a match may have ${maxSpectators} spectators`);
      }
      if (!passwordOk(p, room, m.password, out)) return;
      room.spectators.add(p);
      p.watching = room;
      const stream = room.stream;
      const watching: ServerMessageOf<"watching"> = { type: "watching", room: info(room) };
      if (stream !== null) watching.header = stream.header;
      out.effects.push(send(p, withRid(watching, m.rid)));
      if (stream !== null && stream.frames > 0) {
        // Everything so far in one message: the spectator fast-forwards through it.
        out.effects.push(
          send(p, { type: "stream", room: room.id, from: 0, inputs: backlog(stream) }),
        );
      }
      announce(room, out.effects);
    },
    stream(p, m, out) {
      const room = p.room;
      if (room === null) return out.fail("not-in-room", "only a player of a room streams");
      // A batch that crossed a leave (the pairing is over) is stale, not wrong.
      if (room.state !== "playing") return;
      if (!streams(room, p)) return out.fail("bad-stream", "only the offerer's seat streams");
      const v = takeBatch(room.stream, m, maxBacklog);
      if (v.kind === "refuse") return out.fail("bad-stream", v.message);
      if (v.kind === "resend") {
        out.effects.push(send(p, { type: "stream-from", room: room.id, from: v.from }));
        return;
      }
      if (v.kind === "too-long") {
        out.fail("bad-stream", "the stream is too long to keep; spectators were let go");
        return endStream(room, "too-long", out.effects);
      }
      if (v.kind === "drop") return;
      room.stream = v.stream;
      if (room.spectators.size === 0) return;
      const message: ServerMessageOf<"stream"> = {
        type: "stream",
        room: room.id,
        from: v.from,
        inputs: v.inputs,
      };
      if (v.header !== undefined) message.header = v.header;
      out.effects.push({ kind: "fanout", to: [...room.spectators].map((s) => s.id), message });
    },
    "stream-end"(p, m, out) {
      const room = p.room;
      if (room === null) return out.fail("not-in-room", "only a player of a room streams");
      if (!streams(room, p)) return out.fail("bad-stream", "only the offerer's seat streams");
      endStream(room, m.reason ?? "match-over", out.effects);
    },
    signal(p, m, out) {
      const room = p.room;
      if (room === null) return out.fail("not-paired", "you are not in a room");
      // Indexing, not find(): this runs for every relayed message and a callback is garbage.
      const peer = room.players[0] === p ? room.players[1] : room.players[0];
      if (peer === undefined) return out.fail("not-paired", "wait for `paired` before signalling");
      // Meant for an earlier pairing (the peer left and someone else came): never relayed.
      if (m.session !== undefined && m.session !== room.session) return;
      out.effects.push(
        send(peer, { type: "signal", from: p.id, data: m.data, session: room.session! }),
      );
      // The lobby cannot see the peer connection; an answer to the offer is the last step it takes
      // part in. Out of order (an answer with no offer, or from the wrong side) changes nothing.
      if (room.state !== "full") return;
      const offerer = room.players[0] === p;
      if (m.data.kind === "offer" && offerer) room.offered = true;
      else if (m.data.kind === "answer" && !offerer && room.offered) {
        room.state = "playing";
        announce(room, out.effects);
      }
    },
    resume(p, m, out) {
      if (busy(p)) return out.fail("already-in-room", "leave your room first");
      const ended = endedTokens.get(m.token);
      if (ended?.why === "expired") {
        return out.fail("resume-expired", "the seat was given up: the grace period ran out");
      }
      if (ended !== undefined) return out.fail("match-finished", "that match is over");
      const room = liveTokens.get(m.token);
      if (room === undefined) return out.fail("resume-unknown", "no such resume token");
      if (room.away?.token !== m.token) {
        return out.fail("resume-in-use", "that seat is held by a live connection");
      }
      if (monotonic() >= room.away.until) {
        // Its timer has not fired yet; the answer must not depend on that.
        out.effects.push(...giveUp(room, room.away));
        return out.fail("resume-expired", "the seat was given up: the grace period ran out");
      }
      if (room.game !== p.game) return out.fail("wrong-game", "that room is for another game");
      if (room.version !== p.version) {
        return out.fail("incompatible-version", "that room is for another version of the game");
      }
      const survivor = room.players[0];
      room.away = null;
      room.players.push(p);
      room.tokens.set(p, m.token);
      p.room = room;
      out.effects.push(send(p, joinedMessage(room, m.rid)));
      // The returner offers: it has no peer connection, the survivor drops its stale one on
      // `paired`, so the fresh offer never races an old one.
      out.effects.push(send(p, pairedMessage(room, p, survivor, "offerer", true)));
      out.effects.push(send(survivor, pairedMessage(room, survivor, p, "answerer", true)));
      // The streaming seat is back: its stream goes on from the lobby's next frame.
      const from = m.token === room.streamer ? resumeFrom(room.stream) : null;
      if (from !== null) out.effects.push(send(p, { type: "stream-from", room: room.id, from }));
    },
    list(p, m, out) {
      const e: Effect = { kind: "list", to: p.id, filter: m.filter ?? "" };
      if (m.rid !== undefined) e.rid = m.rid;
      out.effects.push(e);
    },
    ping(p, m, out) {
      out.effects.push(
        send(p, withRid(m.t === undefined ? { type: "pong" } : { type: "pong", t: m.t }, m.rid)),
      );
    },
  };

  return {
    connect(address = "") {
      const id = uniqueId(ID_LENGTH, (x) => players.has(x), true);
      const player: Player = {
        id,
        name: "",
        skeleton: "",
        address,
        game: "",
        version: "",
        room: null,
        watching: null,
      };
      setName(player, distinctName(`Player-${randomBase32(4, random)}`, player));
      players.set(id, player);
      return { id, name: player.name };
    },
    handle(playerId, message) {
      const player = players.get(playerId);
      if (player === undefined) return [];
      const effects: Effect[] = [];
      const fail = (code: ErrorCode, text: string, extra?: { retryAfterMs: number }) => {
        const m = withRid({ type: "error" as const, code, message: text, ...extra }, message.rid);
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
    route(playerId, kind, session) {
      const p = players.get(playerId);
      const room = p?.room;
      if (room == null || room.session === null) return null;
      const seat = room.players[0] === p ? 0 : 1;
      const peer = room.players[1 - seat];
      if (peer === undefined || (session !== undefined && session !== room.session)) return null;
      if (kind !== "candidate" && room.state === "full") return null;
      const known = room.routes[seat];
      // Checked on every use, so no change of players or session can leave a stale one behind.
      if (known !== null && known.by === p && known.peer === peer) {
        if (known.session === room.session) return known;
      }
      const made: CachedRoute = {
        to: peer.id,
        session: room.session,
        head: envelopeHead(p!.id),
        tail: envelopeTail(room.session),
        by: p!,
        peer,
      };
      room.routes[seat] = made;
      return made;
    },
    disconnect(playerId) {
      const player = players.get(playerId);
      if (player === undefined) return [];
      players.delete(playerId);
      unindexName(player);
      const effects: Effect[] = [];
      unwatch(player, effects);
      if (!hold(player, effects)) exit(player, "disconnected", effects);
      return effects;
    },
    expire(token) {
      const room = liveTokens.get(token);
      const away = room?.away;
      if (room === undefined || away == null || away.token !== token) return [];
      const left = away.until - monotonic();
      // A timer that fired early (clock granularity) is set again for the rest.
      if (left > 0) return [{ kind: "expire", token, afterMs: left }];
      return giveUp(room, away);
    },
    shutdown() {
      const effects: Effect[] = [];
      for (const room of rooms.values()) {
        if (room.session === null) continue;
        effects.push({
          kind: "event",
          event: { type: "match-end", session: room.session, room: room.id, reason: "shutdown" },
        });
        room.session = null;
      }
      return effects;
    },
    publicRooms: () => Array.from(publicRooms.values(), info),
    roomOf(playerId) {
      const room = players.get(playerId)?.room;
      return room ? info(room) : null;
    },
    watchedBy(playerId) {
      const room = players.get(playerId)?.watching;
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
