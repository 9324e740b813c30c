/**
 * One lobby WebSocket connection: checks every frame (rate, binary, size, schema), feeds valid
 * messages to the registry through the hub, and ends abusive connections with a final `error`
 * (`close: true`) and a clear close code:
 *
 * - over the rate: each dropped frame gets `rate-limited`; once dropped frames outnumber accepted
 *   ones by more than the strike limit, the connection is closed with 1008;
 * - a frame over MAX_LOBBY_MESSAGE_BYTES: `too-large`, closed with 1009;
 * - a client that stops reading (its send buffer passes the cap): closed with 1008;
 * - binary frames, bad JSON, unknown types, wrong fields: `bad-message`, connection stays open.
 *
 * The socket is an interface so tests drive a session without a network.
 */
import {
  CLOSE_CODES,
  type ErrorCode,
  type IceServer,
  isTooLarge,
  parseClientMessage,
  peekRid,
  PROTOCOL_VERSION,
  type ServerMessage,
} from "../shared/lobby_protocol.ts";
import {
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MESSAGE_BURST,
  DEFAULT_MESSAGES_PER_SECOND,
  DEFAULT_RATE_LIMIT_STRIKES,
  MAX_LOBBY_MESSAGE_BYTES,
} from "../shared/limits.ts";
import type { LobbyHub } from "./lobby_hub.ts";
import { createTokenBucket } from "./rate_limit.ts";
import type { PlayerId } from "./room_registry.ts";

/** The part of a server-side WebSocket a session uses. */
export interface LobbySocket {
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Bytes queued but not yet sent. */
  readonly bufferedAmount: number;
}

/** Options of {@link openLobbySession}. */
export interface LobbySessionOptions {
  hub: LobbyHub;
  socket: LobbySocket;
  /** Sent in `welcome`. */
  iceServers: IceServer[];
  messagesPerSecond?: number;
  messageBurst?: number;
  rateLimitStrikes?: number;
  maxBufferedBytes?: number;
  /** Monotonic milliseconds, for the rate limiter. */
  now?: () => number;
  /** Called once when the session ends, whichever side ended it. */
  onEnd?: () => void;
}

/** Session lifecycle: `open` until either side ends it, then `ended` for good. */
export type LobbySessionState = "open" | "ended";

/** A connected lobby client. */
export interface LobbySession {
  readonly id: PlayerId;
  readonly state: LobbySessionState;
  /** One incoming frame: a string (text frame) or binary data. */
  receive(data: unknown): void;
  /** Ends the session from the server side, with a final error message and a close code. */
  end(code: number, reason: string, error?: { code: ErrorCode; message: string }): void;
  /** The socket closed (or failed): leave the room and forget the player. Idempotent. */
  dropped(): void;
}

function binarySize(data: unknown): number {
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  if (data instanceof Blob) return data.size;
  return 0;
}

/**
 * Registers a new player for an open socket and sends `welcome` and the `rooms` snapshot.
 * Call it from the socket's `open` event.
 */
export function openLobbySession(opts: LobbySessionOptions): LobbySession {
  const { hub, socket } = opts;
  const now = opts.now ?? (() => performance.now());
  const maxBuffered = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const strikeLimit = opts.rateLimitStrikes ?? DEFAULT_RATE_LIMIT_STRIKES;
  const rate = opts.messagesPerSecond ?? DEFAULT_MESSAGES_PER_SECOND;
  const bucket = createTokenBucket(
    { ratePerSecond: rate, burst: opts.messageBurst ?? DEFAULT_MESSAGE_BURST },
    now(),
  );
  const { id, name } = hub.registry.connect();
  let state: LobbySessionState = "open";
  // Dropped frames minus accepted ones, floored at zero: sustained excess, not a single burst.
  let strikes = 0;

  const finish = () => {
    if (state === "ended") return;
    state = "ended";
    hub.detach(id);
    hub.deliver(hub.registry.disconnect(id));
    opts.onEnd?.();
  };

  const end = (code: number, reason: string, error?: { code: ErrorCode; message: string }) => {
    if (state === "ended") return;
    if (error !== undefined) write(JSON.stringify({ type: "error", ...error, close: true }));
    finish();
    try {
      socket.close(code, reason);
    } catch {
      // Already closing: nothing left to tell the client.
    }
  };

  function write(text: string) {
    if (state === "ended") return;
    if (socket.bufferedAmount > maxBuffered) {
      return end(CLOSE_CODES.policyViolation, "client is not reading its messages");
    }
    try {
      socket.send(text);
    } catch {
      finish();
    }
  }

  const reply = (message: ServerMessage) => write(JSON.stringify(message));

  const fail = (code: ErrorCode, message: string, rid: number | undefined) =>
    reply(
      rid === undefined ? { type: "error", code, message } : { type: "error", code, message, rid },
    );

  const tooLarge = () =>
    end(CLOSE_CODES.messageTooBig, "message too large", {
      code: "too-large",
      message: `a message may be at most ${MAX_LOBBY_MESSAGE_BYTES} bytes`,
    });

  const receive = (data: unknown) => {
    if (state !== "open") return;
    if (!bucket.take(now())) {
      strikes++;
      if (strikes > strikeLimit) {
        return end(CLOSE_CODES.policyViolation, "rate limit exceeded", {
          code: "rate-limited",
          message: "too many messages; closing",
        });
      }
      const rid = typeof data === "string" && !isTooLarge(data) ? peekRid(data) : undefined;
      return fail("rate-limited", `slow down: at most ${rate} messages per second`, rid);
    }
    if (strikes > 0) strikes--;
    if (typeof data !== "string") {
      if (binarySize(data) > MAX_LOBBY_MESSAGE_BYTES) return tooLarge();
      return fail("bad-message", "binary frames are not supported: send JSON text", undefined);
    }
    const parsed = parseClientMessage(data);
    if (!parsed.ok) {
      if (parsed.code === "too-large") return tooLarge();
      return fail(parsed.code, parsed.message, parsed.rid);
    }
    let effects;
    try {
      effects = hub.registry.handle(id, parsed.value);
    } catch (err) {
      // A registry bug must cost one request, not the server or the other players.
      console.error("lobby: handling", parsed.value.type, "failed", err);
      return fail("internal-error", "the server failed to handle this message", parsed.value.rid);
    }
    hub.deliver(effects);
  };

  hub.attach(id, write);
  reply({ type: "welcome", id, name, protocol: PROTOCOL_VERSION, iceServers: opts.iceServers });
  write(hub.roomsMessage());

  return {
    id,
    get state() {
      return state;
    },
    receive,
    end,
    dropped: finish,
  };
}
