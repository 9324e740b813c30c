/**
 * The lobby connection as plain state: a reducer `(state, event) -> {state, effects}` with no
 * sockets, timers or clocks (the functional core behind `signaling_client.ts`, modelled on
 * `signal/room_registry.ts`).
 *
 * Events in: a socket closed or could not be opened, a frame arrived, a timer fired, or the user
 * asked for something (a request, a wait, a signal, close, reconnect). Effects out: open or close
 * the socket, send a frame, schedule or cancel a timer, settle a pending promise, emit an event to
 * the listeners. The shell applies the effects in order.
 *
 * Phases: `connecting` (first socket, until `welcome`), `open` (welcomed), `reconnecting` (the
 * socket dropped; the next attempt is scheduled or under way), `closed` (by `close`, after a drop
 * during a match, or when the reconnect attempts ran out; `reconnect` starts over).
 *
 * Sockets are numbered: every `open` effect names a new one, and events from an older socket are
 * ignored, so a late frame or close from a dropped socket cannot touch the new connection.
 *
 * Resume (issue 13): a pairing keeps the lobby's resume token (`paired.resume`). A socket that
 * drops mid-match no longer ends the lobby side of the match: with a token, the client keeps the
 * pairing, reconnects, and asks for its seat back (`resume`) right after the welcome; the peer's
 * link over WebRTC was never touched. `resume(token, player)` does the same from a fresh page (a
 * reload). A `paired` that continues the current session (`resumed`) is the `resumed` event, not
 * a new pairing; the player index never changes with it (the lobby makes the returner offer).
 * A refused resume drops the pairing (the error is reported; the peers' own link decides whether
 * the match goes on, as when the lobby restarts). `peer-away` is the peer dropping mid-match.
 *
 * To add a request kind (e.g. `watch`): one row in {@link REPLY_TYPE}; to add a server message:
 * one entry in {@link MESSAGE_HANDLERS}.
 *
 * @module
 */
import {
  type ClientMessage,
  encodeClientMessage,
  type ErrorCode,
  type IceServer,
  parseServerMessage,
  type Role,
  type RoomInfo,
  type ServerMessage,
  type ServerMessageOf,
  type SignalData,
  type StreamEndReason,
  type StreamHeader,
} from "../../shared/lobby_protocol.ts";

/** Connection state of the lobby socket. */
export type SignalingState = "connecting" | "open" | "reconnecting" | "closed";

/** What the lobby said on `welcome`. */
export interface LobbyWelcome {
  /** This connection's player id (changes on every reconnect). */
  id: string;
  name: string;
  /**
   * STUN/TURN servers for the RTCPeerConnection: the latest list, as the lobby replaces it with
   * fresh TURN credentials (`ice-servers`) before the old ones expire.
   */
  iceServers: IceServer[];
}

/** The result of pairing: who the peer is and which side of the negotiation we play. */
export interface Pairing {
  peer: { id: string; name: string };
  role: Role;
  /** The lobby's id for this match. */
  session: string;
  /** Player index in the match: 0 for the offerer, 1 for the answerer. */
  player: 0 | 1;
  /** Clock time when `paired` arrived (the start of the connect-time measurement). */
  at: number;
  /** This seat's resume token (`paired.resume`), or null when the lobby holds no seats. */
  resume: string | null;
  /** True once the pairing continued after a resume (same session, maybe a new peer id). */
  resumed: boolean;
  /**
   * The lobby's newest `stream-from`: this side streams the match for spectators, from this frame
   * (it took the streaming seat back, or its batches left a gap). Absent until it says so.
   */
  streamFrom?: number;
}

/** Why a lobby request failed: a lobby `error.code`, or one of the client's own. */
export type LobbyErrorCode = ErrorCode | "timeout" | "connection-lost" | "closed";

/** An Error carrying the lobby's (or the client's) error code. */
export interface LobbyError extends Error {
  code: LobbyErrorCode;
}

/** Whether `e` is a {@link LobbyError}. */
export function isLobbyError(e: unknown): e is LobbyError {
  return e instanceof Error && typeof (e as Partial<LobbyError>).code === "string";
}

