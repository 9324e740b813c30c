/**
 * This process's copy of the shared public room list (the `rooms` snapshot and `GET /api/rooms`
 * read it without touching Redis): loaded on start, then updated from the events scripts publish
 * on `<P>:ev` in commit order. Events carry a sequence number; a gap (a dropped subscriber
 * connection) reloads the copy and sends every local client a fresh `rooms` snapshot.
 *
 * @module
 */
import * as v from "valibot";
import { type RoomInfo, RoomInfoSchema } from "../shared/lobby_protocol.ts";
import type { LobbyHub } from "./lobby_hub.ts";
import type { Logger } from "./log.ts";

/** A room-list event: a room added or changed, one removed, or (damaged) only its seq. */
export type RoomListEvent = { s: number; room?: RoomInfo; removed?: string };

/** A RoomInfo read from Redis (JSON text or parsed), or null if it is not one. */
export function parseRoomInfo(text: string | unknown): RoomInfo | null {
  let raw: unknown = text;
  if (typeof text === "string") {
    try {
      raw = JSON.parse(text);
    } catch {
      raw = undefined;
    }
  }
  const r = v.safeParse(RoomInfoSchema, raw);
  return r.success ? r.output : null;
}

/**
 * An event published by a script, validated; null if it has no sequence number. A damaged room
 * still advances the sequence (`{s}`), so it costs no reload.
 */
export function parseRoomListEvent(text: string): RoomListEvent | null {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null || !Number.isSafeInteger(raw.s)) return null;
  const s = raw.s as number;
  if (typeof raw.removed === "string") return { s, removed: raw.removed };
  const room = parseRoomInfo(raw.room);
  return room === null ? { s } : { s, room };
}

/** Options of {@link createRoomListCopy}. */
export interface RoomListCopyOptions {
  hub: LobbyHub;
  log: Logger;
  /** The `snapshot` script: {event seq, entries repaired, RoomInfo JSON...}. */
  snapshot: () => Promise<string[]>;
}

/** The local copy. */
export interface RoomListCopy {
  /** Every public room, oldest first. */
  rooms(): RoomInfo[];
  readonly size: number;
  /** A message published on the event channel. */
  onEvent(text: string): void;
  /** Loads the list from Redis; `announce` sends every local client a fresh snapshot. */
  load(announce: boolean): Promise<void>;
  /** Reloads in the background (one at a time), announcing it. */
  resync(): void;
}

/** Creates an empty copy; call `load` before use. */
export function createRoomListCopy(opts: RoomListCopyOptions): RoomListCopy {
  const { hub, log } = opts;
  let rooms = new Map<string, RoomInfo>();
  let lastSeq = 0;
  /** Events that arrive while a snapshot loads; null when none is loading. */
  let buffered: string[] | null = null;

  const roomFrom = (text: string | unknown): RoomInfo | null => {
    const room = parseRoomInfo(text);
    if (room === null) log.error("redis-bad-room", { text: String(text).slice(0, 200) });
    return room;
  };
  const eventFrom = (text: string): RoomListEvent | null => {
    const e = parseRoomListEvent(text);
    if (e === null) log.error("redis-bad-event", { text: text.slice(0, 200) });
    else if (e.room === undefined && e.removed === undefined) {
      log.error("redis-bad-room", { text: text.slice(0, 200) });
    }
    return e;
  };
  const apply = (e: RoomListEvent) => {
    if (e.s <= lastSeq) return;
    lastSeq = e.s;
    if (e.room) {
      rooms.set(e.room.id, e.room);
      hub.deliver([{ kind: "broadcast", message: { type: "room", room: e.room } }]);
    } else if (e.removed !== undefined && rooms.delete(e.removed)) {
      hub.deliver([{ kind: "broadcast", message: { type: "room-removed", id: e.removed } }]);
    }
  };

  const load = async (announce: boolean) => {
    buffered = [];
    try {
      const [seq, repaired, ...infos] = await opts.snapshot();
      if (Number(repaired) > 0) log.warn("redis-rooms-repaired", { entries: Number(repaired) });
      const fresh = new Map<string, RoomInfo>();
      for (const text of infos) {
        const room = roomFrom(text);
        if (room !== null) fresh.set(room.id, room);
      }
      rooms = fresh;
      lastSeq = Number.isFinite(Number(seq)) ? Number(seq) : 0;
      const pending = buffered;
      buffered = null;
      // Also at start: the hub's batch learns which rooms its clients will hear about.
      if (announce || hub.size === 0) hub.resync();
      for (const text of pending) {
        const parsed = eventFrom(text);
        if (parsed !== null) apply(parsed);
      }
    } finally {
      buffered = null;
    }
  };

  let resyncing: Promise<void> | null = null;
  const resync = () => {
    resyncing ??= load(true)
      .catch((err) => log.warn("redis-resync-failed", { error: err }))
      .finally(() => (resyncing = null));
  };

  return {
    rooms: () => Array.from(rooms.values()),
    get size() {
      return rooms.size;
    },
    onEvent(text) {
      if (buffered !== null) {
        // Only well-formed events are kept for after the load (as before the split).
        if (parseRoomListEvent(text) !== null) buffered.push(text);
        else log.error("redis-bad-event", { text: text.slice(0, 200) });
        return;
      }
      const e = eventFrom(text);
      if (e === null) return;
      // A gap means the subscriber missed events (e.g. it reconnected): reload.
      if (e.s > lastSeq + 1) {
        log.warn("redis-event-gap", { expected: lastSeq + 1, got: e.s });
        return resync();
      }
      apply(e);
    },
    load,
    resync,
  };
}
