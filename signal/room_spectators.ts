/**
 * Spectators: `watch` a `playing` room (found and checked like `join`: scope, password), the
 * streaming seat's `stream` batches fanned out to them (room_stream.ts decides what a batch does),
 * and `stream-end`. A spectator who arrives late gets the whole backlog at once. When the stream
 * ends every spectator gets `stream-end` and is in no room again; a spectator's own `leave` or
 * drop just takes it out.
 *
 * @module
 */
import type { ServerMessageOf, StreamEndReason } from "../shared/lobby_protocol.ts";
import { admit, passwordOk } from "./room_pairing.ts";
import {
  announce,
  busy,
  type Effect,
  findRoom,
  type Handlers,
  info,
  type Out,
  type Player,
  type Room,
  send,
  withRid,
} from "./registry_state.ts";
import { backlog, closeStream, takeBatch } from "./room_stream.ts";

/** Ends the room's stream for every spectator: each gets `stream-end` and is in no room. */
export function endStream(room: Room, reason: StreamEndReason, effects: Effect[]): void {
  closeStream(room.stream);
  if (room.spectators.size === 0) return;
  const to = [...room.spectators].map((s) => s.id);
  for (const s of room.spectators) s.watching = null;
  room.spectators.clear();
  effects.push({ kind: "fanout", to, message: { type: "stream-end", room: room.id, reason } });
  if (room.players.length > 0) announce(room, effects);
}

/** Takes a spectator out of the room it watches; the count changes in the room list. */
export function unwatch(p: Player, effects: Effect[]): void {
  const room = p.watching;
  if (room === null) return;
  p.watching = null;
  room.spectators.delete(p);
  announce(room, effects);
}

/** Whether `p` holds its room's streaming seat. */
function streams(room: Room, p: Player): boolean {
  return room.streamer !== null && room.tokens.get(p) === room.streamer;
}

/**
 * The room whose stream `p` sends to, or null when its `stream`/`stream-end` is stale (it crossed
 * the leave that closed the pairing, and the stream with it: dropped without a word) or refused.
 */
function streamingRoom(p: Player, out: Out): Room | null {
  const room = p.room;
  if (room === null) {
    out.fail("not-in-room", "only a player of a room streams");
    return null;
  }
  if (room.state !== "playing") return null;
  if (!streams(room, p)) {
    out.fail("bad-stream", "only the offerer's seat streams");
    return null;
  }
  return room;
}

/** The steps of `watch`, `stream` and `stream-end`. */
export const spectatorHandlers: Pick<Handlers, "watch" | "stream" | "stream-end"> = {
  watch(s, p, m, out) {
    if (busy(p)) return out.fail("already-in-room", "leave your room first");
    const room = findRoom(s, m.room);
    if (room === undefined) {
      return out.fail("room-not-found", `no room ${JSON.stringify(m.room)}`);
    }
    if (!admit(p, room, out)) return;
    if (room.state !== "playing" || room.stream?.closed === true) {
      return out.fail("room-not-playing", "that room has no match in progress to watch");
    }
    if (room.spectators.size >= s.maxSpectators) {
      return out.fail("too-many-spectators", `a match may have ${s.maxSpectators} spectators`);
    }
    if (!passwordOk(s, p, room, m.password, out)) return;
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
  stream(s, p, m, out) {
    const room = streamingRoom(p, out);
    if (room === null) return;
    const v = takeBatch(room.stream, m, s.maxBacklog);
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
    out.effects.push({ kind: "fanout", to: [...room.spectators].map((x) => x.id), message });
  },
  "stream-end"(_s, p, m, out) {
    const room = streamingRoom(p, out);
    if (room === null) return;
    endStream(room, m.reason ?? "match-over", out.effects);
  },
};
