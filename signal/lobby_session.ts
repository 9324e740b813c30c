/**
 * One lobby WebSocket connection: checks every frame (rate, binary, size, schema), feeds valid
 * messages to the registry, and ends abusive connections with a final `error` (`close: true`) and
 * a clear close code:
 *
 * - over the rate (the connection's own, or its IP address's shared budget): each dropped frame
 *   gets `rate-limited`; once dropped frames outnumber accepted ones by more than the strike
 *   limit, the connection is closed with 1008;
 * - a frame over MAX_LOBBY_MESSAGE_BYTES: `too-large`, closed with 1009;
 * - a client that stops reading (its send buffer passes the cap): closed with 1008;
 * - binary frames, bad JSON, unknown types, wrong fields: `bad-message`, connection stays open;
 * - room churn (`create`, `join`, `quick`; never `leave`, which needs an entry before it, and a
 *   player must always be able to get out) over its own, much lower rate (per connection
 *   and per address): `rate-limited` with `retryAfterMs`, the connection stays open (each such
 *   change reaches every client's room list, so it costs the lobby far more than a signal);
 * - a room's offerer streaming more frames than play makes (`stream`: STREAM_FRAMES_PER_SECOND
 *   sustained, STREAM_FRAME_BURST at once): `bad-stream`, the batch is dropped (the stream is
 *   then broken: the next batch does not follow on), the connection stays open;
 * - more than `maxQueuedMessages` frames waiting while the registry is slow (Redis stalls):
 *   `server-busy` with `retryAfterMs`, the frame is dropped (it is answered at once, so this one
 *   error may overtake replies still queued; its `rid` tells which request it was).
 *
 * Ordering: a registry step may be asynchronous (Redis). Frames are handled strictly one after
 * another through a queue, and every reply (errors included) is written in that order; with the
 * in-memory registry the queue never waits, so a frame is handled before `receive` returns.
 * Session states: `registering` (the registry is still recording the player; frames queue up),
 * `open` (welcomed), `ended`.
 *
 * With TURN configured, the client gets `ice-servers` with fresh credentials every
 * `iceRefreshMs`, so a long stay in the lobby never leaves it with expired ones.
 *
 * The socket is an interface so tests drive a session without a network.
 */
import {
  type ClientMessage,
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
  DEFAULT_CHURN_BURST,
  DEFAULT_CHURN_PER_SECOND,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_QUEUED_MESSAGES,
  DEFAULT_MESSAGE_BURST,
  DEFAULT_MESSAGES_PER_SECOND,
  DEFAULT_RATE_LIMIT_STRIKES,
  MAX_LOBBY_MESSAGE_BYTES,
  STREAM_CHARS_PER_FRAME,
  STREAM_FRAME_BURST,
  STREAM_FRAMES_PER_SECOND,
} from "../shared/limits.ts";
import type { IpTicket } from "./ip_limits.ts";
import type { LobbyHub } from "./lobby_hub.ts";
import { createLobbyMetrics, type LobbyMetrics, type RateLimitScope } from "./lobby_metrics.ts";
import type { LobbyRegistry, Step } from "./lobby_registry.ts";
import { type Logger, silentLogger } from "./log.ts";
import { createTokenBucket } from "./rate_limit.ts";
import { readRelaySignal } from "./relay_signal.ts";
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
  registry: LobbyRegistry;
  socket: LobbySocket;
  /** Sent in `welcome`: a fixed list, or one per player (TURN credentials name the player). */
  iceServers: IceServer[] | ((player: PlayerId) => IceServer[]);
  /** Sends `ice-servers` this often (ms); null or 0 for never. */
  iceRefreshMs?: number | null;
  /** The connection's share of its IP address's limits, if any. */
  ipTicket?: IpTicket | null;
  messagesPerSecond?: number;
  messageBurst?: number;
  rateLimitStrikes?: number;
  /** Room entries (create/join/quick) per second and burst, per connection; a rate of 0 = off. */
  churnPerSecond?: number;
  churnBurst?: number;
  /** Frames that may wait for a slow registry; more get `server-busy`. */
  maxQueuedMessages?: number;
  maxBufferedBytes?: number;
  metrics?: LobbyMetrics;
  log?: Logger;
  /** Monotonic milliseconds, for the rate limiters. */
  now?: () => number;
  /** Called once when the session ends, whichever side ended it. */
  onEnd?: () => void;
}

/** Session lifecycle (see the module docs). */
export type LobbySessionState = "registering" | "open" | "ended";

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

/** The `messages` counter's labels for a relayed signal, made once. */
const SIGNAL_LABELS = { type: "signal" } as const;

const isPromise = <T>(x: Step<T>): x is Promise<T> =>
  typeof (x as Promise<T> | null)?.then === "function";

