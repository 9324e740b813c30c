/**
 * Lobby protocol v1: the whole wire protocol between a browser and the lobby server.
 *
 * Transport: a WebSocket at `GET /ws`, one JSON object per text frame, each with a string `type`.
 * A client request may carry `rid` (a number); the server echoes it on the reply or error the
 * request causes (`joined`, `left`, `pong`, `renamed`, `error`).
 *
 * The valibot schemas below are the single source of truth: the TypeScript types are inferred from
 * them and the same schemas validate every message at runtime, on the server (client messages) and
 * in the browser (server messages).
 *
 * Flow: on connect the server sends `welcome` then `rooms` (every public room), then keeps the
 * list current with `room` (a public room appeared or changed) and `room-removed`. `create`,
 * `join` and `quick` answer `joined`; once a room holds two players both get `paired` with their
 * role: the `offerer` (the player who was in the room first) creates the WebRTC offer, the
 * `answerer` answers; `signal` messages are relayed to the peer only, as `{type: "signal", from,
 * data}`. When a player leaves or drops, the other gets `peer-left` and stays in the room, which
 * opens again; the last player out removes it.
 *
 * Rooms: `join.room` is a public room's id or a private room's invite code (case-insensitive).
 * Private rooms never appear in room lists and their id does not let anyone in: only the code does
 * (`joined.code`). A room with a password is `locked`; an empty password means none. `quick` joins
 * the oldest open public room without a password, else creates "<name>'s room". States: `open`
 * (one player, waiting), `full` (two players, signalling), `playing` (the answer was relayed, the
 * peers connect directly). Names are trimmed before their length is checked.
 *
 * Liveness: the server pings each WebSocket (protocol-level ping frames, which browsers and Deno
 * answer by themselves) after half the heartbeat timeout of silence and closes connections from
 * which nothing arrived within the timeout (close code 1001). Clients need no app-level heartbeat;
 * `ping` exists to measure round-trip time.
 *
 * Errors: a failed request gets `error` with a `code` (and its `rid`) and the connection stays
 * open, unless the error carries `close: true`, after which the server closes with one of
 * {@link CLOSE_CODES}: too many messages (each dropped one answered `rate-limited`, then 1008), a
 * frame over 16 KiB (`too-large`, 1009), server shutdown (`shutting-down`, 1001).
 *
 * ICE servers: `welcome.iceServers` holds STUN and, when the lobby has a TURN server, TURN entries
 * with short-lived credentials (TURN REST API: username `<expiry unix seconds>:<player id>`,
 * credential base64 HMAC-SHA1 of the username under a secret shared with the TURN server). Before
 * they expire the server sends `ice-servers` with fresh ones; a client uses the latest list for
 * every new RTCPeerConnection (a connection already up keeps its allocation).
 *
 * Extensions beyond the DESIGN.md tables (a DESIGN-only client can ignore them): `renamed` (the
 * reply to `hello`), `ice-servers` (refreshed TURN credentials), `error.close`, the error codes
 * after `already-in-room` in {@link ERROR_CODES}, `error.retryAfterMs`, and the close codes; and:
 *
 * - Scopes: `hello {game?, version?}` puts the client in a game and build; rooms it creates carry
 *   them (`RoomInfo.game`/`version`, absent in the default scope), its room list and quick match
 *   see only them, and joining a room of another game is `wrong-game`, of another build
 *   `incompatible-version` (builds are compatible when their version strings are equal). A
 *   changed scope is answered with a fresh `rooms` snapshot after `renamed`.
 * - Bounded room list: `rooms` holds at most ROOM_LIST_SNAPSHOT_MAX rooms (open ones first,
 *   oldest first) plus `total`; `list {filter?}` narrows the list to room names containing the
 *   filter (case-insensitive) and is answered with `rooms {rid, filter}`; later `room`s outside
 *   the filter are not sent. Changes are batched per tick (DEFAULT_ROOM_LIST_TICK_MS): one
 *   `room` per changed room, nothing for a room created and removed within the tick.
 * - `signal.session` (client): the pairing the signal belongs to (`paired.session`); the server
 *   drops a signal for any other session. The relayed `signal` carries the `session` too.
 *   A room becomes `playing` only once an offer from the offerer and then an answer from the
 *   answerer were relayed in the current session.
 *
 * - Resume: in a pairing each player's `paired` carries `resume`, a token bound to its room,
 *   session and seat. When a player's connection drops while the room is `playing`, the lobby
 *   holds its seat for the grace period (DEFAULT_RESUME_GRACE_MS, a setting) and tells the peer
 *   `peer-away {id, graceMs}` instead of `peer-left`; `peer-left` comes only if the grace runs
 *   out. A new connection that sends `resume {token}` in time takes the seat back: it gets
 *   `joined`, then both players get `paired` again with the same `session`, `resumed: true`, and
 *   the returner as the `offerer`; signalling then flows as for a new pairing. Refusals:
 *   `resume-unknown` (no such token: forged, or forgotten), `resume-expired` (the grace ran
 *   out), `match-finished` (the match ended otherwise), `resume-in-use` (the seat is held by a
 *   live connection, e.g. a second tab). None of them touches the match.
 * - Spectators: `watch {room, password?}` (a public room's id or a private room's code, like
 *   `join`) on a `playing` room answers `watching {room, header?}`; the spectator then gets the
 *   whole stream so far as one `stream {room, from: 0, inputs, header?}` and every later batch
 *   live, until `stream-end {room, reason}` (the match is over, a player left, the stream grew
 *   past its backlog). `leave` stops watching (`left`). The stream comes from the room's offerer:
 *   `stream {from, inputs, header?}` with consecutive frames (`header` on the batch from frame
 *   0), `stream-end {reason?}` when its match or pairing is over. `inputs` is lowercase hex, STREAM_CHARS_PER_FRAME
 *   characters a frame (player 0's input byte, then player 1's). A watching client is in no room
 *   (`create`/`join`/`quick`/`watch` are `already-in-room`); `RoomInfo.spectators` counts them
 *   (absent when none). Errors: `room-not-playing`, `too-many-spectators`, `bad-stream`.
 * - The streaming seat: the stream belongs to the offerer's seat of the pairing (its resume token),
 *   not to a connection, so it survives a resume. When that seat is taken back (`resume`), and
 *   when its batch leaves a gap, the lobby answers `stream-from {room, from}`: send the confirmed
 *   inputs again from frame `from` (every player holds them from frame 0). A batch that repeats
 *   frames the lobby has is cut to its new frames (nothing accepted is ever rewritten); one that
 *   only repeats is dropped without a word. The other seat's `stream` is `bad-stream`. A `stream`
 *   or `stream-end` that arrives after the pairing closed (the stream closed with it) is dropped
 *   without a word too.
 *
 * A client should ignore a message type it does not know, so the server can add more.
 *
 * No Deno or DOM APIs here: the browser imports this file.
 */
