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
 *
 * Where each part lives: registry_state.ts (the state and the shared steps), player_names.ts,
 * room_pairing.ts (create, join, quick; who may enter), room_session.ts (leave, drop, hold,
 * resume, grace), room_spectators.ts (watch, stream), room_signal.ts (signal, the relay's route),
 * room_stream.ts (what a stream batch does). This file puts them together.
 */
import type { ClientMessage, RoomInfo, RoomState } from "../shared/lobby_protocol.ts";
import { distinctName, setName, unindexName } from "./player_names.ts";
import { randomBase32 } from "./random_id.ts";
import {
  createRegistryState,
  type Effect,
  type Handlers,
  ID_LENGTH,
  info,
  type Out,
  type Player,
  type PlayerId,
  type RegistryState,
  type Route,
  send,
  uniqueId,
  withRid,
} from "./registry_state.ts";
import type { RoomRegistryOptions } from "./registry_state.ts";
import { pairingHandlers } from "./room_pairing.ts";
import { exit, expireSeat, hold, sessionHandlers } from "./room_session.ts";
import { routeSignal, signalHandlers, type SignalKind } from "./room_signal.ts";
import { spectatorHandlers, unwatch } from "./room_spectators.ts";

export type { Effect, PlayerId, RoomRegistryOptions, Route } from "./registry_state.ts";
export type { SignalKind } from "./room_signal.ts";

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

/** Every client message's step. */
const HANDLERS: Handlers = {
  hello(s, p, m, out) {
    const game = m.game ?? p.game;
    const version = m.version ?? p.version;
    const moved = game !== p.game || version !== p.version;
    if (moved && p.room !== null) {
      return out.fail("already-in-room", "leave your room before changing game or version");
    }
    setName(s, p, distinctName(s, m.name, p));
    out.effects.push(send(p, withRid({ type: "renamed", name: p.name }, m.rid)));
    if (moved) {
      p.game = game;
      p.version = version;
      out.effects.push({ kind: "scope", to: p.id, game, version });
    }
  },
  ...pairingHandlers,
  ...sessionHandlers,
  ...spectatorHandlers,
  ...signalHandlers,
  list(_s, p, m, out) {
    const e: Effect = { kind: "list", to: p.id, filter: m.filter ?? "" };
    if (m.rid !== undefined) e.rid = m.rid;
    out.effects.push(e);
  },
  ping(_s, p, m, out) {
    out.effects.push(
      send(p, withRid(m.t === undefined ? { type: "pong" } : { type: "pong", t: m.t }, m.rid)),
    );
  },
};

/** A new connection's player, with a distinct default name. */
function connectPlayer(s: RegistryState, address: string): Player {
  const id = uniqueId(s, ID_LENGTH, (x) => s.players.has(x), true);
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
  setName(s, player, distinctName(s, `Player-${randomBase32(4, s.random)}`, player));
  s.players.set(id, player);
  return player;
}

/** Applies one client message from `player`. */
function handleMessage(s: RegistryState, player: Player, message: ClientMessage): Effect[] {
  const effects: Effect[] = [];
  const out: Out = {
    effects,
    fail(code, text, extra) {
      const m = withRid({ type: "error" as const, code, message: text, ...extra }, message.rid);
      effects.push(send(player, m));
    },
  };
  // The table is keyed by type; TypeScript cannot correlate the two unions on its own.
  (HANDLERS[message.type] as (s: RegistryState, p: Player, m: ClientMessage, out: Out) => void)(
    s,
    player,
    message,
    out,
  );
  return effects;
}

/** The lobby stops: a `match-end` (reason `shutdown`) event for every pairing, nothing sent. */
function shutdownAll(s: RegistryState): Effect[] {
  const effects: Effect[] = [];
  for (const room of s.rooms.values()) {
    if (room.session === null) continue;
    effects.push({
      kind: "event",
      event: { type: "match-end", session: room.session, room: room.id, reason: "shutdown" },
    });
    room.session = null;
  }
  return effects;
}

/** Creates an empty registry. */
export function createRoomRegistry(opts: RoomRegistryOptions = {}): RoomRegistry {
  const s = createRegistryState(opts);
  return {
    connect(address = "") {
      const player = connectPlayer(s, address);
      return { id: player.id, name: player.name };
    },
    handle(playerId, message) {
      const player = s.players.get(playerId);
      return player === undefined ? [] : handleMessage(s, player, message);
    },
    route: (playerId: PlayerId, kind: SignalKind, session: string | undefined): Route | null =>
      routeSignal(s, playerId, kind, session),
    disconnect(playerId) {
      const player = s.players.get(playerId);
      if (player === undefined) return [];
      s.players.delete(playerId);
      unindexName(s, player);
      const effects: Effect[] = [];
      unwatch(player, effects);
      if (!hold(s, player, effects)) exit(s, player, "disconnected", effects);
      return effects;
    },
    expire: (token) => expireSeat(s, token),
    shutdown: () => shutdownAll(s),
    publicRooms: () => Array.from(s.publicRooms.values(), info),
    roomOf(playerId): RoomInfo | null {
      const room = s.players.get(playerId)?.room;
      return room ? info(room) : null;
    },
    watchedBy(playerId): RoomInfo | null {
      const room = s.players.get(playerId)?.watching;
      return room ? info(room) : null;
    },
    counts: () => ({
      players: s.players.size,
      rooms: s.rooms.size,
      publicRooms: s.publicRooms.size,
    }),
    roomStates() {
      const states: Record<RoomState, number> = { open: 0, full: 0, playing: 0 };
      for (const room of s.rooms.values()) states[room.state]++;
      return states;
    },
  };
}
