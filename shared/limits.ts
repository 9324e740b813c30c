/**
 * Every limit of the lobby in one place. The server enforces them; a client may read them to stay
 * inside (e.g. to pace trickled ICE candidates or to size a name field). Lengths are JavaScript
 * string lengths (UTF-16 code units), which is what a browser's `value.length` reports.
 *
 * Values named DEFAULT_* (and the PASSWORD_* backoff) are the server's defaults; an operator may
 * change them through the environment or flags (see signal/config.ts). The others are part of
 * protocol v1 and are fixed.
 */

/** Largest lobby message accepted, in UTF-8 bytes. An SDP offer is a few KB; 16 KiB leaves room. */
export const MAX_LOBBY_MESSAGE_BYTES = 16 * 1024;

/** Player name length, after trimming surrounding whitespace. */
export const PLAYER_NAME_MIN_LENGTH = 1;
/** Player name length, after trimming surrounding whitespace. */
export const PLAYER_NAME_MAX_LENGTH = 24;

/** Room name length, after trimming surrounding whitespace. */
export const ROOM_NAME_MIN_LENGTH = 1;
/** Room name length, after trimming surrounding whitespace. */
export const ROOM_NAME_MAX_LENGTH = 32;

/** Longest room password. An empty password means "no password". */
export const PASSWORD_MAX_LENGTH = 64;

/** Longest `join.room` reference (a room id or an invite code). */
export const ROOM_REF_MAX_LENGTH = 64;

/** Players per room: duet pairs exactly two. */
export const ROOM_CAPACITY = 2;

/** Length of a private room's invite code: 16 symbols of base32 = 80 random bits, unguessable. */
export const INVITE_CODE_LENGTH = 16;

/** Rooms (public and private) one server holds at once; `create`/`quick` beyond it get `server-full`. */
export const DEFAULT_MAX_ROOMS = 5000;

/**
 * Concurrent WebSocket connections (each holds a file descriptor). Deno raises its soft open-file
 * limit to the hard limit at startup; keep this well below `ulimit -Hn`, because Deno.serve exits
 * the process when accept() runs out of descriptors. Beyond the cap `/ws` answers 503.
 */
export const DEFAULT_MAX_CONNECTIONS = 4000;

/** Sustained lobby messages per second per connection (token bucket refill rate). */
export const DEFAULT_MESSAGES_PER_SECOND = 20;

/** Messages a connection may send in one burst (token bucket size): an offer plus a burst of candidates. */
export const DEFAULT_MESSAGE_BURST = 60;

/**
 * Consecutive messages dropped for exceeding the rate before the server closes the connection
 * (close code 1008). Each dropped message is answered with a `rate-limited` error.
 */
export const DEFAULT_RATE_LIMIT_STRIKES = 20;

/**
 * Liveness: a connection from which nothing (no message, no WebSocket pong) arrived for this long
 * is closed. The server sends a WebSocket ping after half of it; browsers answer pings by themselves.
 */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 10_000;

/**
 * Concurrent WebSocket connections from one IP address (IPv6: one /64); more get HTTP 429 before
 * the upgrade. Players behind one NAT share an address, so this is generous. 0 disables it.
 */
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 64;

/**
 * Sustained lobby messages per second from one IP address over all its connections (a shared
 * token bucket; excess messages get `rate-limited` like the per-connection limit). 0 disables it.
 */
export const DEFAULT_IP_MESSAGES_PER_SECOND = 200;

/** Burst of lobby messages from one IP address over all its connections. */
export const DEFAULT_IP_MESSAGE_BURST = 400;

/** Bytes queued towards one client before it counts as not reading and is closed (1008). */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * Rooms in a `rooms` snapshot (and in `GET /api/rooms`): the most relevant ones (open rooms
 * first, oldest first, then full and playing ones); `rooms.total` says how many match in all.
 * A client narrows the list with `list {filter}` (server-side, by room name).
 */
export const ROOM_LIST_SNAPSHOT_MAX = 100;

/** Longest `list.filter` (a case-insensitive substring of the room name). */
export const ROOM_FILTER_MAX_LENGTH = 32;

/**
 * Room-list changes are batched: at most one `room`/`room-removed` per room per tick, a room
 * created and removed within one tick is never announced. Milliseconds.
 */
export const DEFAULT_ROOM_LIST_TICK_MS = 150;

/**
 * More distinct room changes than this in one tick and the server sends every client a fresh
 * bounded `rooms` snapshot instead of the deltas.
 */
export const ROOM_LIST_DELTA_MAX = 200;