import * as v from "valibot";
import { nameProblem, normalizeName } from "./display_name.ts";
import {
  MAX_LOBBY_MESSAGE_BYTES,
  PASSWORD_MAX_LENGTH,
  PLAYER_NAME_MAX_LENGTH,
  PLAYER_NAME_MIN_LENGTH,
  RESUME_TOKEN_MAX_LENGTH,
  ROOM_CAPACITY,
  ROOM_FILTER_MAX_LENGTH,
  ROOM_NAME_MAX_LENGTH,
  ROOM_NAME_MIN_LENGTH,
  ROOM_REF_MAX_LENGTH,
  SCOPE_FIELD_MAX_LENGTH,
  SESSION_MAX_LENGTH,
  STREAM_BATCH_MAX_FRAMES,
  STREAM_CHARS_PER_FRAME,
  STREAM_HEADER_MAX_BYTES,
  STREAM_TEXT_MAX_LENGTH,
} from "./limits.ts";

/** The lobby protocol version, sent in `welcome.protocol`. */
export const PROTOCOL_VERSION = 1;

/** WebSocket close codes the server uses when it ends a connection. */
export const CLOSE_CODES = {
  /** The server is shutting down, or the connection missed its heartbeat. */
  goingAway: 1001,
  /** Repeated flooding after `rate-limited`, or the client stopped reading its messages. */
  policyViolation: 1008,
  /** A frame over MAX_LOBBY_MESSAGE_BYTES (after a `too-large` error). */
  messageTooBig: 1009,
  /** The server failed unexpectedly while handling this connection. */
  internalError: 1011,
} as const;