/** Makes a {@link LobbyError}. */
export function lobbyError(code: LobbyErrorCode, message: string): LobbyError {
  return Object.assign(new Error(message), { code });
}

/** One change to the room list, passed with the whole list to `onRooms`. */
export type RoomListChange =
  | { kind: "snapshot" }
  | { kind: "upsert"; room: RoomInfo }
  | { kind: "removed"; id: string };

/** Exponential backoff with jitter between reconnect attempts. */
export interface ReconnectPolicy {
  /** Delay before the first retry. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Growth per failed attempt. */
  multiplier: number;
  /** Fraction 0..1 of each delay that is randomized, so many clients do not retry in lockstep. */
  jitter: number;
  /** Attempts before giving up (state `closed`); Infinity by default. */
  maxAttempts: number;
}

/** Default reconnect policy: 0.5 s, 1 s, 2 s, ... capped at 10 s, each up to 50 % shorter. */
export const DEFAULT_RECONNECT: Readonly<ReconnectPolicy> = Object.freeze({
  initialDelayMs: 500,
  maxDelayMs: 10_000,
  multiplier: 2,
  jitter: 0.5,
  maxAttempts: Infinity,
});

/** Default request timeout (ms): a request with no reply in this long rejects with `timeout`. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * The delay before reconnect attempt `attempt` (0-based): `initial * multiplier^attempt`, capped,
 * then shortened by up to `jitter` of itself using `random()` in [0, 1).
 */
export function backoffDelay(attempt: number, policy: ReconnectPolicy, random: number): number {
  const base = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * Math.pow(policy.multiplier, Math.max(0, attempt)),
  );
  return Math.round(base * (1 - policy.jitter * random));
}

/**
 * Which reply settles each request, by the request's message type. A request kind missing here
 * cannot be sent as a request (its reply could never be matched).
 */
export const REPLY_TYPE = {
  create: "joined",
  join: "joined",
  quick: "joined",
  leave: "left",
  hello: "renamed",
  list: "rooms",
  ping: "pong",
  resume: "joined",
  watch: "watching",
} as const satisfies Partial<Record<ClientMessage["type"], ServerMessage["type"]>>;

/** A client message that is sent as a request (with a rid, settled by its reply). */
export type RequestMessage = Extract<ClientMessage, { type: keyof typeof REPLY_TYPE }>;

/** The reply that settles a request of type `T`. */
export type ReplyTo<T extends keyof typeof REPLY_TYPE> = ServerMessageOf<(typeof REPLY_TYPE)[T]>;

/** The settings a connection keeps for its lifetime. */
export interface LobbyConnectionConfig {
  /** Sent with `hello` after every welcome, with `game` and `version` (any of them set). */
  name?: string;
  game?: string;
  version?: string;
  /** null: never reconnect. */
  reconnect: ReconnectPolicy | null;
  requestTimeoutMs: number;
}

/** A request waiting for its reply. */
export interface PendingRequest {
  /** The reply type that resolves it. */
  expect: ServerMessage["type"];
  /** Its message type, for error messages. */
  what: string;
  /** The frame, rid included. */
  frame: string;
  /** The socket it went out on, or null while waiting for the lobby to open. */
  sentOn: number | null;
  /** When it was made (for the ping's round-trip time). */
  at: number;
}

/** A timer the connection uses: the reconnect delay, or a request's timeout. */
export type TimerId = { kind: "retry" } | { kind: "request"; id: number };