/** Longest `hello.game` and `hello.version` (letters, digits, `.`, `_`, `+`, `-`). */
export const SCOPE_FIELD_MAX_LENGTH = 32;

/** Longest `signal.session` (the lobby's session ids are 16 characters). */
export const SESSION_MAX_LENGTH = 64;

/**
 * Room churn (`create`, `join`, `quick`; `leave` is never refused, and each leave needs an entry
 * before it) per connection: sustained per second, and burst.
 * Much lower than the message rate: each change of a public room reaches every client.
 */
export const DEFAULT_CHURN_PER_SECOND = 0.5;
/** Room churn burst per connection. */
export const DEFAULT_CHURN_BURST = 8;
/** Room churn per address over all its connections (sustained per second); 0 disables it. */
export const DEFAULT_IP_CHURN_PER_SECOND = 5;
/** Room churn burst per address. */
export const DEFAULT_IP_CHURN_BURST = 40;

/**
 * Wrong passwords before backoff starts, per room and per address; after that each further wrong
 * one doubles the wait (`too-many-attempts` with `retryAfterMs`), up to the maximum.
 */
export const PASSWORD_FREE_ATTEMPTS = 5;
/** First wait after the free password attempts, in ms. */
export const PASSWORD_BACKOFF_BASE_MS = 1000;
/** Longest wait between password attempts, in ms. */
export const PASSWORD_BACKOFF_MAX_MS = 60_000;

/**
 * Messages a connection may have waiting while the registry is slow (Redis stalls); more get
 * `server-busy` and are dropped.
 */
export const DEFAULT_MAX_QUEUED_MESSAGES = 32;

/** Consecutive combining marks allowed in a name (more is "Zalgo" text that spills over the UI). */
export const NAME_MAX_COMBINING_RUN = 3;

/** How long the lobby holds a dropped player's seat in a `playing` room for a resume (ms). */
export const DEFAULT_RESUME_GRACE_MS = 20_000;

/** Symbols (base32, 5 bits each) of a resume token: 130 random bits, not guessable. */
export const RESUME_TOKEN_LENGTH = 26;

/** Longest `resume.token` the lobby reads; anything longer is `bad-message`. */
export const RESUME_TOKEN_MAX_LENGTH = 64;

/**
 * How long the lobby remembers a token whose seat ended (ms), so a late `resume` gets
 * `resume-expired` or `match-finished` rather than `resume-unknown`.
 */
export const RESUME_TOMBSTONE_MS = 10 * 60_000;

/** Ended tokens remembered at once by one in-memory lobby (the oldest are forgotten first). */
export const RESUME_TOMBSTONE_MAX = 20_000;
/**
 * Spectators of one room at once (`watch` beyond it: `too-many-spectators`). Each costs the lobby
 * one more copy of every stream batch and the players nothing (the lobby fans out).
 */
export const MAX_SPECTATORS_PER_ROOM = 16;

/**
 * Most frames in one `stream` batch: a second of play. The client package sends one every
 * 8 frames; a bigger batch is a client catching up after a stall.
 */
export const STREAM_BATCH_MAX_FRAMES = 60;

/**
 * Characters of `stream.inputs` per frame: two lowercase hex bytes (player 0's input, player 1's).
 * A batch's `inputs` is at most STREAM_BATCH_MAX_FRAMES times this.
 */
export const STREAM_CHARS_PER_FRAME = 4;

/**
 * Sustained frames per second a room's offerer may stream (play runs at 60; the rest covers a
 * runner catching up), and the burst on top (10 s of play after a stall). Beyond it: `bad-stream`.
 */
export const STREAM_FRAMES_PER_SECOND = 90;
/** Frames a stream may send at once after a quiet spell (see STREAM_FRAMES_PER_SECOND). */
export const STREAM_FRAME_BURST = 600;

/**
 * The lobby keeps a room's whole stream (so a spectator can join at any time and replay from
 * frame 0) up to this many bytes of `inputs` text: 512 KiB, about 36 minutes of play. Past it the
 * stream ends for the spectators (`stream-end {reason: "too-long"}`); the players play on.
 */
export const STREAM_BACKLOG_MAX_BYTES = 512 * 1024;

/** Largest `stream.header` (game, version, seed, names, options), as JSON. */
export const STREAM_HEADER_MAX_BYTES = 4 * 1024;

/** Longest game id, version or player name in a stream header (as in a replay file). */
export const STREAM_TEXT_MAX_LENGTH = 64;

/**
 * With Redis, a room's stream backlog expires this long after its last batch, so a backlog whose
 * room vanished without cleanup (a lost process) never stays.
 */
export const STREAM_BACKLOG_TTL_MS = 10 * 60 * 1000;