/**
 * Registers a new player for an open socket and sends `welcome` and the `rooms` snapshot (at once
 * with the in-memory registry, after the registry confirms with Redis). Call it from the socket's
 * `open` event.
 */
export function openLobbySession(opts: LobbySessionOptions): LobbySession {
  const { hub, socket, registry } = opts;
  const metrics = opts.metrics ?? createLobbyMetrics();
  const log = opts.log ?? silentLogger;
  const now = opts.now ?? (() => performance.now());
  const maxBuffered = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const strikeLimit = opts.rateLimitStrikes ?? DEFAULT_RATE_LIMIT_STRIKES;
  const rate = opts.messagesPerSecond ?? DEFAULT_MESSAGES_PER_SECOND;
  const bucket = createTokenBucket(
    { ratePerSecond: rate, burst: opts.messageBurst ?? DEFAULT_MESSAGE_BURST },
    now(),
  );
  const iceServers = typeof opts.iceServers === "function"
    ? opts.iceServers
    : (() => opts.iceServers) as (player: PlayerId) => IceServer[];
  const churnRate = opts.churnPerSecond ?? DEFAULT_CHURN_PER_SECOND;
  // A rate of 0 turns the per-connection limit off (load generators); the address's may remain.
  const churn = churnRate > 0
    ? createTokenBucket(
      { ratePerSecond: churnRate, burst: opts.churnBurst ?? DEFAULT_CHURN_BURST },
      now(),
    )
    : null;
  const maxQueued = opts.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES;
  const streamed = createTokenBucket(
    { ratePerSecond: STREAM_FRAMES_PER_SECOND, burst: STREAM_FRAME_BURST },
    now(),
  );
  const registration = registry.connect(opts.ipTicket?.key);
  const { id, name } = registration;
  let state: LobbySessionState = "registering";
  // Dropped frames minus accepted ones, floored at zero: sustained excess, not a single burst.
  let strikes = 0;
  const limitedScopes = new Set<RateLimitScope>();
  let refreshTimer: ReturnType<typeof setInterval> | undefined;

  // Frames wait here while an asynchronous registry step is in flight.
  const jobs: (() => Step<void>)[] = [];
  let inFlight: Promise<void> | null = null;

  const wait = (result: Promise<void>) => {
    inFlight = result.finally(() => {
      inFlight = null;
      pump();
    });
  };
  const pump = () => {
    while (inFlight === null && jobs.length > 0 && state !== "ended") {
      const result = jobs.shift()!();
      if (isPromise(result)) wait(result);
    }
  };
  const enqueue = (job: () => Step<void>) => {
    jobs.push(job);
    pump();
  };

  const leaveRegistry = () => {
    const left = (): Step<void> => {
      try {
        const r = registry.disconnect(id);
        return isPromise(r)
          ? r.catch((err) => log.warn("disconnect-failed", { player: id, error: err }))
          : r;
      } catch (err) {
        log.error("disconnect-failed", { player: id, error: err });
      }
    };
    // After the step in flight (or the registration), never overtaking it.
    if (inFlight !== null) inFlight.then(left);
    else left();
  };

  const finish = () => {
    if (state === "ended") return;
    state = "ended";
    clearInterval(refreshTimer);
    jobs.length = 0;
    hub.detach(id);
    leaveRegistry();
    opts.onEnd?.();
  };

  const end = (code: number, reason: string, error?: { code: ErrorCode; message: string }) => {
    if (state === "ended") return;
    if (error !== undefined) {
      metrics.errors.inc({ code: error.code });
      write(JSON.stringify({ type: "error", ...error, close: true }));
    }
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

  const fail = (
    code: ErrorCode,
    message: string,
    rid: number | undefined,
    retryAfterMs?: number,
  ) => {
    metrics.errors.inc({ code });
    const m: ServerMessage = { type: "error", code, message };
    if (retryAfterMs !== undefined) m.retryAfterMs = retryAfterMs;
    if (rid !== undefined) m.rid = rid;
    reply(m);
  };

  const tooLarge = () =>
    end(CLOSE_CODES.messageTooBig, "message too large", {
      code: "too-large",
      message: `a message may be at most ${MAX_LOBBY_MESSAGE_BYTES} bytes`,
    });

  const internalError = (message: ClientMessage, err: unknown) => {
    // A registry bug or a Redis outage must cost one request, not the server or other players.
    log.error("handle-failed", { player: id, type: message.type, error: err });
    fail("internal-error", "the server failed to handle this message", message.rid);
  };

  const isChurn = (type: ClientMessage["type"]) =>
    type === "create" || type === "join" || type === "quick";

  const handle = (message: ClientMessage): Step<void> => {
    metrics.messages.inc({ type: message.type });
    if (isChurn(message.type)) {
      const t = now();
      if ((churn !== null && !churn.take(t)) || (opts.ipTicket && !opts.ipTicket.takeChurn(t))) {
        metrics.rateLimitedMessages.inc({ scope: "churn" });
        const wait = churn === null
          ? 1000
          : Math.max(100, Math.ceil((1 - churn.available(t)) * 1000 / churnRate));
        return fail(
          "rate-limited",
          "slow down: too many room changes (create, join, quick)",
          message.rid,
          wait,
        );
      }
    }
    if (
      message.type === "stream" &&
      !streamed.take(now(), message.inputs.length / STREAM_CHARS_PER_FRAME)
    ) {
      return fail(
        "bad-stream",
        `slow down: at most ${STREAM_FRAMES_PER_SECOND} frames per second`,
        message.rid,
      );
    }
    let result: Step<void>;
    try {
      result = registry.handle(id, message);
    } catch (err) {
      return internalError(message, err);
    }
    if (isPromise(result)) return result.catch((err) => internalError(message, err));
  };

  const process = (data: unknown): Step<void> => {
    if (typeof data !== "string") {
      if (binarySize(data) > MAX_LOBBY_MESSAGE_BYTES) return tooLarge();
      return fail("bad-message", "binary frames are not supported: send JSON text", undefined);
    }
    if (registry.relay !== undefined && !isTooLarge(data)) {
      // The relay's hot path: nothing built but the relayed text (relay_signal.ts).
      const signal = readRelaySignal(data);
      if (signal !== undefined) {
        try {
          if (registry.relay(id, signal)) return void metrics.messages.inc(SIGNAL_LABELS);
        } catch (err) {
          return internalError({ type: "signal", data: signal.data }, err);
        }
      }
    }
    const parsed = parseClientMessage(data);
    if (!parsed.ok) {
      if (parsed.code === "too-large") return tooLarge();
      return fail(parsed.code, parsed.message, parsed.rid);
    }
    return handle(parsed.value);
  };

  const limited = (data: unknown, scope: RateLimitScope) => {
    metrics.rateLimitedMessages.inc({ scope });
    if (!limitedScopes.has(scope)) {
      limitedScopes.add(scope);
      metrics.rateLimitedClients.inc({ scope });
      log.info("rate-limited", { player: id, scope });
    }
    strikes++;
    if (strikes > strikeLimit) {
      return end(CLOSE_CODES.policyViolation, "rate limit exceeded", {
        code: "rate-limited",
        message: "too many messages; closing",
      });
    }
    const rid = typeof data === "string" && !isTooLarge(data) ? peekRid(data) : undefined;
    const text = scope === "connection"
      ? `slow down: at most ${rate} messages per second`
      : "slow down: too many messages from your network";
    // A flood of refusals must not fill the queue while the registry is slow either.
    if (jobs.length < maxQueued) enqueue(() => fail("rate-limited", text, rid));
  };

  const busy = (data: unknown) => {
    metrics.errors.inc({ code: "server-busy" });
    const rid = typeof data === "string" && !isTooLarge(data) ? peekRid(data) : undefined;
    const m: ServerMessage = {
      type: "error",
      code: "server-busy",
      message: "the lobby is busy; try again shortly",
      retryAfterMs: 1000,
    };
    if (rid !== undefined) m.rid = rid;
    write(JSON.stringify(m));
  };

  const receive = (data: unknown) => {
    if (state === "ended") return;
    // Rates count arrivals, whatever is still queued.
    const t = now();
    if (!bucket.take(t)) return limited(data, "connection");
    if (opts.ipTicket && !opts.ipTicket.takeMessage(t)) return limited(data, "ip");
    if (strikes > 0) strikes--;
    if (inFlight !== null || jobs.length > 0) {
      // The registry stalls (Redis): what waits here is bounded.
      if (jobs.length >= maxQueued) return busy(data);
      return enqueue(() => process(data));
    }
    // Nothing queued (always so with the in-memory registry): handle it now, without the job
    // closure and queue round trip every relayed message would otherwise pay.
    const result = process(data);
    if (isPromise(result)) wait(result);
  };

  const refreshIce = () => {
    if (state !== "open") return;
    metrics.iceRefreshes.inc();
    reply({ type: "ice-servers", iceServers: iceServers(id) });
  };

  const greet = () => {
    if (state === "ended") return;
    state = "open";
    hub.attach(id, write);
    reply({ type: "welcome", id, name, protocol: PROTOCOL_VERSION, iceServers: iceServers(id) });
    write(hub.roomsMessage(id));
    if (opts.iceRefreshMs && state === "open") {
      refreshTimer = setInterval(refreshIce, opts.iceRefreshMs);
    }
  };

  if (registration.ready === null) greet();
  else {
    const ready = registration.ready;
    enqueue(() =>
      ready.then(greet, (err) => {
        log.error("register-failed", { player: id, error: err });
        end(CLOSE_CODES.internalError, "lobby unavailable", {
          code: "internal-error",
          message: "the lobby could not register this connection; try again",
        });
      })
    );
  }

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
