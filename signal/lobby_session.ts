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
import { createTokenBucket, type TokenBucket } from "./rate_limit.ts";
import { readRelaySignal } from "./relay_signal.ts";
import { readRelayCandidateBytes } from "./relay_signal_bytes.ts";
import type { PlayerId } from "./room_registry.ts";

/** The part of a server-side WebSocket a session uses. */
export interface LobbySocket {
  send(text: string): void;
  /**
   * Sends bytes known to be UTF-8 as one text frame (the relay on bytes); without it they are
   * decoded and sent as text.
   */
  sendUtf8?(utf8: Uint8Array): void;
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
  onEnd?: (session: LobbySession) => void;
}

/** Session lifecycle (see the module docs). */
export type LobbySessionState = "registering" | "open" | "ended";

/** A connected lobby client. */
export interface LobbySession {
  readonly id: PlayerId;
  readonly state: LobbySessionState;
  /** One incoming frame: a string (text frame) or binary data. */
  receive(data: unknown): void;
  /**
   * One incoming text frame as its bytes, which must be valid UTF-8 (`ws` checks that unless
   * told to skip it): the same as receive of its text, but a plain trickled candidate is
   * relayed from the bytes (relay_signal_bytes.ts).
   */
  receiveUtf8(frame: Uint8Array): void;
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
 * Decodes a text frame's bytes (valid UTF-8: `ws` checked them) off the hot path, keeping a BOM
 * as String(buffer) did, so that the text path sees what it always saw.
 */
const frameDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** A frame as receive takes it: `data`, or the text of a text frame's bytes. */
const textOf = (data: unknown, frame: Uint8Array | undefined) =>
  frame === undefined ? data : frameDecoder.decode(frame);

/** The `messages` counter's labels for a relayed signal, made once. */
const SIGNAL_LABELS = { type: "signal" } as const;

const isPromise = <T>(x: Step<T>): x is Promise<T> =>
  typeof (x as Promise<T> | null)?.then === "function";

/** What every session of one lobby shares: its options with the defaults filled in, made once. */
interface SessionConfig {
  hub: LobbyHub;
  registry: LobbyRegistry;
  iceServers: (player: PlayerId) => IceServer[];
  iceRefreshMs: number | null;
  rate: number;
  burst: number;
  strikeLimit: number;
  churnRate: number;
  churnBurst: number;
  maxQueued: number;
  maxBuffered: number;
  metrics: LobbyMetrics;
  log: Logger;
  now: () => number;
  onEnd: ((session: LobbySession) => void) | null;
}

/** The options of {@link createLobbySessions}: everything but the connection's own. */
export type LobbySessionDefaults = Omit<LobbySessionOptions, "socket" | "ipTicket">;

const monotonicNow = () => performance.now();

function sessionConfig(opts: LobbySessionDefaults): SessionConfig {
  const ice = opts.iceServers;
  return {
    hub: opts.hub,
    registry: opts.registry,
    iceServers: typeof ice === "function" ? ice : () => ice,
    iceRefreshMs: opts.iceRefreshMs || null,
    rate: opts.messagesPerSecond ?? DEFAULT_MESSAGES_PER_SECOND,
    burst: opts.messageBurst ?? DEFAULT_MESSAGE_BURST,
    strikeLimit: opts.rateLimitStrikes ?? DEFAULT_RATE_LIMIT_STRIKES,
    churnRate: opts.churnPerSecond ?? DEFAULT_CHURN_PER_SECOND,
    churnBurst: opts.churnBurst ?? DEFAULT_CHURN_BURST,
    maxQueued: opts.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES,
    maxBuffered: opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
    metrics: opts.metrics ?? createLobbyMetrics(),
    log: opts.log ?? silentLogger,
    now: opts.now ?? monotonicNow,
    onEnd: opts.onEnd ?? null,
  };
}

/** Bits of {@link Session}'s `limited`: the scopes whose limit this connection has hit. */
const SCOPE_BITS: Record<RateLimitScope, number> = { connection: 1, ip: 2, churn: 4 };

const isChurn = (type: ClientMessage["type"]) =>
  type === "create" || type === "join" || type === "quick";

/**
 * One connection. A lobby holds thousands of idle ones, so a session is its own state in fields
 * with its behaviour on the prototype and everything lobby-wide in one shared
 * {@link SessionConfig}: no closures per connection, and the token buckets and the job queue are
 * made when first needed (a bucket made later starts full, as one made at connect time would be
 * by then).
 */
class Session implements LobbySession {
  readonly id: PlayerId;
  #state: LobbySessionState = "registering";
  readonly #c: SessionConfig;
  readonly #socket: LobbySocket;
  readonly #ipTicket: IpTicket | null;
  #bucket: TokenBucket | null = null;
  #churn: TokenBucket | null = null;
  #streamed: TokenBucket | null = null;
  // Dropped frames minus accepted ones, floored at zero: sustained excess, not a single burst.
  #strikes = 0;
  #limited = 0;
  #refreshTimer: ReturnType<typeof setInterval> | undefined = undefined;
  // Frames wait here while an asynchronous registry step is in flight (null: none ever did).
  #jobs: (() => Step<void>)[] | null = null;
  #inFlight: Promise<void> | null = null;