/** The whole state of a lobby connection. Treat as immutable: the reducer returns a new one. */
export interface LobbyConnectionState {
  config: LobbyConnectionConfig;
  phase: SignalingState;
  /** The current socket's number, or null when there is none. */
  socket: number | null;
  /** Number of the last socket asked for (the next is one more). */
  sockets: number;
  welcome: LobbyWelcome | null;
  rooms: ReadonlyMap<string, RoomInfo>;
  room: RoomInfo | null;
  inviteCode: string | null;
  paired: Pairing | null;
  /** The room we watch as a spectator (`watching`), until its stream ends or we leave. */
  watching: RoomInfo | null;
  rttMs: number | null;
  lastError: LobbyError | null;
  /** A fatal lobby error (`error.close`) that explains the coming close better than its code. */
  closeError: LobbyError | null;
  /** Failed reconnect attempts since the last welcome. */
  attempt: number;
  retryScheduled: boolean;
  /** Requests by id (the id is the rid on the wire). */
  pending: ReadonlyMap<number, PendingRequest>;
  /** Ids of `ready()` and `waitForPaired()` callers. */
  readyWaiters: readonly number[];
  pairWaiters: readonly number[];
  /** Whether someone reads signals; until then they are buffered. */
  signalReader: boolean;
  signalBuffer: readonly SignalData[];
  /** A resume under way (asked for, or due after a drop mid-match), and the seat's player. */
  resumeAs: { token: string; player: 0 | 1 } | null;
}

/** What the listeners hear about. */
export type LobbyConnectionEvent =
  | { type: "state"; state: SignalingState }
  | { type: "welcome"; welcome: LobbyWelcome }
  | { type: "rooms"; change: RoomListChange }
  | { type: "paired"; pairing: Pairing }
  | { type: "signal"; data: SignalData }
  | { type: "peer-left"; id: string }
  | { type: "peer-away"; id: string; graceMs: number }
  | { type: "resumed"; pairing: Pairing }
  | { type: "stream"; batch: StreamBatchMessage }
  | { type: "stream-end"; room: string; reason: SpectatorStreamEnd }
  /** To the streaming seat: send the spectators' stream from frame `from` (`stream-from`). */
  | { type: "stream-from"; from: number }
  | { type: "error"; error: LobbyError };

/** A relayed spectator stream batch (`stream` from the lobby). */
export interface StreamBatchMessage {
  room: string;
  from: number;
  inputs: string;
  header?: StreamHeader;
}

/** Why a watched stream ended: the lobby's reason, or the lobby connection dropped. */
export type SpectatorStreamEnd = StreamEndReason | "connection-lost";

/** A batch the offerer sends (`stream`): frames `from`… as hex, the header on the first. */
export interface OutgoingStreamBatch {
  from: number;
  inputs: string;
  header?: StreamHeader;
}

/** A value a pending promise settles with. */
export type Settlement = ServerMessage | LobbyWelcome | Pairing;

/** What the shell must do, in order. */
export type LobbyConnectionEffect =
  /** Open socket number `socket` (report a failure as `open-failed`). */
  | { kind: "open"; socket: number }
  /** Close the current socket for good (no events from it anymore). */
  | { kind: "close"; code: number; reason: string }
  | { kind: "send"; frame: string }
  | { kind: "schedule"; timer: TimerId; ms: number }
  | { kind: "cancel"; timer: TimerId }
  | { kind: "resolve"; id: number; value: Settlement }
  | { kind: "reject"; id: number; error: LobbyError }
  | { kind: "emit"; event: LobbyConnectionEvent };

/** What happens to the connection. */
export type LobbyConnectionInput =
  /** The socket closed (`code`/`reason`), or failed without a close event (no code). */
  | { type: "closed"; socket: number; code?: number; reason?: string; random: number }
  | { type: "open-failed"; socket: number; message: string; random: number }
  /** A frame; `data` is whatever the socket delivered (text is expected). */
  | { type: "message"; socket: number; data: unknown; at: number }
  | { type: "timer"; timer: TimerId }
  /**
   * A request (`id` is the caller's, unique per connection, and becomes the rid); a `resume`
   * names the seat's player index, which the pairing it brings back keeps.
   */
  | { type: "request"; id: number; message: RequestMessage; at: number; player?: 0 | 1 }
  | { type: "wait"; id: number; for: "ready" | "paired" }
  | { type: "signal"; data: SignalData }
  /** The offerer's spectator stream: a batch, or its end. Dropped unless open and paired. */
  | { type: "stream"; batch: OutgoingStreamBatch }
  | { type: "stream-end"; reason?: "match-over" | "player-left" }
  | { type: "signal-reader"; present: boolean }
  | { type: "reconnect" }
  | { type: "close" };

