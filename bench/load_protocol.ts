// How the lobby load generator speaks to each server under test: duet's lobby protocol v1
// (DESIGN.md) and PeerJS's server protocol (node_modules/peer: /peerjs?key&id&token, OPEN, then
// {type: "CANDIDATE", dst, payload} relayed to dst with `src` added). Pure: strings in, strings out.

/**
 * Which server a load run targets: duet's lobby (in memory, or `duet-redis`: two lobby processes
 * sharing one Redis), PeerJS's server, or a floor relay (bench/floor_relay.ts) on Deno's own
 * WebSocket stack or on node:http + `ws` under Deno.
 */
export type ServerKind = "duet" | "duet-redis" | "peerjs" | "floor-deno" | "floor-ws";

/** Every server kind, in the order the report lists them. */
export const SERVER_KINDS: readonly ServerKind[] = [
  "duet",
  "floor-deno",
  "floor-ws",
  "peerjs",
  "duet-redis",
];

/**
 * The ~100-byte body both servers relay: an ICE candidate like the ones a browser trickles.
 * Same object for both servers, so message sizes differ only by each protocol's envelope.
 */
export const RELAY_PAYLOAD = {
  candidate: "candidate:1467250027 1 udp 2122260223 127.0.0.1 46243 typ host generation 0",
  sdpMid: "0",
  sdpMLineIndex: 0,
} as const;

/** A 16-character stand-in for duet's session (signal/room_pairing.ts), for the floor's frames. */
export const FLOOR_SESSION = "floorsession0000";

/** What the generator needs to know to drive one server kind. */
export interface LoadProtocol {
  kind: "duet" | "peerjs" | "floor";
  /**
   * WebSocket URL for a client; `id` is the generator's own label (PeerJS needs it), `room` the
   * pair's label when the client is one of a pair (the floor pairs by URL).
   */
  url(base: string, id: string, room?: string): string;
  /** True for the first message the server sends once a connection is usable. */
  isReady(text: string): boolean;
  /** The client's own id as the server knows it, from its ready message (duet assigns it). */
  idFrom(text: string, own: string): string;
  /**
   * A relay message from one client to `dst` (PeerJS addresses by id; duet by room), naming the
   * pairing's `session` as duet's browser client does with every signal (lobby_connection.ts).
   */
  relay(dst: string, session?: string): string;
  /** True when `text` is a relayed message (not a pong, room list or error). */
  isRelay(text: string): boolean;
}

/** duet: `welcome` on connect; `signal` relayed to the other player of the same room. */
export const duetProtocol: LoadProtocol = {
  kind: "duet",
  url: (base) => `${base}/ws`,
  isReady: (text) => text.includes('"welcome"') && parseType(text) === "welcome",
  idFrom: (text) => String((JSON.parse(text) as { id?: unknown }).id ?? ""),
  relay: (_dst, session) =>
    JSON.stringify({
      type: "signal",
      data: { kind: "candidate", candidate: RELAY_PAYLOAD },
      ...(session === undefined ? {} : { session }),
    }),
  // The server's relay starts with its type; checking the prefix avoids a JSON.parse per message,
  // so the generator's own CPU stays small next to the server's.
  isRelay: (text) => text.startsWith('{"type":"signal"') || parseType(text) === "signal",
};

/** PeerJS: `OPEN` on connect; OFFER/ANSWER/CANDIDATE relayed to `dst`. */
export const peerjsProtocol: LoadProtocol = {
  kind: "peerjs",
  url: (base, id) => `${base}/peerjs?key=peerjs&id=${encodeURIComponent(id)}&token=t${id}`,
  isReady: (text) => text.includes('"OPEN"'),
  idFrom: (_text, own) => own,
  relay: (dst) => JSON.stringify({ type: "CANDIDATE", dst, payload: { ...RELAY_PAYLOAD } }),
  isRelay: (text) => text.startsWith('{"type":"CANDIDATE"'),
};

/**
 * The floor relay: the room is in the URL, `welcome` on connect, frames relayed verbatim. It
 * relays duet's own `signal` message, so both carry the same bytes (duet adds `from`).
 */
export const floorProtocol: LoadProtocol = {
  kind: "floor",
  url: (base, id, room) => `${base}/ws?room=${encodeURIComponent(room ?? id)}`,
  isReady: (text) => text === '{"type":"welcome"}',
  idFrom: (_text, own) => own,
  relay: duetProtocol.relay,
  isRelay: (text) => text.startsWith('{"type":"signal"'),
};

/** The protocol adapter for a server kind. */
export function protocolFor(kind: ServerKind): LoadProtocol {
  if (kind === "duet" || kind === "duet-redis") return duetProtocol;
  if (kind === "peerjs") return peerjsProtocol;
  return floorProtocol;
}

/** The `type` of a JSON message, or "" for anything else (never throws). */
export function parseType(text: string): string {
  try {
    const m = JSON.parse(text) as { type?: unknown };
    return typeof m?.type === "string" ? m.type : "";
  } catch {
    return "";
  }
}

/** duet: the request that opens a private room (private, so no room broadcast to every client). */
export function duetCreate(): string {
  return JSON.stringify({ type: "create", name: "bench", private: true });
}

/** duet: the invite code (or room id) from a `joined` reply, "" if it is not one. */
export function duetJoinTarget(text: string): string {
  try {
    const m = JSON.parse(text) as { type?: string; code?: string; room?: { id?: string } };
    if (m.type !== "joined") return "";
    return m.code ?? m.room?.id ?? "";
  } catch {
    return "";
  }
}

/** duet: the join request for an invite code. */
export function duetJoin(code: string): string {
  return JSON.stringify({ type: "join", room: code });
}