/** Every `error.code`. */
export const ERROR_CODES = [
  "bad-message",
  "too-large",
  "rate-limited",
  "room-not-found",
  "room-full",
  "wrong-password",
  "not-in-room",
  "already-in-room",
  "not-paired",
  "server-full",
  "shutting-down",
  "internal-error",
  "server-busy",
  "too-many-attempts",
  "wrong-game",
  "incompatible-version",
  "resume-unknown",
  "resume-expired",
  "match-finished",
  "resume-in-use",
  "room-not-playing",
  "too-many-spectators",
  "bad-stream",
] as const;

/** An `error.code`. */
export const ErrorCodeSchema = /* @__PURE__ */ schema(() => v.picklist(ERROR_CODES));
/** An `error.code`. */
export type ErrorCode = v.InferOutput<typeof ErrorCodeSchema>;

/** Room lifecycle states as shown in RoomInfo. */
export const ROOM_STATES = ["open", "full", "playing"] as const;
/** Room lifecycle state. */
export type RoomState = (typeof ROOM_STATES)[number];

/**
 * Why a spectator's stream ended: the offerer said its match is over, a player left the room (or
 * dropped, or the room closed), the stream outgrew STREAM_BACKLOG_MAX_BYTES, or the offerer
 * streamed something invalid.
 */
export const STREAM_END_REASONS = ["match-over", "player-left", "too-long", "bad-stream"] as const;
/** Why a stream ended. */
export type StreamEndReason = (typeof STREAM_END_REASONS)[number];

/** Roles decided by the lobby on pairing: the offerer creates the WebRTC offer. */
export const ROLES = ["offerer", "answerer"] as const;
/** A player's role in a pairing. */
export type Role = (typeof ROLES)[number];

/**
 * Builds a module-level schema. Every schema here is built through it, marked pure, so that a
 * bundler drops the schemas its side never parses with: valibot's builders are plain calls a
 * bundler must otherwise keep, and the browser client, which reads only server messages, carried
 * the client-message schemas (names, rooms, tokens, valibot's string actions) and display_name.ts.
 */
function schema<T>(build: () => T): T {
  return build();
}

// Names are shown to other players: no control characters, no bidi overrides that reorder the UI.
const PRINTABLE = /^[^\p{Cc}\u202A-\u202E\u2066-\u2069]*$/u;

function displayText(min: number, max: number) {
  return v.pipe(
    v.string(),
    v.trim(),
    v.transform(normalizeName),
    v.minLength(min, `must be ${min}-${max} characters`),
    v.maxLength(max, `must be ${min}-${max} characters`),
    v.regex(PRINTABLE, "must not contain control characters"),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const problem = nameProblem(dataset.value);
      if (problem !== null) addIssue({ message: problem });
    }),
  );
}

/**
 * A player name: 1-24 characters after trimming and NFC normalization, printable, something
 * visible in it, no lone surrogates, no stacks of combining marks (shared/display_name.ts).
 */
export const PlayerNameSchema = /* @__PURE__ */ schema(() =>
  displayText(PLAYER_NAME_MIN_LENGTH, PLAYER_NAME_MAX_LENGTH)
);
/** A room name: 1-32 characters, with the same rules as a player name. */
export const RoomNameSchema = /* @__PURE__ */ schema(() =>
  displayText(ROOM_NAME_MIN_LENGTH, ROOM_NAME_MAX_LENGTH)
);