/** A step's result. */
export interface LobbyConnectionStep {
  state: LobbyConnectionState;
  effects: LobbyConnectionEffect[];
}

/** The state before the first socket, and the effect that opens it. */
export function initialLobbyConnection(config: LobbyConnectionConfig): LobbyConnectionStep {
  const state: LobbyConnectionState = {
    config,
    phase: "connecting",
    socket: 1,
    sockets: 1,
    welcome: null,
    rooms: new Map(),
    room: null,
    inviteCode: null,
    paired: null,
    watching: null,
    rttMs: null,
    lastError: null,
    closeError: null,
    attempt: 0,
    retryScheduled: false,
    pending: new Map(),
    readyWaiters: [],
    pairWaiters: [],
    signalReader: false,
    signalBuffer: [],
    resumeAs: null,
  };
  return { state, effects: [{ kind: "open", socket: 1 }] };
}

/** Applies one input; never throws, whatever the frame holds. */
export function stepLobbyConnection(
  state: LobbyConnectionState,
  input: LobbyConnectionInput,
): LobbyConnectionStep {
  const b = new Builder(state);
  INPUT_HANDLERS[input.type](b, input as never);
  return { state: b.s, effects: b.effects };
}

/** Accumulates a step: the state so far and the effects in order. */
class Builder {
  effects: LobbyConnectionEffect[] = [];
  constructor(public s: LobbyConnectionState) {}

  set(patch: Partial<LobbyConnectionState>): void {
    this.s = { ...this.s, ...patch };
  }
  emit(event: LobbyConnectionEvent): void {
    this.effects.push({ kind: "emit", event });
  }
  setPhase(phase: SignalingState): void {
    if (this.s.phase === phase) return;
    this.set({ phase });
    this.emit({ type: "state", state: phase });
  }
  /** Removes a pending request and cancels its timer; returns it, or undefined if unknown. */
  settle(id: number): PendingRequest | undefined {
    const p = this.s.pending.get(id);
    if (!p) return undefined;
    const pending = new Map(this.s.pending);
    pending.delete(id);
    this.set({ pending });
    this.effects.push({ kind: "cancel", timer: { kind: "request", id } });
    return p;
  }
  /** Rejects every pending request (or only those sent on `onlySentOn`). */
  rejectAll(code: LobbyErrorCode, message: string, onlySentOn?: number): void {
    for (const [id, p] of this.s.pending) {
      if (onlySentOn !== undefined && p.sentOn !== onlySentOn) continue;
      this.settle(id);
      this.effects.push({
        kind: "reject",
        id,
        error: lobbyError(code, `lobby ${p.what} failed: ${message}`),
      });
    }
  }
  rejectWaiters(which: "readyWaiters" | "pairWaiters", error: LobbyError): void {
    for (const id of this.s[which]) this.effects.push({ kind: "reject", id, error });
    this.set({ [which]: [] });
  }
  /** No longer watching: the spectator hears the stream is over. */
  endWatching(reason: SpectatorStreamEnd): void {
    const w = this.s.watching;
    if (w === null) return;
    this.set({ watching: null });
    this.emit({ type: "stream-end", room: w.id, reason });
  }
  dropPairing(): void {
    if (this.s.paired === null && this.s.signalBuffer.length === 0) return;
    this.set({ paired: null, signalBuffer: [] });
  }
  setRooms(rooms: ReadonlyMap<string, RoomInfo>, change: RoomListChange): void {
    this.set({ rooms });
    this.emit({ type: "rooms", change });
  }
  openSocket(): void {
    const socket = this.s.sockets + 1;
    this.set({ socket, sockets: socket });
    this.effects.push({ kind: "open", socket });
  }
  /** After a failed or dropped socket: the next attempt, or `closed` when there is none. */
  scheduleReconnect(random: number): void {
    const policy = this.s.config.reconnect;
    if (!policy || this.s.attempt >= policy.maxAttempts) {
      this.setPhase("closed");
      const err = this.s.lastError ?? lobbyError("connection-lost", "lost the lobby connection");
      this.rejectAll("connection-lost", err.message);
      this.rejectWaiters("readyWaiters", err);
      return;
    }
    const ms = backoffDelay(this.s.attempt, policy, random);
    this.set({ attempt: this.s.attempt + 1, retryScheduled: true });
    this.setPhase("reconnecting");
    this.effects.push({ kind: "schedule", timer: { kind: "retry" }, ms });
  }
}

