/**
 * This process's lobby connections: delivers messages to the right sockets, and keeps each
 * client's room list current without letting room churn flood anyone (room_list.ts):
 *
 * - Room-list changes are batched per tick (`tickMs`, DEFAULT_ROOM_LIST_TICK_MS): at the end of
 *   the tick each changed room goes out once, in its latest state, and a room created and removed
 *   within the tick not at all. Each delta is serialized once and sent only to the clients whose
 *   view (scope and filter) shows the room. A tick with more than `deltaMax` changes sends every
 *   client a fresh snapshot instead.
 * - Snapshots (`rooms`, `GET /api/rooms`) are bounded to `snapshotMax` rooms of the view (open
 *   ones first) plus `total`; each view's snapshot is serialized once per change, so a storm of
 *   connects or requests costs one serialization per change, not one per request.
 *
 * Deliveries never interleave: effects caused while one is under way (a sink that ends its session
 * makes the player leave) go out after it, so every player sees one order of events.
 *
 * The registry (memory or Redis, see lobby_registry.ts) decides what to send; the hub only knows
 * which sockets are here and what each one looks at.
 */
import {
  encodeServerMessage,
  type RoomInfo,
  type ServerMessage,
} from "../shared/lobby_protocol.ts";
import {
  DEFAULT_ROOM_LIST_TICK_MS,
  ROOM_LIST_DELTA_MAX,
  ROOM_LIST_SNAPSHOT_MAX,
} from "../shared/limits.ts";
import { type Logger, silentLogger } from "./log.ts";
import type { Effect, PlayerId } from "./room_registry.ts";
import {
  createRoomListBatch,
  DEFAULT_VIEW,
  inView,
  type RoomView,
  selectRooms,
  viewKey,
} from "./room_list.ts";

/** Decodes relayed bytes for a sink that takes only text. */
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Where a connection's outgoing text goes: a function, or an object's `write` (a session, so that
 * a connection needs no closure of its own). Must not throw (the session guards its socket).
 */
export type Sink =
  | ((text: string) => void)
  | { write(text: string): void; writeBytes?(utf8: Uint8Array): void };

/** Where the public room list comes from (the registry, or a local copy of a shared one). */
export interface RoomListSource {
  /** Every public room, oldest first. */
  publicRooms(): RoomInfo[];
}

/** Options of {@link createLobbyHub}. */
export interface LobbyHubOptions {
  /** Room-list batching tick in ms; 0 sends each delivery's changes at its end (tests). */
  tickMs?: number;
  /** Rooms per snapshot. */
  snapshotMax?: number;
  /** Changes per tick beyond which everyone gets a snapshot instead. */
  deltaMax?: number;
}

/** This process's connections. */
export interface LobbyHub {
  /** Routes messages for `id` to `sink`; its view starts as the default one. */
  attach(id: PlayerId, sink: Sink): void;
  detach(id: PlayerId): void;
  /** Detaches everyone and stops the tick (shutdown: nothing more is delivered). */
  detachAll(): void;
  /** Whether `id` is attached here. */
  has(id: PlayerId): boolean;
  /** Sends each effect; messages for players not attached here are dropped. */
  deliver(effects: readonly Effect[]): void;
  /** Sends an already serialized message to one player; false if not attached here. */
  sendText(id: PlayerId, text: string): boolean;
  /**
   * The same for a message already serialized and UTF-8 encoded (the relay on bytes); a sink
   * without `writeBytes` gets it decoded.
   */
  sendBytes(id: PlayerId, utf8: Uint8Array): boolean;
  /**
   * The room list changed wholesale (e.g. reloaded from Redis): drop pending deltas and cached
   * snapshots and send every connection a fresh `rooms` message.
   */
  resync(): void;
  /** Sends this tick's room-list changes now (the timer does it otherwise). */
  flush(): void;
  /** The `rooms` message for `id`'s view (the default view if not attached), serialized. */
  roomsMessage(id?: PlayerId): string;
  /** `{"rooms": RoomInfo[], "total": n}` for `GET /api/rooms` (default view), serialized. */
  roomsJson(view?: Partial<RoomView>): string;
  /** Attached connections. */
  readonly size: number;
}

interface Subscriber {
  sink: Sink;
  view: RoomView;
}

const MAX_CACHED_VIEWS = 256;