  constructor(c: SessionConfig, socket: LobbySocket, ipTicket: IpTicket | null) {
    this.#c = c;
    this.#socket = socket;
    this.#ipTicket = ipTicket;
    const registration = c.registry.connect(ipTicket?.key);
    this.id = registration.id;
    if (registration.ready === null) this.#greet(registration.name);
    else {
      const ready = registration.ready;
      this.#enqueue(() =>
        ready.then(() => this.#greet(registration.name), (err) => {
          c.log.error("register-failed", { player: this.id, error: err });
          this.end(CLOSE_CODES.internalError, "lobby unavailable", {
            code: "internal-error",
            message: "the lobby could not register this connection; try again",
          });
        })
      );
    }
  }

  get state(): LobbySessionState {
    return this.#state;
  }

  #queued(): number {
    return this.#jobs === null ? 0 : this.#jobs.length;
  }

  #wait(result: Promise<void>) {
    this.#inFlight = result.finally(() => {
      this.#inFlight = null;
      this.#pump();
    });
  }

  #pump() {
    const jobs = this.#jobs;
    if (jobs === null) return;
    while (this.#inFlight === null && jobs.length > 0 && this.#state !== "ended") {
      const result = jobs.shift()!();
      if (isPromise(result)) this.#wait(result);
    }
  }

  #enqueue(job: () => Step<void>) {
    (this.#jobs ??= []).push(job);
    this.#pump();
  }

  #leaveRegistry() {
    const { registry, log } = this.#c;
    const id = this.id;
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
    if (this.#inFlight !== null) this.#inFlight.then(left);
    else left();
  }

  /** The socket closed (or failed): leave the room and forget the player. Idempotent. */
  dropped(): void {
    if (this.#state === "ended") return;
    this.#state = "ended";
    clearInterval(this.#refreshTimer);
    if (this.#jobs !== null) this.#jobs.length = 0;
    this.#c.hub.detach(this.id);
    this.#leaveRegistry();
    this.#c.onEnd?.(this);
  }

  end(code: number, reason: string, error?: { code: ErrorCode; message: string }): void {
    if (this.#state === "ended") return;
    if (error !== undefined) {
      this.#c.metrics.errors.inc({ code: error.code });
      this.write(JSON.stringify({ type: "error", ...error, close: true }));
    }
    this.dropped();
    try {
      this.#socket.close(code, reason);
    } catch {
      // Already closing: nothing left to tell the client.
    }
  }

  /** The hub's sink for this player (lobby_hub.ts): one text to the client. */
  write(text: string): void {
    if (this.#state === "ended") return;
    if (this.#socket.bufferedAmount > this.#c.maxBuffered) {
      return this.end(CLOSE_CODES.policyViolation, "client is not reading its messages");
    }
    try {
      this.#socket.send(text);
    } catch {
      this.dropped();
    }
  }

  /** The hub's sink for bytes that are UTF-8 text (the relay on bytes): as write of their text. */
  writeBytes(utf8: Uint8Array): void {
    if (this.#state === "ended") return;
    if (this.#socket.bufferedAmount > this.#c.maxBuffered) {
      return this.end(CLOSE_CODES.policyViolation, "client is not reading its messages");
    }
    const socket = this.#socket;
    try {
      if (socket.sendUtf8 !== undefined) socket.sendUtf8(utf8);
      else socket.send(frameDecoder.decode(utf8));
    } catch {
      this.dropped();
    }
  }

  #reply(message: ServerMessage) {
    this.write(JSON.stringify(message));
  }

  #fail(code: ErrorCode, message: string, rid: number | undefined, retryAfterMs?: number) {
    this.#c.metrics.errors.inc({ code });
    const m: ServerMessage = { type: "error", code, message };
    if (retryAfterMs !== undefined) m.retryAfterMs = retryAfterMs;
    if (rid !== undefined) m.rid = rid;
    this.#reply(m);
  }

  #tooLarge() {
    this.end(CLOSE_CODES.messageTooBig, "message too large", {
      code: "too-large",
      message: `a message may be at most ${MAX_LOBBY_MESSAGE_BYTES} bytes`,
    });
  }

  #internalError(message: ClientMessage, err: unknown) {
    // A registry bug or a Redis outage must cost one request, not the server or other players.
    this.#c.log.error("handle-failed", { player: this.id, type: message.type, error: err });
    this.#fail("internal-error", "the server failed to handle this message", message.rid);
  }

  /** Over the room-churn rate (per connection or per address)? Then answered, and true. */
  #churnLimited(rid: number | undefined): boolean {
    const c = this.#c;
    const t = c.now();
    // A rate of 0 turns the per-connection limit off (load generators); the address's may remain.
    const churn = c.churnRate > 0
      ? this.#churn ??= createTokenBucket({ ratePerSecond: c.churnRate, burst: c.churnBurst }, t)
      : null;
    if ((churn === null || churn.take(t)) && (!this.#ipTicket || this.#ipTicket.takeChurn(t))) {
      return false;
    }
    c.metrics.rateLimitedMessages.inc({ scope: "churn" });
    const wait = churn === null
      ? 1000
      : Math.max(100, Math.ceil((1 - churn.available(t)) * 1000 / c.churnRate));
    this.#fail("rate-limited", "slow down: too many room changes (create, join, quick)", rid, wait);
    return true;
  }

  #handle(message: ClientMessage): Step<void> {
    const c = this.#c;
    c.metrics.messages.inc({ type: message.type });
    if (isChurn(message.type) && this.#churnLimited(message.rid)) return;
    if (message.type === "stream") {
      this.#streamed ??= createTokenBucket(
        { ratePerSecond: STREAM_FRAMES_PER_SECOND, burst: STREAM_FRAME_BURST },
        c.now(),
      );
      if (!this.#streamed.take(c.now(), message.inputs.length / STREAM_CHARS_PER_FRAME)) {
        return this.#fail(
          "bad-stream",
          `slow down: at most ${STREAM_FRAMES_PER_SECOND} frames per second`,
          message.rid,
        );
      }
    }
    let result: Step<void>;
    try {
      result = c.registry.handle(this.id, message);
    } catch (err) {
      return this.#internalError(message, err);
    }
    if (isPromise(result)) return result.catch((err) => this.#internalError(message, err));
  }

  #process(data: unknown, frame?: Uint8Array): Step<void> {
    if (frame !== undefined) {
      const { registry, metrics } = this.#c;
      // ws held the frame to maxPayload bytes; the text path checks the size again.
      if (registry.relayBytes !== undefined && frame.length <= MAX_LOBBY_MESSAGE_BYTES) {
        const candidate = readRelayCandidateBytes(frame);
        if (candidate !== undefined) {
          try {
            if (registry.relayBytes(this.id, candidate, frame)) {
              return void metrics.messages.inc(SIGNAL_LABELS);
            }
          } catch (err) {
            // As the text path: the error echoes the rid.
            const message: ClientMessage = {
              type: "signal",
              data: { kind: "candidate", candidate: null },
            };
            const rid = peekRid(frameDecoder.decode(frame));
            if (rid !== undefined) message.rid = rid;
            return this.#internalError(message, err);
          }
        }
      }
      // Anything else, or a candidate the rooms do not route at once: the text path decides.
      data = frameDecoder.decode(frame);
    }
    if (typeof data !== "string") {
      if (binarySize(data) > MAX_LOBBY_MESSAGE_BYTES) return this.#tooLarge();
      return this.#fail(
        "bad-message",
        "binary frames are not supported: send JSON text",
        undefined,
      );
    }
    const { registry, metrics } = this.#c;
    if (registry.relay !== undefined && !isTooLarge(data)) {
      // The relay's hot path: nothing built but the relayed text (relay_signal.ts).
      const signal = readRelaySignal(data);
      if (signal !== undefined) {
        try {
          if (registry.relay(this.id, signal)) return void metrics.messages.inc(SIGNAL_LABELS);
        } catch (err) {
          // RelaySignal does not keep the rid; the error must still echo it.
          const message: ClientMessage = { type: "signal", data: signal.data };
          const rid = peekRid(data);
          if (rid !== undefined) message.rid = rid;
          return this.#internalError(message, err);
        }
      }
    }
    const parsed = parseClientMessage(data);
    if (!parsed.ok) {
      if (parsed.code === "too-large") return this.#tooLarge();
      return this.#fail(parsed.code, parsed.message, parsed.rid);
    }
    return this.#handle(parsed.value);
  }

  #rateLimited(data: unknown, scope: RateLimitScope) {
    const c = this.#c;
    c.metrics.rateLimitedMessages.inc({ scope });
    if ((this.#limited & SCOPE_BITS[scope]) === 0) {
      this.#limited |= SCOPE_BITS[scope];
      c.metrics.rateLimitedClients.inc({ scope });
      c.log.info("rate-limited", { player: this.id, scope });
    }
    this.#strikes++;
    if (this.#strikes > c.strikeLimit) {
      return this.end(CLOSE_CODES.policyViolation, "rate limit exceeded", {
        code: "rate-limited",
        message: "too many messages; closing",
      });
    }
    const rid = typeof data === "string" && !isTooLarge(data) ? peekRid(data) : undefined;
    const text = scope === "connection"
      ? `slow down: at most ${c.rate} messages per second`
      : "slow down: too many messages from your network";
    // A flood of refusals must not fill the queue while the registry is slow either.
    if (this.#queued() < c.maxQueued) this.#enqueue(() => this.#fail("rate-limited", text, rid));
  }

  #busy(data: unknown) {
    this.#c.metrics.errors.inc({ code: "server-busy" });
    const rid = typeof data === "string" && !isTooLarge(data) ? peekRid(data) : undefined;
    const m: ServerMessage = {
      type: "error",
      code: "server-busy",
      message: "the lobby is busy; try again shortly",
      retryAfterMs: 1000,
    };
    if (rid !== undefined) m.rid = rid;
    this.write(JSON.stringify(m));
  }

  receive(data: unknown): void {
    this.#arrive(data, undefined);
  }

  receiveUtf8(frame: Uint8Array): void {
    this.#arrive(frame, frame);
  }

  /** A frame: `data` as receive got it, or (`frame` set) the bytes of a text frame. */
  #arrive(data: unknown, frame: Uint8Array | undefined): void {
    if (this.#state === "ended") return;
    const c = this.#c;
    // Rates count arrivals, whatever is still queued.
    const t = c.now();
    const bucket = this.#bucket ??= createTokenBucket(
      { ratePerSecond: c.rate, burst: c.burst },
      t,
    );
    if (!bucket.take(t)) return this.#rateLimited(textOf(data, frame), "connection");
    if (this.#ipTicket && !this.#ipTicket.takeMessage(t)) {
      return this.#rateLimited(textOf(data, frame), "ip");
    }
    if (this.#strikes > 0) this.#strikes--;
    if (this.#inFlight !== null || this.#queued() > 0) {
      // The registry stalls (Redis): what waits here is bounded.
      if (this.#queued() >= c.maxQueued) return this.#busy(textOf(data, frame));
      const queued = textOf(data, frame);
      return this.#enqueue(() => this.#process(queued));
    }
    // Nothing queued (always so with the in-memory registry): handle it now, without the job
    // closure and queue round trip every relayed message would otherwise pay.
    const result = this.#process(data, frame);
    if (isPromise(result)) this.#wait(result);
  }

  #refreshIce() {
    if (this.#state !== "open") return;
    this.#c.metrics.iceRefreshes.inc();
    this.#reply({ type: "ice-servers", iceServers: this.#c.iceServers(this.id) });
  }

  #greet(name: string) {
    if (this.#state === "ended") return;
    const c = this.#c;
    this.#state = "open";
    c.hub.attach(this.id, this);
    this.#reply({
      type: "welcome",
      id: this.id,
      name,
      protocol: PROTOCOL_VERSION,
      iceServers: c.iceServers(this.id),
    });
    this.write(c.hub.roomsMessage(this.id));
    if (c.iceRefreshMs !== null && this.#state === "open") {
      this.#refreshTimer = setInterval(() => this.#refreshIce(), c.iceRefreshMs);
    }
  }
}

/**
 * Opens sessions that share one lobby's options (the server's way: they are made once, not per
 * connection). Each call registers a new player for an open socket, as {@link openLobbySession}.
 */
export function createLobbySessions(
  opts: LobbySessionDefaults,
): (socket: LobbySocket, ipTicket?: IpTicket | null) => LobbySession {
  const config = sessionConfig(opts);
  return (socket, ipTicket = null) => new Session(config, socket, ipTicket);
}

/**
 * Registers a new player for an open socket and sends `welcome` and the `rooms` snapshot (at once
 * with the in-memory registry, after the registry confirms with Redis). Call it from the socket's
 * `open` event.
 */
export function openLobbySession(opts: LobbySessionOptions): LobbySession {
  return new Session(sessionConfig(opts), opts.socket, opts.ipTicket ?? null);
}