type InputOf<T extends LobbyConnectionInput["type"]> = Extract<LobbyConnectionInput, { type: T }>;
type MessageOf<T extends ServerMessage["type"]> = ServerMessageOf<T>;

/** One handler per input type. */
const INPUT_HANDLERS: { [T in LobbyConnectionInput["type"]]: (b: Builder, i: InputOf<T>) => void } =
  {
    closed(b, i) {
      if (i.socket !== b.s.socket) return;
      const why = i.code !== undefined
        ? `the lobby connection closed (code ${i.code}${i.reason ? `: ${i.reason}` : ""})`
        : "the lobby connection failed";
      // A fatal lobby error (e.g. shutting-down) explains the close better than its code does,
      // and a failed retry does not hide why the connection dropped in the first place.
      const kept = b.s.phase === "reconnecting" ? b.s.lastError : null;
      b.set({
        socket: null,
        lastError: b.s.closeError ?? kept ?? lobbyError("connection-lost", why),
        closeError: null,
      });
      b.rejectAll("connection-lost", why, i.socket);
      // A match the lobby holds our seat in: keep the pairing (the peers talk directly) and
      // take the seat back after the next welcome.
      const held = b.s.paired;
      if (held !== null && held.resume !== null && b.s.config.reconnect !== null) {
        b.set({
          room: null,
          inviteCode: null,
          resumeAs: { token: held.resume, player: held.player },
        });
        b.scheduleReconnect(i.random);
        return;
      }
      // The server forgets rooms and pairings of a dropped connection.
      const wasInMatch = b.s.paired !== null;
      b.set({ room: null, inviteCode: null });
      b.endWatching("connection-lost");
      b.dropPairing();
      b.rejectWaiters("pairWaiters", lobbyError("connection-lost", why));
      if (wasInMatch) {
        // The players talk directly now; reconnecting would only churn the lobby mid-match.
        b.setPhase("closed");
        b.rejectAll("connection-lost", why);
        b.rejectWaiters("readyWaiters", lobbyError("connection-lost", why));
        return;
      }
      b.scheduleReconnect(i.random);
    },
    "open-failed"(b, i) {
      if (i.socket !== b.s.socket) return;
      const kept = b.s.phase === "reconnecting" ? b.s.lastError : null;
      b.set({ socket: null, lastError: kept ?? lobbyError("connection-lost", i.message) });
      b.scheduleReconnect(i.random);
    },
    message(b, i) {
      if (i.socket !== b.s.socket) return;
      if (typeof i.data !== "string") {
        b.emit({
          type: "error",
          error: lobbyError("bad-message", "the lobby sent a binary frame"),
        });
        return;
      }
      const parsed = parseServerMessage(i.data);
      if (!parsed.ok) {
        b.emit({
          type: "error",
          error: lobbyError("bad-message", `malformed lobby message: ${parsed.message}`),
        });
        return;
      }
      const msg = parsed.value;
      const settles =
        (MESSAGE_HANDLERS[msg.type] as (b: Builder, m: ServerMessage, at: number) => boolean)(
          b,
          msg,
          i.at,
        );
      if (settles) settleReply(b, msg, i.at);
    },
    timer(b, i) {
      if (i.timer.kind === "retry") {
        if (!b.s.retryScheduled) return;
        b.set({ retryScheduled: false });
        b.openSocket();
        return;
      }
      const p = b.s.pending.get(i.timer.id);
      if (!p) return;
      b.settle(i.timer.id);
      b.effects.push({
        kind: "reject",
        id: i.timer.id,
        error: lobbyError(
          "timeout",
          `lobby did not answer ${p.what} within ${b.s.config.requestTimeoutMs} ms`,
        ),
      });
    },
    request(b, i) {
      const what = i.message.type;
      if (b.s.phase === "closed") {
        b.effects.push({
          kind: "reject",
          id: i.id,
          error: lobbyError("closed", `lobby ${what} failed: not connected (closed)`),
        });
        return;
      }
      const frame = encodeClientMessage({ ...i.message, rid: i.id } as ClientMessage);
      // Requests made while (re)connecting go out as soon as the lobby has welcomed us.
      const sendNow = b.s.phase === "open" && b.s.socket !== null;
      const pending = new Map(b.s.pending);
      pending.set(i.id, {
        expect: REPLY_TYPE[what],
        what,
        frame,
        sentOn: sendNow ? b.s.socket : null,
        at: i.at,
      });
      b.set({ pending });
      if (i.message.type === "resume") {
        b.set({ resumeAs: { token: i.message.token, player: i.player ?? 0 } });
      }
      b.effects.push({
        kind: "schedule",
        timer: { kind: "request", id: i.id },
        ms: b.s.config.requestTimeoutMs,
      });
      if (sendNow) b.effects.push({ kind: "send", frame });
      // The match is over for us the moment we ask: a screen going back to the lobby must not
      // find the old pairing still there while the lobby's `left` is on its way.
      if (what === "leave") {
        b.dropPairing();
        b.set({ watching: null });
      }
    },
    wait(b, i) {
      if (i.for === "ready") {
        if (b.s.phase === "open" && b.s.welcome) {
          b.effects.push({ kind: "resolve", id: i.id, value: b.s.welcome });
        } else if (b.s.phase === "closed") {
          b.effects.push({
            kind: "reject",
            id: i.id,
            error: b.s.lastError ?? lobbyError("closed", "the lobby client is closed"),
          });
        } else b.set({ readyWaiters: [...b.s.readyWaiters, i.id] });
        return;
      }
      if (b.s.paired) b.effects.push({ kind: "resolve", id: i.id, value: b.s.paired });
      else if (b.s.phase === "closed") {
        b.effects.push({
          kind: "reject",
          id: i.id,
          error: lobbyError("closed", "the lobby client is closed"),
        });
      } else b.set({ pairWaiters: [...b.s.pairWaiters, i.id] });
    },
    signal(b, i) {
      const p = b.s.paired;
      if (!p || b.s.phase !== "open" || b.s.socket === null) return;
      // The session binds the signal to this pairing: the lobby drops it if the pairing is over.
      b.effects.push({
        kind: "send",
        frame: encodeClientMessage({ type: "signal", data: i.data, session: p.session }),
      });
    },
    stream(b, i) {
      if (!b.s.paired || b.s.phase !== "open" || b.s.socket === null) return;
      b.effects.push({ kind: "send", frame: encodeClientMessage({ type: "stream", ...i.batch }) });
    },
    "stream-end"(b, i) {
      if (!b.s.paired || b.s.phase !== "open" || b.s.socket === null) return;
      const m: ClientMessage = { type: "stream-end" };
      if (i.reason !== undefined) m.reason = i.reason;
      b.effects.push({ kind: "send", frame: encodeClientMessage(m) });
    },
    "signal-reader"(b, i) {
      b.set({ signalReader: i.present });
      if (!i.present) return;
      const buffered = b.s.signalBuffer;
      b.set({ signalBuffer: [] });
      for (const data of buffered) b.emit({ type: "signal", data });
    },
    reconnect(b) {
      if (b.s.phase !== "closed") return;
      b.set({ attempt: 0, lastError: null });
      b.setPhase("connecting");
      b.openSocket();
    },
    close(b) {
      if (b.s.phase === "closed" && b.s.socket === null) return;
      if (b.s.retryScheduled) b.effects.push({ kind: "cancel", timer: { kind: "retry" } });
      b.set({ retryScheduled: false });
      b.setPhase("closed");
      if (b.s.socket !== null) {
        b.effects.push({ kind: "close", code: 1000, reason: "client closed" });
        b.set({ socket: null });
      }
      b.rejectAll("closed", "the lobby client was closed");
      const err = lobbyError("closed", "the lobby client was closed");
      b.rejectWaiters("readyWaiters", err);
      b.rejectWaiters("pairWaiters", err);
      b.dropPairing();
      b.set({ resumeAs: null });
      b.endWatching("connection-lost");
    },
  };

