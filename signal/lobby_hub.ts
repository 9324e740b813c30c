/**
 * The lobby's connections around one registry: delivers the registry's effects to the right
 * sockets. A broadcast (a room list change) is serialized once and the same string goes to every
 * connection; the `rooms` snapshot is cached until the next change, so a storm of connects or
 * `GET /api/rooms` costs one serialization per change, not one per request.
 */
import { encodeServerMessage } from "../shared/lobby_protocol.ts";
import type { Effect, PlayerId, RoomRegistry } from "./room_registry.ts";

/** Where a connection's outgoing text goes. Must not throw (the session guards its socket). */
export type Sink = (text: string) => void;

/** Connections plus the registry they share. */
export interface LobbyHub {
  readonly registry: RoomRegistry;
  /** Routes messages for `id` to `sink`. */
  attach(id: PlayerId, sink: Sink): void;
  detach(id: PlayerId): void;
  /** Sends each effect; messages for detached players are dropped. */
  deliver(effects: readonly Effect[]): void;
  /** The `rooms` message (every public room), serialized. */
  roomsMessage(): string;
  /** `{"rooms": RoomInfo[]}` for `GET /api/rooms`, serialized. */
  roomsJson(): string;
  /** Attached connections. */
  readonly size: number;
}

/** Creates a hub with no connections. */
export function createLobbyHub(registry: RoomRegistry): LobbyHub {
  const sinks = new Map<PlayerId, Sink>();
  let roomsArray: string | null = null;

  const rooms = () => (roomsArray ??= JSON.stringify(registry.publicRooms()));

  const safely = (sink: Sink, text: string) => {
    try {
      sink(text);
    } catch (err) {
      // One broken connection must not stop a broadcast to everyone else.
      console.error("lobby: sink failed", err);
    }
  };

  return {
    registry,
    attach(id, sink) {
      sinks.set(id, sink);
    },
    detach(id) {
      sinks.delete(id);
    },
    deliver(effects) {
      for (const effect of effects) {
        if (effect.kind === "send") {
          const sink = sinks.get(effect.to);
          if (sink !== undefined) safely(sink, encodeServerMessage(effect.message));
        } else {
          roomsArray = null;
          const text = encodeServerMessage(effect.message);
          for (const sink of sinks.values()) safely(sink, text);
        }
      }
    },
    roomsMessage: () => `{"type":"rooms","rooms":${rooms()}}`,
    roomsJson: () => `{"rooms":${rooms()}}`,
    get size() {
      return sinks.size;
    },
  };
}
