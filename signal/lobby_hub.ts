/**
 * This process's lobby connections: delivers messages to the right sockets. A broadcast (a room
 * list change) is serialized once and the same string goes to every connection; the `rooms`
 * snapshot is cached until the next change, so a storm of connects or `GET /api/rooms` costs one
 * serialization per change, not one per request.
 *
 * Deliveries never interleave: effects caused while one is under way (a sink that ends its session
 * makes the player leave) go out after it, so every player sees one order of events.
 *
 * The registry (memory or Redis, see lobby_registry.ts) decides what to send; the hub only knows
 * which sockets are here.
 */
import {
  encodeServerMessage,
  type RoomInfo,
  type ServerMessage,
} from "../shared/lobby_protocol.ts";
import { type Logger, silentLogger } from "./log.ts";
import type { Effect, PlayerId } from "./room_registry.ts";

/** Where a connection's outgoing text goes. Must not throw (the session guards its socket). */
export type Sink = (text: string) => void;

/** Where the public room list comes from (the registry, or a local copy of a shared one). */
export interface RoomListSource {
  publicRooms(): RoomInfo[];
}

/** This process's connections. */
export interface LobbyHub {
  /** Routes messages for `id` to `sink`. */
  attach(id: PlayerId, sink: Sink): void;
  detach(id: PlayerId): void;
  /** Detaches everyone (shutdown: nothing more is delivered). */
  detachAll(): void;
  /** Whether `id` is attached here. */
  has(id: PlayerId): boolean;
  /** Sends each effect; messages for players not attached here are dropped. */
  deliver(effects: readonly Effect[]): void;
  /** Sends an already serialized message to one player; false if not attached here. */
  sendText(id: PlayerId, text: string): boolean;
  /**
   * The room list changed wholesale (e.g. reloaded from Redis): drop the cached snapshot and send
   * every connection a fresh `rooms` message.
   */
  resync(): void;
  /** The `rooms` message (every public room), serialized. */
  roomsMessage(): string;
  /** `{"rooms": RoomInfo[]}` for `GET /api/rooms`, serialized. */
  roomsJson(): string;
  /** Attached connections. */
  readonly size: number;
}

/** Creates a hub with no connections. */
export function createLobbyHub(source: RoomListSource, log: Logger = silentLogger): LobbyHub {
  const sinks = new Map<PlayerId, Sink>();
  let roomsArray: string | null = null;
  /** Effects waiting while a delivery is under way; null when none is. */
  let queued: (readonly Effect[])[] | null = null;

  const rooms = () => (roomsArray ??= JSON.stringify(source.publicRooms()));
  const roomsMessage = () => `{"type":"rooms","rooms":${rooms()}}`;

  const safely = (sink: Sink, text: string) => {
    try {
      sink(text);
    } catch (err) {
      // One broken connection must not stop a broadcast to everyone else.
      log.error("sink-failed", { error: err });
    }
  };

  const broadcast = (message: ServerMessage) => {
    roomsArray = null;
    const text = encodeServerMessage(message);
    for (const sink of sinks.values()) safely(sink, text);
  };

  return {
    attach(id, sink) {
      sinks.set(id, sink);
    },
    detach(id) {
      sinks.delete(id);
    },
    detachAll() {
      sinks.clear();
    },
    has: (id) => sinks.has(id),
    deliver(effects) {
      // A sink may end its session (client not reading), whose leave delivers again from inside
      // this loop; run it after the effects in hand, or players get them in different orders.
      if (queued !== null) return void queued.push(effects);
      queued = [effects];
      try {
        for (const batch of queued) {
          for (const effect of batch) {
            if (effect.kind === "send") {
              const sink = sinks.get(effect.to);
              if (sink !== undefined) safely(sink, encodeServerMessage(effect.message));
            } else broadcast(effect.message);
          }
        }
      } finally {
        queued = null;
      }
    },
    sendText(id, text) {
      const sink = sinks.get(id);
      if (sink === undefined) return false;
      safely(sink, text);
      return true;
    },
    resync() {
      roomsArray = null;
      const text = roomsMessage();
      for (const sink of sinks.values()) safely(sink, text);
    },
    roomsMessage,
    roomsJson: () => `{"rooms":${rooms()}}`,
    get size() {
      return sinks.size;
    },
  };
}
