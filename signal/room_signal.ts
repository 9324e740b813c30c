/**
 * Signal routing: a `signal` goes to the other player of the same room, in the room's session
 * only. The lobby cannot see the peer connection; the answer to the offer is the last step it
 * takes part in (`full` → `playing`). {@link routeSignal} is the relay's hot path
 * (relay_signal.ts): where a plain signal goes, with no effect list built.
 *
 * @module
 */
import { envelopeHead, envelopeTail } from "./relay_signal.ts";
import { envelopeBytes } from "./relay_signal_bytes.ts";
import {
  announce,
  type CachedRoute,
  type Handlers,
  type PlayerId,
  type RegistryState,
  type Route,
  send,
} from "./registry_state.ts";

/** `signal.data.kind`. */
export type SignalKind = "offer" | "answer" | "candidate";

/** The step of `signal`. */
export const signalHandlers: Pick<Handlers, "signal"> = {
  signal(_s, p, m, out) {
    const room = p.room;
    if (room === null) return out.fail("not-paired", "you are not in a room");
    // Indexing, not find(): this runs for every relayed message and a callback is garbage.
    const peer = room.players[0] === p ? room.players[1] : room.players[0];
    if (peer === undefined) return out.fail("not-paired", "wait for `paired` before signalling");
    // Meant for an earlier pairing (the peer left and someone else came), or the pairing was
    // ended by the lobby's shutdown: never relayed.
    if (room.session === null || (m.session !== undefined && m.session !== room.session)) return;
    out.effects.push(
      send(peer, { type: "signal", from: p.id, data: m.data, session: room.session }),
    );
    // Out of order (an answer with no offer, or from the wrong side) changes nothing.
    if (room.state !== "full") return;
    const offerer = room.players[0] === p;
    if (m.data.kind === "offer" && offerer) room.offered = true;
    else if (m.data.kind === "answer" && !offerer && room.offered) {
      room.state = "playing";
      announce(room, out.effects);
    }
  },
};

/**
 * Where a valid `signal` of `kind` from `playerId`, naming `session` if it does, goes when
 * relaying it is all its step does; null when the full step must decide (see
 * `RoomRegistry.route`).
 */
export function routeSignal(
  s: RegistryState,
  playerId: PlayerId,
  kind: SignalKind,
  session: string | undefined,
): Route | null {
  const p = s.players.get(playerId);
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
  const head = envelopeHead(p!.id), tail = envelopeTail(room.session);
  const made: CachedRoute = {
    to: peer.id,
    session: room.session,
    head,
    tail,
    headBytes: envelopeBytes(head),
    tailBytes: envelopeBytes(tail),
    by: p!,
    peer,
  };
  room.routes[seat] = made;
  return made;
}