/** Creates a hub with no connections. */
export function createLobbyHub(
  source: RoomListSource,
  log: Logger = silentLogger,
  opts: LobbyHubOptions = {},
): LobbyHub {
  const tickMs = opts.tickMs ?? DEFAULT_ROOM_LIST_TICK_MS;
  const snapshotMax = opts.snapshotMax ?? ROOM_LIST_SNAPSHOT_MAX;
  const deltaMax = opts.deltaMax ?? ROOM_LIST_DELTA_MAX;
  const subs = new Map<PlayerId, Subscriber>();
  // `"rooms":[...],"total":n` per view, until the list changes.
  const cache = new Map<string, string>();
  const batch = createRoomListBatch(source.publicRooms());
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Effects waiting while a delivery is under way; null when none is. */
  let queued: (readonly Effect[])[] | null = null;
  /** Whether a delivery is under way (`queued` then holds only what arrived during it). */
  let delivering = false;

  const body = (view: RoomView): string => {
    const key = viewKey(view);
    let text = cache.get(key);
    if (text === undefined) {
      const { rooms, total } = selectRooms(source.publicRooms(), view, snapshotMax);
      text = `"rooms":${JSON.stringify(rooms)},"total":${total}`;
      if (cache.size >= MAX_CACHED_VIEWS) cache.clear();
      cache.set(key, text);
    }
    return text;
  };
  const snapshot = (view: RoomView, rid?: number) => {
    const extra = (view.filter === "" ? "" : `,"filter":${JSON.stringify(view.filter)}`) +
      (rid === undefined ? "" : `,"rid":${rid}`);
    return `{"type":"rooms",${body(view)}${extra}}`;
  };

  const safely = (sink: Sink, text: string) => {
    try {
      if (typeof sink === "function") sink(text);
      else sink.write(text);
    } catch (err) {
      // One broken connection must not stop a broadcast to everyone else.
      log.error("sink-failed", { error: err });
    }
  };

  const resync = () => {
    cache.clear();
    batch.reset(source.publicRooms());
    for (const s of subs.values()) safely(s.sink, snapshot(s.view));
  };

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (batch.pending > deltaMax) return resync();
    for (const delta of batch.drain()) {
      const text = encodeServerMessage(
        delta.kind === "room"
          ? { type: "room", room: delta.room }
          : { type: "room-removed", id: delta.id },
      );
      const room = delta.room;
      for (const s of subs.values()) {
        // A removal of a room we never saw goes to everyone: clients ignore ids they lack.
        if (room === null || inView(room, s.view)) safely(s.sink, text);
      }
    }
  };

  const changed = (message: ServerMessage) => {
    cache.clear();
    if (message.type === "room") batch.upsert(message.room);
    else if (message.type === "room-removed") batch.remove(message.id);
    else return;
    if (tickMs > 0 && timer === undefined) timer = setTimeout(flush, tickMs);
  };

  const apply = (effect: Effect) => {
    switch (effect.kind) {
      case "send": {
        const s = subs.get(effect.to);
        if (s !== undefined) safely(s.sink, encodeServerMessage(effect.message));
        return;
      }
      case "fanout": {
        let text: string | undefined;
        for (const id of effect.to) {
          const s = subs.get(id);
          if (s !== undefined) safely(s.sink, text ??= encodeServerMessage(effect.message));
        }
        return;
      }
      case "broadcast":
        return changed(effect.message);
      case "scope": {
        const s = subs.get(effect.to);
        if (s === undefined) return;
        s.view = { game: effect.game, version: effect.version, filter: "" };
        return safely(s.sink, snapshot(s.view));
      }
      case "list": {
        const s = subs.get(effect.to);
        if (s === undefined) return;
        s.view = { ...s.view, filter: effect.filter };
        return safely(s.sink, snapshot(s.view, effect.rid));
      }
      case "event":
      case "expire":
        // Hooks and grace timers are the registry's business.
        return;
    }
  };

  return {
    attach(id, sink) {
      subs.set(id, { sink, view: DEFAULT_VIEW });
    },
    detach(id) {
      subs.delete(id);
    },
    detachAll() {
      subs.clear();
      clearTimeout(timer);
      timer = undefined;
    },
    has: (id) => subs.has(id),
    deliver(effects) {
      // A sink may end its session (client not reading), whose leave delivers again from inside
      // this loop; run it after the effects in hand, or players get them in different orders.
      if (delivering) return void (queued ??= []).push(effects);
      delivering = true;
      try {
        // The common case (nothing re-entrant) allocates no queue: once per relayed message.
        for (const effect of effects) apply(effect);
        if (tickMs === 0) flush();
        if (queued !== null) {
          for (const more of queued) {
            for (const effect of more) apply(effect);
            if (tickMs === 0) flush();
          }
        }
      } finally {
        delivering = false;
        queued = null;
      }
    },
    sendText(id, text) {
      const s = subs.get(id);
      if (s === undefined) return false;
      safely(s.sink, text);
      return true;
    },
    sendBytes(id, utf8) {
      const s = subs.get(id);
      if (s === undefined) return false;
      const sink = s.sink;
      if (typeof sink === "function" || sink.writeBytes === undefined) {
        safely(sink, utf8Decoder.decode(utf8));
        return true;
      }
      try {
        sink.writeBytes(utf8);
      } catch (err) {
        log.error("sink-failed", { error: err });
      }
      return true;
    },
    resync,
    flush,
    roomsMessage: (id) => snapshot(subs.get(id ?? "")?.view ?? DEFAULT_VIEW),
    roomsJson: (view = {}) => `{${body({ ...DEFAULT_VIEW, ...view })}}`,
    get size() {
      return subs.size;
    },
  };
}
