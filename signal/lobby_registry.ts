/**
 * The room registry as the server uses it: one interface, two implementations.
 *
 * - memory_registry.ts: the default. One process holds every room (room_registry.ts, plain state);
 *   every step completes synchronously.
 * - redis_registry.ts: several lobby processes share one Redis. Rooms and players live in Redis,
 *   every step is one atomic Lua script, and messages for players connected to other processes
 *   travel over Redis pub/sub. Steps complete asynchronously.
 *
 * Either way the registry delivers what a step causes (replies, `paired`, relayed `signal`s,
 * room-list changes, errors) to the local connections through the {@link LobbyHub}, in order: a
 * step's promise resolves only once everything it sent to this process's players was delivered,
 * so the session can queue a player's messages one after another and replies never overtake.
 * Clients see the same protocol with both.
 */
import type { ClientMessage, RoomInfo, RoomState } from "../shared/lobby_protocol.ts";
import type { RelaySignal } from "./relay_signal.ts";
import type { RelayCandidateBytes } from "./relay_signal_bytes.ts";
import type { PlayerId } from "./room_registry.ts";

/** A value now, or later. Synchronous registries return plain values so nothing waits a tick. */
export type Step<T> = T | Promise<T>;

/** A new player: its id and default name are known at once; `ready` settles when registered. */
export interface Registration {
  id: PlayerId;
  name: string;
  /** Null when registered already; otherwise resolves (or rejects) once the registry knows it. */
  ready: Promise<void> | null;
}

/** Whether the registry can serve (for `/readyz`). */
export interface RegistryStatus {
  ready: boolean;
  /** Why not, or what it runs on. */
  detail: string;
}

/** The lobby's rooms and players, local or shared. */
export interface LobbyRegistry {
  readonly kind: "memory" | "redis";
  /**
   * Registers a connection. Its messages go to the hub under the returned id. `address` is its
   * per-IP key (ip_limits.ts), under which wrong passwords are counted.
   */
  connect(address?: string): Registration;
  /** Applies one validated client message; results reach the hub before the step completes. */
  handle(player: PlayerId, message: ClientMessage): Step<void>;
  /**
   * Optional hot path for a `signal` that readRelaySignal accepted (relay_signal.ts): relays it to
   * the peer as text, synchronously, and returns true; or returns false, having done nothing, when
   * it must go through {@link handle} instead (errors, room state changes).
   */
  relay?(player: PlayerId, signal: RelaySignal): boolean;
  /**
   * The same for a candidate that readRelayCandidateBytes accepted in `frame`, the client's text
   * frame as bytes (relay_signal_bytes.ts): relays it as bytes and returns true, or returns
   * false, having done nothing, when {@link relay}'s text path must decide instead.
   */
  relayBytes?(player: PlayerId, signal: RelayCandidateBytes, frame: Uint8Array): boolean;
  /** The connection is gone: leave its room (the peer gets `peer-left`), forget it. Idempotent. */
  disconnect(player: PlayerId): Step<void>;
  /** Every public room, oldest first (a local copy with Redis, kept current by pub/sub). */
  publicRooms(): RoomInfo[];
  /** Rooms (public and private) by state, lobby-wide. */
  roomStates(): Step<Record<RoomState, number>>;
  /** Players connected to this process and known to the registry. */
  localPlayers(): number;
  status(): Step<RegistryStatus>;
  /**
   * Shutting down: forget every local player at once (their peers get `peer-left`) without
   * delivering anything locally, then release connections. Later steps do nothing. Idempotent.
   */
  close(): Promise<void>;
}
