/**
 * A pairing's end and its seats across a drop: `leave`, a dropped connection, a held seat's
 * grace running out, and `resume`. A player who drops while its room is `playing` keeps its seat
 * for the grace period (the peer gets `peer-away`); `resume {token}` from a new connection
 * re-seats it in the same session, and both get `paired` again (`resumed`, the returner offers).
 * Otherwise the session ends (a `match-end` hook, tokens buried for a precise error later) and the
 * room opens again for whoever is left, or goes.
 *
 * @module
 */
import { ROOM_CAPACITY } from "../shared/limits.ts";
import type { MatchEndReason } from "./lobby_hooks.ts";
import { joinedMessage, pairedMessage } from "./room_pairing.ts";
import {
  announce,
  type Away,
  bury,
  busy,
  type Effect,
  type Handlers,
  type Player,
  type PlayerId,
  quickQueue,
  type RegistryState,
  requeue,
  type Room,
  send,
  withRid,
} from "./registry_state.ts";
import { endStream, unwatch } from "./room_spectators.ts";
import { resumeFrom } from "./room_stream.ts";

/** The room's session is over: hook, tokens buried, a held seat given up, the stream ended. */
function endSession(
  s: RegistryState,
  room: Room,
  reason: MatchEndReason,
  effects: Effect[],
): void {
  if (room.session !== null) {
    effects.push({
      kind: "event",
      event: { type: "match-end", session: room.session, room: room.id, reason },
    });
  }
  for (const token of room.tokens.values()) bury(s, token, "finished");
  room.tokens.clear();
  if (room.away !== null) {
    bury(s, room.away.token, reason === "expired" ? "expired" : "finished");
  }
  room.away = null;
  room.session = null;
  room.offered = false;
  endStream(room, "player-left", effects);
  room.stream = null;
  room.streamer = null;
}

/** Holds `player`'s seat for a resume, if its room is mid-match; whether it did. */
export function hold(s: RegistryState, player: Player, effects: Effect[]): boolean {
  const room = player.room;
  const token = room?.tokens.get(player);
  if (
    room === null || token === undefined || s.graceMs <= 0 || room.state !== "playing" ||
    room.away !== null || room.players.length !== ROOM_CAPACITY
  ) return false;
  player.room = null;
  room.players = room.players.filter((p) => p !== player);
  room.tokens.delete(player);
  room.away = { token, id: player.id, until: s.monotonic() + s.graceMs };
  for (const p of room.players) {
    effects.push(send(p, { type: "peer-away", id: player.id, graceMs: s.graceMs }));
  }
  effects.push({ kind: "expire", token, afterMs: s.graceMs });
  return true;
}

/** The held seat's grace is over: the match ends (`expired`), the peer gets `peer-left`. */
function giveUp(s: RegistryState, room: Room, away: Away): Effect[] {
  const effects: Effect[] = [];
  endSession(s, room, "expired", effects);
  reopen(s, room, away.id, effects);
  return effects;
}

/** The room opens again for the players left in it (the peer gets `peer-left`), or goes. */
function reopen(s: RegistryState, room: Room, goneId: PlayerId, effects: Effect[]): void {
  if (room.players.length === 0) {
    s.rooms.delete(room.id);
    quickQueue(s, room.game, room.version).remove(room);
    s.attempts.forget(`room:${room.id}`);
    if (room.code === null) {
      s.publicRooms.delete(room.id);
      effects.push({ kind: "broadcast", message: { type: "room-removed", id: room.id } });
    } else s.roomsByCode.delete(room.code);
    return;
  }
  room.state = "open";
  requeue(s, room);
  for (const p of room.players) effects.push(send(p, { type: "peer-left", id: goneId }));
  announce(room, effects);
}

/** Takes `player` out of its room: the peer stays and the room opens again, or it is removed. */
export function exit(
  s: RegistryState,
  player: Player,
  reason: MatchEndReason,
  effects: Effect[],
): void {
  const room = player.room;
  if (room === null) return;
  player.room = null;
  room.players = room.players.filter((p) => p !== player);
  endSession(s, room, reason, effects);
  reopen(s, room, player.id, effects);
}

/** A held seat's grace may be over (its timer fired); stale calls do nothing. */
export function expireSeat(s: RegistryState, token: string): Effect[] {
  const room = s.liveTokens.get(token);
  const away = room?.away;
  if (room === undefined || away == null || away.token !== token) return [];
  const left = away.until - s.monotonic();
  // A timer that fired early (clock granularity) is set again for the rest.
  if (left > 0) return [{ kind: "expire", token, afterMs: left }];
  return giveUp(s, room, away);
}

/** The steps of `leave` and `resume`. */
export const sessionHandlers: Pick<Handlers, "leave" | "resume"> = {
  leave(s, p, m, out) {
    if (!busy(p)) return out.fail("not-in-room", "you are not in a room");
    out.effects.push(send(p, withRid({ type: "left" }, m.rid)));
    unwatch(p, out.effects);
    exit(s, p, "left", out.effects);
  },
  resume(s, p, m, out) {
    if (busy(p)) return out.fail("already-in-room", "leave your room first");
    const ended = s.endedTokens.get(m.token);
    if (ended?.why === "expired") {
      return out.fail("resume-expired", "the seat was given up: the grace period ran out");
    }
    if (ended !== undefined) return out.fail("match-finished", "that match is over");
    const room = s.liveTokens.get(m.token);
    if (room === undefined) return out.fail("resume-unknown", "no such resume token");
    if (room.away?.token !== m.token) {
      return out.fail("resume-in-use", "that seat is held by a live connection");
    }
    if (s.monotonic() >= room.away.until) {
      // Its timer has not fired yet; the answer must not depend on that.
      out.effects.push(...giveUp(s, room, room.away));
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
    out.effects.push(send(p, pairedMessage(s, room, p, survivor, "offerer", true)));
    out.effects.push(send(survivor, pairedMessage(s, room, survivor, p, "answerer", true)));
    // The streaming seat is back: its stream goes on from the lobby's next frame.
    const from = m.token === room.streamer ? resumeFrom(room.stream) : null;
    if (from !== null) out.effects.push(send(p, { type: "stream-from", room: room.id, from }));
  },
};
