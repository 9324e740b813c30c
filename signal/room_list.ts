/**
 * The public room list as each client sees it, as plain functions and state (no I/O; the hub,
 * lobby_hub.ts, owns the sockets and the tick timer):
 *
 * - A **view** is a client's scope (game and build) plus its name filter (`list.filter`).
 * - {@link selectRooms}: a bounded snapshot for a view: at most `max` rooms, open ones first
 *   (what a player can join), oldest first, then full and playing ones; plus the total that match.
 *   5,000 rooms never become a megabyte per new client.
 * - {@link createRoomListBatch}: room changes collected over one tick and coalesced: one delta per
 *   room (its latest state), and nothing at all for a room created and removed within the tick,
 *   so a create/leave storm costs every client at most one message per room per tick.
 */
import type { RoomInfo } from "../shared/lobby_protocol.ts";

/** What one client's room list shows. */
export interface RoomView {
  game: string;
  version: string;
  /** Case-insensitive substring of the room name; "" shows every room. */
  filter: string;
}

/** The default view: default scope, no filter (old clients, `GET /api/rooms` without a query). */
export const DEFAULT_VIEW: RoomView = Object.freeze({ game: "", version: "", filter: "" });

/** Whether `room` belongs to `view`'s scope. */
export function inScope(room: RoomInfo, view: RoomView): boolean {
  return (room.game ?? "") === view.game && (room.version ?? "") === view.version;
}

/** Whether `view` shows `room` (scope and filter). */
export function inView(room: RoomInfo, view: RoomView): boolean {
  if (!inScope(room, view)) return false;
  return view.filter === "" || room.name.toLowerCase().includes(view.filter.toLowerCase());
}

/** A view's key, for caches and subscriber groups. */
export function viewKey(view: RoomView): string {
  return `${view.game}\n${view.version}\n${view.filter.toLowerCase()}`;
}

/** The scope part of a view's key. */
export function scopeKey(view: { game: string; version: string }): string {
  return `${view.game}\n${view.version}`;
}

/** At most `max` rooms of `rooms` (oldest first) shown by `view`, open ones first; and the total. */
export function selectRooms(
  rooms: readonly RoomInfo[],
  view: RoomView,
  max: number,
): { rooms: RoomInfo[]; total: number } {
  const open: RoomInfo[] = [];
  const rest: RoomInfo[] = [];
  let total = 0;
  for (const room of rooms) {
    if (!inView(room, view)) continue;
    total++;
    if (room.state === "open") {
      if (open.length < max) open.push(room);
    } else if (rest.length < max) rest.push(room);
  }
  const out = open.concat(rest.slice(0, Math.max(0, max - open.length)));
  return { rooms: out, total };
}

/**
 * One coalesced room-list change. A removal carries the room's last known state (to filter by
 * view), or none for a room the batch never saw (it existed before the batch started).
 */
export type RoomDelta =
  | { kind: "room"; room: RoomInfo }
  | { kind: "removed"; id: string; room: RoomInfo | null };

/** Room changes of the current tick. */
export interface RoomListBatch {
  /** A public room appeared or changed. */
  upsert(room: RoomInfo): void;
  /** A public room is gone. */
  remove(id: string): void;
  /** The coalesced changes since the last drain, in order of first change; clears them. */
  drain(): RoomDelta[];
  /** Rooms changed in this tick so far. */
  readonly pending: number;
  /** Starts over from a full list (e.g. reloaded from Redis): nothing pending. */
  reset(rooms: Iterable<RoomInfo>): void;
}

/** Creates an empty batch; `known` rooms are those clients were already told about. */
export function createRoomListBatch(known: Iterable<RoomInfo> = []): RoomListBatch {
  // Rooms as last announced (what clients have), and this tick's latest state per room.
  const told = new Map<string, RoomInfo>();
  for (const r of known) told.set(r.id, r);
  const pending = new Map<string, { room: RoomInfo | null; removed: boolean; fresh: boolean }>();

  return {
    upsert(room) {
      const before = pending.get(room.id);
      // Fresh: created within this tick (clients never heard of it).
      const fresh = before === undefined ? !told.has(room.id) : before.fresh;
      pending.delete(room.id);
      pending.set(room.id, { room, removed: false, fresh });
    },
    remove(id) {
      const before = pending.get(id);
      const last = before?.room ?? told.get(id) ?? null;
      pending.set(id, { room: last, removed: true, fresh: before?.fresh ?? false });
    },
    drain() {
      const out: RoomDelta[] = [];
      for (const [id, change] of pending) {
        if (change.removed) {
          told.delete(id);
          // Created and removed within the tick: nobody ever heard of it.
          if (change.fresh) continue;
          out.push({ kind: "removed", id, room: change.room });
        } else if (change.room !== null) {
          told.set(id, change.room);
          out.push({ kind: "room", room: change.room });
        }
      }
      pending.clear();
      return out;
    },
    get pending() {
      return pending.size;
    },
    reset(rooms) {
      pending.clear();
      told.clear();
      for (const r of rooms) told.set(r.id, r);
    },
  };
}