const PasswordSchema = /* @__PURE__ */ schema(() =>
  v.pipe(
    v.string(),
    v.maxLength(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`),
  )
);

const RoomRefSchema = /* @__PURE__ */ schema(() =>
  v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1, "must not be empty"),
    v.maxLength(ROOM_REF_MAX_LENGTH, `must be at most ${ROOM_REF_MAX_LENGTH} characters`),
  )
);

/**
 * `hello.game` / `hello.version`: which game and build the client is. Rooms, room lists and quick
 * match are scoped to them; absent or empty is the default scope (clients that predate them).
 */
export const ScopeFieldSchema = /* @__PURE__ */ schema(() =>
  v.pipe(
    v.string(),
    v.maxLength(SCOPE_FIELD_MAX_LENGTH, `must be at most ${SCOPE_FIELD_MAX_LENGTH} characters`),
    v.regex(/^[A-Za-z0-9._+-]*$/, "may hold only letters, digits and . _ + -"),
  )
);

const FilterSchema = /* @__PURE__ */ schema(() =>
  v.pipe(
    v.string(),
    v.trim(),
    v.maxLength(ROOM_FILTER_MAX_LENGTH, `must be at most ${ROOM_FILTER_MAX_LENGTH} characters`),
  )
);

const SessionSchema = /* @__PURE__ */ schema(() =>
  v.pipe(v.string(), v.maxLength(SESSION_MAX_LENGTH))
);

/** `resume.token`: what `paired.resume` gave; letters and digits only, bounded. */
export const ResumeTokenSchema = /* @__PURE__ */ schema(() =>
  v.pipe(
    v.string(),
    v.minLength(1, "must not be empty"),
    v.maxLength(RESUME_TOKEN_MAX_LENGTH, `must be at most ${RESUME_TOKEN_MAX_LENGTH} characters`),
    v.regex(/^[A-Za-z0-9]+$/, "may hold only letters and digits"),
  )
);

// JSON.parse reads 1e999 as Infinity, which JSON.stringify writes back as null: not echoable.
const FiniteSchema = /* @__PURE__ */ schema(() => v.pipe(v.number(), v.finite()));

const rid = { rid: /* @__PURE__ */ schema(() => v.optional(FiniteSchema)) };

/** RTCIceCandidateInit as produced by `candidate.toJSON()`. */
export const IceCandidateSchema = /* @__PURE__ */ schema(() =>
  v.object({
    candidate: v.string(),
    sdpMid: v.optional(v.nullable(v.string())),
    sdpMLineIndex: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0)))),
    usernameFragment: v.optional(v.nullable(v.string())),
  })
);

/** RTCIceCandidateInit. */
export type IceCandidate = v.InferOutput<typeof IceCandidateSchema>;

/** `signal.data`: an SDP offer/answer or one trickled ICE candidate (`null` = end of candidates). */
export const SignalDataSchema = /* @__PURE__ */ schema(() =>
  v.variant("kind", [
    v.object({ kind: v.literal("offer"), sdp: v.pipe(v.string(), v.minLength(1)) }),
    v.object({ kind: v.literal("answer"), sdp: v.pipe(v.string(), v.minLength(1)) }),
    v.object({ kind: v.literal("candidate"), candidate: v.nullable(IceCandidateSchema) }),
  ])
);
/** `signal.data`. */
export type SignalData = v.InferOutput<typeof SignalDataSchema>;

/** A spectator header's text field: a game id, version or player name. */
const StreamTextSchema = /* @__PURE__ */ schema(() =>
  v.pipe(v.string(), v.maxLength(STREAM_TEXT_MAX_LENGTH))
);

/**
 * What a spectator needs to start the match (the replay file's header, replay_format.ts): the
 * game and build, the shared seed, both players' names and match options. At most
 * STREAM_HEADER_MAX_BYTES as JSON.
 */
export const StreamHeaderSchema = /* @__PURE__ */ schema(() =>
  v.pipe(
    v.object({
      game: StreamTextSchema,
      version: StreamTextSchema,
      // A 32-bit seed, signed (the runner's `| 0`) or not.
      seed: v.pipe(v.number(), v.integer(), v.minValue(-0x80000000), v.maxValue(0xffffffff)),
      names: v.tuple([StreamTextSchema, StreamTextSchema]),
      options: v.tuple([v.unknown(), v.unknown()]),
    }),
    v.check(
      (h) => utf8ByteLength(JSON.stringify(h)) <= STREAM_HEADER_MAX_BYTES,
      `must be at most ${STREAM_HEADER_MAX_BYTES} bytes as JSON`,
    ),
  )
);
/** A stream header. */
export type StreamHeader = v.InferOutput<typeof StreamHeaderSchema>;

/**
 * `stream.inputs`: STREAM_CHARS_PER_FRAME lowercase hex characters per frame, 1 to
 * STREAM_BATCH_MAX_FRAMES frames (the server's relay of a backlog may be longer).
 */
export const StreamInputsSchema = /* @__PURE__ */ schema(() =>
  v.pipe(
    v.string(),
    v.maxLength(
      STREAM_BATCH_MAX_FRAMES * STREAM_CHARS_PER_FRAME,
      `must be at most ${STREAM_BATCH_MAX_FRAMES} frames`,
    ),
    v.regex(/^(?:[0-9a-f]{4})+$/, "must be lowercase hex, 4 characters a frame"),
  )
);

const FrameSchema = /* @__PURE__ */ schema(() =>
  v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 31))
);

/** Every message a client may send. */
export const ClientMessageSchema = /* @__PURE__ */ schema(() =>
  v.variant("type", [
    v.object({
      type: v.literal("hello"),
      name: PlayerNameSchema,
      game: v.optional(ScopeFieldSchema),
      version: v.optional(ScopeFieldSchema),
      ...rid,
    }),
    v.object({
      type: v.literal("create"),
      name: RoomNameSchema,
      private: v.optional(v.boolean()),
      password: v.optional(PasswordSchema),
      ...rid,
    }),
    v.object({
      type: v.literal("join"),
      room: RoomRefSchema,
      password: v.optional(PasswordSchema),
      ...rid,
    }),
    v.object({ type: v.literal("quick"), ...rid }),
    v.object({ type: v.literal("leave"), ...rid }),
    v.object({
      type: v.literal("signal"),
      data: SignalDataSchema,
      session: v.optional(SessionSchema),
      ...rid,
    }),
    v.object({ type: v.literal("ping"), t: v.optional(FiniteSchema), ...rid }),
    v.object({ type: v.literal("list"), filter: v.optional(FilterSchema), ...rid }),
    v.object({ type: v.literal("resume"), token: ResumeTokenSchema, ...rid }),
    v.object({
      type: v.literal("watch"),
      room: RoomRefSchema,
      password: v.optional(PasswordSchema),
      ...rid,
    }),
    v.object({
      type: v.literal("stream"),
      from: FrameSchema,
      inputs: StreamInputsSchema,
      header: v.optional(StreamHeaderSchema),
      ...rid,
    }),
    v.object({
      type: v.literal("stream-end"),
      /** Why the offerer ends it: its match is over (default), or the pairing is (a player left). */
      reason: v.optional(v.picklist(["match-over", "player-left"])),
      ...rid,
    }),
  ])
);
/** A client-to-server message. */
export type ClientMessage = v.InferOutput<typeof ClientMessageSchema>;
/** The client message with the given `type`. */
export type ClientMessageOf<T extends ClientMessage["type"]> = Extract<ClientMessage, { type: T }>;

/** What the lobby shows about a room. */
export const RoomInfoSchema = /* @__PURE__ */ schema(() =>
  v.object({
    id: v.string(),
    name: v.string(),
    players: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(ROOM_CAPACITY)),
    capacity: v.literal(ROOM_CAPACITY),
    state: v.picklist(ROOM_STATES),
    locked: v.boolean(),
    /** Milliseconds since the Unix epoch. */
    createdAt: v.pipe(v.number(), v.finite()),
    /** The room's game, absent in the default scope (`hello.game`). */
    game: v.optional(v.string()),
    /** The room's build, absent in the default scope (`hello.version`). */
    version: v.optional(v.string()),
    /** Clients watching the room's match (`watch`); absent when none. */
    spectators: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  })
);
/** What the lobby shows about a room. */
export type RoomInfo = v.InferOutput<typeof RoomInfoSchema>;

/** RTCIceServer as handed to `new RTCPeerConnection({iceServers})`. */
export const IceServerSchema = /* @__PURE__ */ schema(() =>
  v.object({
    urls: v.union([v.string(), v.array(v.string())]),
    username: v.optional(v.string()),
    credential: v.optional(v.string()),
  })
);
/** RTCIceServer. */
export type IceServer = v.InferOutput<typeof IceServerSchema>;

const PeerSchema = /* @__PURE__ */ schema(() => v.object({ id: v.string(), name: v.string() }));

/** Every message the server may send. */
export const ServerMessageSchema = /* @__PURE__ */ schema(() =>
  v.variant("type", [
    v.object({
      type: v.literal("welcome"),
      id: v.string(),
      name: v.string(),
      protocol: v.number(),
      iceServers: v.array(IceServerSchema),
    }),
    // Replaces welcome.iceServers: fresh TURN credentials, sent before the previous ones expire.
    v.object({ type: v.literal("ice-servers"), iceServers: v.array(IceServerSchema) }),
    v.object({
      type: v.literal("rooms"),
      rooms: v.array(RoomInfoSchema),
      /** Public rooms of the client's scope matching its filter, listed or not. */
      total: v.optional(v.number()),
      /** The filter this snapshot applies (`list.filter`). */
      filter: v.optional(v.string()),
      ...rid,
    }),
    v.object({ type: v.literal("room"), room: RoomInfoSchema }),
    v.object({ type: v.literal("room-removed"), id: v.string() }),
    v.object({
      type: v.literal("joined"),
      room: RoomInfoSchema,
      code: v.optional(v.string()),
      ...rid,
    }),
    v.object({
      type: v.literal("paired"),
      peer: PeerSchema,
      role: v.picklist(ROLES),
      session: v.string(),
      /** This player's resume token for the session (present when the lobby holds seats). */
      resume: v.optional(v.string()),
      /** True when this pairing continues the session after one player came back. */
      resumed: v.optional(v.boolean()),
    }),
    v.object({
      type: v.literal("signal"),
      from: v.string(),
      data: SignalDataSchema,
      session: v.optional(v.string()),
    }),
    v.object({ type: v.literal("peer-left"), id: v.string() }),
    // The peer's connection dropped mid-match: its seat is held for graceMs, then `peer-left`.
    v.object({ type: v.literal("peer-away"), id: v.string(), graceMs: v.number() }),
    v.object({ type: v.literal("left"), ...rid }),
    v.object({ type: v.literal("pong"), t: v.optional(FiniteSchema), ...rid }),
    v.object({ type: v.literal("renamed"), name: v.string(), ...rid }),
    v.object({
      type: v.literal("watching"),
      room: RoomInfoSchema,
      /** Absent until the offerer started its stream: then the first `stream` carries it. */
      header: v.optional(StreamHeaderSchema),
      ...rid,
    }),
    v.object({
      type: v.literal("stream"),
      room: v.string(),
      from: FrameSchema,
      // A backlog relayed to a new spectator is one long batch.
      inputs: v.pipe(v.string(), v.regex(/^(?:[0-9a-f]{4})+$/)),
      header: v.optional(StreamHeaderSchema),
    }),
    v.object({
      type: v.literal("stream-end"),
      room: v.string(),
      reason: v.picklist(STREAM_END_REASONS),
    }),
    // To a player: you stream this room's match; send its confirmed inputs from frame `from` on.
    v.object({ type: v.literal("stream-from"), room: v.string(), from: FrameSchema }),
    v.object({
      type: v.literal("error"),
      code: ErrorCodeSchema,
      message: v.string(),
      close: v.optional(v.literal(true)),
      /** With `rate-limited`, `too-many-attempts`, `server-busy`: when to try again, in ms. */
      retryAfterMs: v.optional(v.number()),
      ...rid,
    }),
  ])
);
/** A server-to-client message. */
export type ServerMessage = v.InferOutput<typeof ServerMessageSchema>;
/** The server message with the given `type`. */
export type ServerMessageOf<T extends ServerMessage["type"]> = Extract<ServerMessage, { type: T }>;

/** Outcome of parsing one frame; never an exception. */
export type ParseResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: "bad-message" | "too-large"; message: string; rid?: number };

const CLIENT_TYPES: ReadonlySet<string> = /* @__PURE__ */ schema(() =>
  new Set(ClientMessageSchema.options.map((o) => o.entries.type.literal))
);
const SERVER_TYPES: ReadonlySet<string> = /* @__PURE__ */ schema(() =>
  new Set(ServerMessageSchema.options.map((o) => o.entries.type.literal))
);

/** UTF-8 size of `text` in bytes, without allocating. */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** Whether `text` exceeds MAX_LOBBY_MESSAGE_BYTES once UTF-8 encoded. */
export function isTooLarge(text: string): boolean {
  // A UTF-16 unit takes 1-3 UTF-8 bytes, so the exact count is only needed near the limit.
  if (text.length > MAX_LOBBY_MESSAGE_BYTES) return true;
  if (text.length * 3 <= MAX_LOBBY_MESSAGE_BYTES) return false;
  return utf8ByteLength(text) > MAX_LOBBY_MESSAGE_BYTES;
}

function ridOf(value: unknown): number | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const r = (value as Record<string, unknown>).rid;
  return typeof r === "number" && Number.isFinite(r) ? r : undefined;
}

/** The `rid` of a frame, if it is a JSON object with a numeric `rid`; otherwise undefined. */
export function peekRid(text: string): number | undefined {
  try {
    return ridOf(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function describe(issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue);
  const what = issue.input === undefined ? "missing" : issue.message;
  const text = path ? `${path}: ${what}` : what;
  // valibot quotes the received value; never echo a whole hostile payload back.
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

type Obj = Record<string, unknown>;

/** A non-null, non-array object: what the schema's `v.object` needs to find its keys. */
const isRecord = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);

/** `v.optional(v.nullable(v.string()))` on key `k` of `o`. */
const optNullString = (o: Obj, k: string) => !(k in o) || o[k] === null || typeof o[k] === "string";

/** The candidate object as IceCandidateSchema outputs it (entries in schema order), or undefined. */
function fastCandidate(c: Obj): SignalData & { kind: "candidate" } | undefined {
  if (!("candidate" in c) || typeof c.candidate !== "string") return undefined;
  if (!optNullString(c, "sdpMid") || !optNullString(c, "usernameFragment")) return undefined;
  const hasIndex = "sdpMLineIndex" in c;
  const index = c.sdpMLineIndex;
  if (
    hasIndex && index !== null &&
    !(typeof index === "number" && Number.isInteger(index) && index >= 0)
  ) return undefined;
  const out: Obj = { candidate: c.candidate };
  if ("sdpMid" in c) out.sdpMid = c.sdpMid;
  if (hasIndex) out.sdpMLineIndex = index;
  if ("usernameFragment" in c) out.usernameFragment = c.usernameFragment;
  return { kind: "candidate", candidate: out as IceCandidate };
}

/**
 * `raw` (a parsed object with `type: "signal"`) exactly as ClientMessageSchema would output it, or
 * undefined when it is not a valid `signal`, so that valibot decides and words the error. Relayed
 * signals are nearly every frame the lobby handles, and valibot's generic walk over the variant
 * cost ~2.5 µs of the ~3.5 µs a relayed message took in JavaScript; this check is the same schema
 * written out (lobby_protocol_test.ts compares the two over generated messages), producing the
 * same output: unknown keys dropped, absent optional keys absent, keys in schema order.
 */
export function fastSignal(raw: Obj): ClientMessageOf<"signal"> | undefined {
  if (!("data" in raw)) return undefined;
  const d = raw.data;
  if (!isRecord(d)) return undefined;
  let data: SignalData | undefined;
  const kind = d.kind;
  if (kind === "candidate") {
    if (!("candidate" in d)) return undefined;
    const c = d.candidate;
    if (c === null) data = { kind, candidate: null };
    else if (isRecord(c)) data = fastCandidate(c);
  } else if (kind === "offer" || kind === "answer") {
    const sdp = d.sdp;
    if ("sdp" in d && typeof sdp === "string" && sdp.length >= 1) data = { kind, sdp };
  }
  if (data === undefined) return undefined;
  const out: ClientMessageOf<"signal"> = { type: "signal", data };
  if ("session" in raw) {
    const session = raw.session;
    if (typeof session !== "string" || session.length > SESSION_MAX_LENGTH) return undefined;
    out.session = session;
  }
  if (!("rid" in raw)) return out;
  const rid = raw.rid;
  if (typeof rid !== "number" || !Number.isFinite(rid)) return undefined;
  out.rid = rid;
  return out;
}

function parseWith<T>(
  text: string,
  schema: v.GenericSchema<unknown, T>,
  types: ReadonlySet<string>,
  fast?: (raw: Obj) => T | undefined,
): ParseResult<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: "bad-message", message: "not valid JSON" };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, code: "bad-message", message: "a message must be a JSON object" };
  }
  const rid = ridOf(raw);
  const type = (raw as Record<string, unknown>).type;
  const fail = (message: string): ParseResult<T> =>
    rid === undefined
      ? { ok: false, code: "bad-message", message }
      : { ok: false, code: "bad-message", message, rid };
  if (typeof type !== "string") return fail("a message needs a string `type`");
  if (!types.has(type)) return fail(`unknown message type ${JSON.stringify(type.slice(0, 40))}`);
  if (fast !== undefined && type === "signal") {
    const value = fast(raw as Obj);
    if (value !== undefined) return { ok: true, value };
  }
  const result = v.safeParse(schema, raw, { abortEarly: true });
  if (!result.success) return fail(`${type}: ${describe(result.issues[0])}`);
  return { ok: true, value: result.output };
}

/**
 * Validates one text frame from a client. Never throws: any input becomes either a typed message or
 * a `bad-message`/`too-large` failure with a precise message and, when the frame was a JSON object
 * with a numeric `rid`, that `rid` to echo.
 */
export function parseClientMessage(text: string): ParseResult<ClientMessage> {
  if (isTooLarge(text)) {
    return {
      ok: false,
      code: "too-large",
      message: `a message may be at most ${MAX_LOBBY_MESSAGE_BYTES} bytes`,
    };
  }
  return parseWith(text, ClientMessageSchema, CLIENT_TYPES, fastSignal);
}

/**
 * Validates one text frame from the server (for clients). Never throws. No size cap: a room list
 * may be larger than a client message may be.
 */
export function parseServerMessage(text: string): ParseResult<ServerMessage> {
  return parseWith(text, ServerMessageSchema, SERVER_TYPES);
}

/** Serializes a client message for `WebSocket.send`. */
export function encodeClientMessage(message: ClientMessage): string {
  return JSON.stringify(message);
}

/** Serializes a server message for `WebSocket.send`. */
export function encodeServerMessage(message: ServerMessage): string {
  return JSON.stringify(message);
}