/**
 * One handler per server message type; each returns whether the message may also settle the
 * request with its rid (replies do, broadcasts do not).
 */
const MESSAGE_HANDLERS: {
  [T in ServerMessage["type"]]: (b: Builder, m: MessageOf<T>, at: number) => boolean;
} = {
  welcome(b, m) {
    const welcome: LobbyWelcome = { id: m.id, name: m.name, iceServers: m.iceServers };
    b.set({ welcome, attempt: 0, lastError: null });
    // The rooms of an earlier connection (maybe an earlier lobby process) are gone; this lobby's
    // snapshot follows the welcome, and until it arrives an open client lists nothing stale.
    if (b.s.rooms.size > 0) b.setRooms(new Map(), { kind: "snapshot" });
    // Our name goes out before anything an "open" listener sends (a join, a quick match), so a
    // peer paired by that request never sees the lobby's placeholder name.
    const { name, game, version } = b.s.config;
    if (name !== undefined || game !== undefined || version !== undefined) {
      const hello: Extract<ClientMessage, { type: "hello" }> = {
        type: "hello",
        name: name ?? m.name,
      };
      if (game !== undefined) hello.game = game;
      if (version !== undefined) hello.version = version;
      b.effects.push({ kind: "send", frame: encodeClientMessage(hello) });
    }
    // Back after a drop mid-match: the seat first, before anything a listener sends.
    const r = b.s.resumeAs;
    if (r !== null && b.s.paired !== null) {
      b.effects.push({
        kind: "send",
        frame: encodeClientMessage({ type: "resume", token: r.token }),
      });
    }
    b.setPhase("open");
    // The queued requests go out now, on this socket.
    const pending = new Map(b.s.pending);
    for (const [id, p] of pending) {
      if (p.sentOn !== null) continue;
      pending.set(id, { ...p, sentOn: b.s.socket });
      b.effects.push({ kind: "send", frame: p.frame });
    }
    b.set({ pending });
    b.emit({ type: "welcome", welcome });
    for (const id of b.s.readyWaiters) b.effects.push({ kind: "resolve", id, value: welcome });
    b.set({ readyWaiters: [] });
    return false;
  },
  rooms(b, m) {
    b.setRooms(new Map(m.rooms.map((r) => [r.id, r])), { kind: "snapshot" });
    // The answer to `list` carries its rid.
    return true;
  },
  room(b, m) {
    const rooms = new Map(b.s.rooms);
    rooms.set(m.room.id, m.room);
    if (b.s.room?.id === m.room.id) b.set({ room: m.room });
    b.setRooms(rooms, { kind: "upsert", room: m.room });
    return false;
  },
  "room-removed"(b, m) {
    if (!b.s.rooms.has(m.id)) return false;
    const rooms = new Map(b.s.rooms);
    rooms.delete(m.id);
    b.setRooms(rooms, { kind: "removed", id: m.id });
    return false;
  },
  joined(b, m) {
    b.set({ room: m.room, inviteCode: m.code ?? null });
    return true;
  },
  left(b) {
    b.set({ room: null, inviteCode: null, resumeAs: null, watching: null });
    b.dropPairing();
    return true;
  },
  watching(b, m) {
    b.set({ watching: m.room });
    return true;
  },
  stream(b, m) {
    if (b.s.watching?.id !== m.room) return false;
    const batch: StreamBatchMessage = { room: m.room, from: m.from, inputs: m.inputs };
    if (m.header !== undefined) batch.header = m.header;
    b.emit({ type: "stream", batch });
    return false;
  },
  "stream-end"(b, m) {
    if (b.s.watching?.id !== m.room) return false;
    b.endWatching(m.reason);
    return false;
  },
  "stream-from"(b, m) {
    const p = b.s.paired;
    // Only for the room we play in; a leftover from an earlier room or pairing is ignored.
    if (p === null || b.s.room?.id !== m.room) return false;
    b.set({ paired: { ...p, streamFrom: m.from } });
    b.emit({ type: "stream-from", from: m.from });
    return false;
  },
  paired(b, m, at) {
    const current = b.s.paired;
    if (m.resumed && current !== null && current.session === m.session) {
      // The same match goes on: a new peer id, maybe a new role; never a new player index.
      const { streamFrom: _, ...rest } = current;
      // A `stream-from` of the seat taken back follows this `paired`; an older one is stale.
      const pairing: Pairing = {
        ...rest,
        peer: m.peer,
        role: m.role,
        resume: m.resume ?? current.resume,
        resumed: true,
        at,
      };
      b.set({ paired: pairing, resumeAs: null });
      b.emit({ type: "resumed", pairing });
      return false;
    }
    const as = m.resumed ? b.s.resumeAs : null;
    const pairing: Pairing = {
      peer: m.peer,
      role: m.role,
      session: m.session,
      player: as ? as.player : m.role === "offerer" ? 0 : 1,
      at,
      resume: m.resume ?? null,
      resumed: m.resumed === true,
    };
    b.set({ resumeAs: null });
    b.set({ paired: pairing, signalBuffer: [] });
    b.emit({ type: "paired", pairing });
    for (const id of b.s.pairWaiters) b.effects.push({ kind: "resolve", id, value: pairing });
    b.set({ pairWaiters: [] });
    return false;
  },
  signal(b, m) {
    // Only the current peer's signals; anything else is a leftover from an earlier pairing.
    const p = b.s.paired;
    if (!p || m.from !== p.peer.id) return false;
    if (m.session !== undefined && m.session !== p.session) return false;
    if (b.s.signalReader) b.emit({ type: "signal", data: m.data });
    else b.set({ signalBuffer: [...b.s.signalBuffer, m.data] });
    return false;
  },
  "peer-left"(b, m) {
    if (b.s.paired?.peer.id !== m.id) return false;
    b.dropPairing();
    b.emit({ type: "peer-left", id: m.id });
    return false;
  },
  "peer-away"(b, m) {
    if (b.s.paired?.peer.id === m.id) b.emit({ type: "peer-away", id: m.id, graceMs: m.graceMs });
    return false;
  },
  "ice-servers"(b, m) {
    // Fresh TURN credentials: the next peer connection uses them (a live one keeps its relay).
    const w = b.s.welcome;
    if (w) b.set({ welcome: { ...w, iceServers: m.iceServers } });
    return false;
  },
  pong() {
    return true;
  },
  renamed() {
    return true;
  },
  error(b, m) {
    const err = lobbyError(m.code, m.message);
    const p = m.rid === undefined ? undefined : b.settle(m.rid);
    if (p) b.effects.push({ kind: "reject", id: m.rid!, error: err });
    else b.emit({ type: "error", error: err });
    if (m.close) b.set({ closeError: err });
    if (RESUME_REFUSALS.has(m.code) && b.s.resumeAs !== null) {
      // The lobby has no seat for us (it restarted, or the grace ran out): the lobby side of the
      // match is over. The peers may still be talking directly, so this is no `peer-left`: the
      // match's own link decides whether it goes on.
      b.set({ resumeAs: null });
      b.dropPairing();
    }
    return false;
  },
};

/** The errors that answer a `resume` (besides the generic ones). */
const RESUME_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "resume-unknown",
  "resume-expired",
  "match-finished",
  "resume-in-use",
  "already-in-room",
  "wrong-game",
  "incompatible-version",
]);

/** Resolves the request with the reply's rid, if it expects this reply type. */
function settleReply(b: Builder, msg: ServerMessage, at: number): void {
  const rid = (msg as { rid?: number }).rid;
  if (rid === undefined) return;
  const p = b.s.pending.get(rid);
  if (!p || p.expect !== msg.type) return;
  b.settle(rid);
  if (msg.type === "pong") b.set({ rttMs: at - p.at });
  b.effects.push({ kind: "resolve", id: rid, value: msg });
}
