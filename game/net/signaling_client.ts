/**
 * The browser's side of the lobby: a typed wrapper over the lobby WebSocket (protocol v1 in
 * `shared/lobby_protocol.ts`). It keeps the live room list, turns create/join/quick/leave/ping into
 * promises matched to their replies by `rid`, reports the pairing, relays WebRTC signals, and
 * reconnects with exponential backoff and jitter when the socket drops (in a match whose seat the
 * lobby holds, it then takes the seat back by itself; `resume(token, player)` does it for a
 * reloaded page).
 *
 * This file is the imperative shell: it owns the WebSocket, the timers and the promises, and
 * applies the effects of the pure reducer in `lobby_connection.ts`, where every state and
 * transition lives (and is tested without I/O). The server's heartbeat is WebSocket-level
 * ping/pong, which browsers and Deno answer by themselves, so no app-level heartbeat is needed.
 *
 * @module
 */
import type { RoomInfo, SignalData, StreamHeader } from "../../shared/lobby_protocol.ts";
import { type Clock, realClock } from "./clock.ts";
import {
  DEFAULT_RECONNECT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  initialLobbyConnection,
  type LobbyConnectionEffect,
  type LobbyConnectionEvent,
  type LobbyConnectionInput,
  type LobbyConnectionState,
  type LobbyError,
  type LobbyWelcome,
  type OutgoingStreamBatch,
  type Pairing,
  type ReconnectPolicy,
  type ReplyTo,
  type RequestMessage,
  type RoomListChange,
  type SignalingState,
  type SpectatorStreamEnd,
  stepLobbyConnection,
  type StreamBatchMessage,
  type TimerId,
} from "./lobby_connection.ts";

export {
  backoffDelay,
  DEFAULT_RECONNECT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  isLobbyError,
  type LobbyError,
  type LobbyErrorCode,
  type LobbyWelcome,
  type OutgoingStreamBatch,
  type Pairing,
  type ReconnectPolicy,
  type RoomListChange,
  type SignalingState,
  type SpectatorStreamEnd,
  type StreamBatchMessage,
} from "./lobby_connection.ts";

/** The reply to create/join/quick. */
export interface JoinedRoom {
  room: RoomInfo;
  /** Invite code of a private room (share it with the other player). */
  code?: string;
}

/** How to build a {@link SignalingClient}. */
export interface SignalingClientOptions {
  /** The lobby WebSocket URL, e.g. `ws://host:8000/ws`; see {@link lobbyUrl}. */
  url: string;
  /** Player name sent with `hello` after every welcome (optional). */
  name?: string;
  /**
   * The game and build this client is (`hello.game` / `hello.version`, sent after every
   * welcome): the lobby shows and pairs only rooms of the same game and version. Absent: the
   * lobby's default scope.
   */
  game?: string;
  version?: string;
  /** Injectable for tests and for other runtimes; defaults to `new WebSocket(url)`. */
  createWebSocket?: (url: string) => WebSocket;
  /** Reconnect policy overrides, or `false` to never reconnect. */
  reconnect?: Partial<ReconnectPolicy> | false;
  /** Rejects a request that got no reply in this long; default 10 000 ms. */
  requestTimeoutMs?: number;
  clock?: Clock;
  /** Source of jitter in [0, 1); defaults to Math.random. */
  random?: () => number;
}

/** A live connection to the lobby. */
export interface SignalingClient {
  readonly state: SignalingState;
  /** The latest `welcome`, or null before the first one. */
  readonly welcome: LobbyWelcome | null;
  /** Public rooms by id, kept current (emptied on every welcome, then the lobby's snapshot). */
  readonly rooms: ReadonlyMap<string, RoomInfo>;
  /** The room we are in, or null. */
  readonly room: RoomInfo | null;
  /** Invite code of the private room we created, or null. */
  readonly inviteCode: string | null;
  /**
   * The current pairing, or null (cleared by `peer-left`, `leave()`, and a lost socket unless the
   * lobby holds our seat, which is then taken back).
   */
  readonly paired: Pairing | null;
  /** The lobby's WebSocket URL. */
  readonly url: string;
  /** True while a `resume` is asked for and not yet answered (a quick match must wait). */
  readonly resuming: boolean;
  /** Round-trip time of the last answered `ping()`, or null. */
  readonly rttMs: number | null;
  /** Why the connection last dropped or closed (kept over failed retries until welcomed), or null. */
  readonly lastError: LobbyError | null;
  onState: ((state: SignalingState) => void) | null;
  onWelcome: ((welcome: LobbyWelcome) => void) | null;
  onRooms: ((rooms: ReadonlyMap<string, RoomInfo>, change: RoomListChange) => void) | null;
  onPaired: ((pairing: Pairing) => void) | null;
  /**
   * Signals from the paired peer. Signals that arrive before a handler is set are buffered and
   * delivered, in order, when one is assigned (the offer can follow `paired` immediately).
   */
  onSignal: ((data: SignalData) => void) | null;
  onPeerLeft: ((peerId: string) => void) | null;
  /** The peer's lobby connection dropped mid-match; the lobby holds its seat for `graceMs`. */
  onPeerAway: ((peerId: string, graceMs: number) => void) | null;
  /**
   * The current pairing goes on after one side took its seat back (`paired.resumed`, same
   * session): the peer's id and the roles may have changed, the player index has not.
   */
  onResumed: ((pairing: Pairing) => void) | null;
  /**
   * The lobby asks this side to stream the match for spectators from frame `from` (`stream-from`:
   * it took the streaming seat back, or its batches left a gap); also in `paired.streamFrom`.
   */
  onStreamFrom: ((from: number) => void) | null;
  /** While watching: each relayed batch of the match's confirmed inputs (`stream`). */
  onStream: ((batch: StreamBatchMessage) => void) | null;
  /** While watching: the stream ended (then we watch nothing); also when the socket drops. */
  onStreamEnd: ((end: { room: string; reason: SpectatorStreamEnd }) => void) | null;
  /** The room we watch as a spectator, or null. */
  readonly watching: RoomInfo | null;
  /** Errors not tied to a request: unsolicited lobby errors and malformed frames. */
  onError: ((error: LobbyError) => void) | null;
  /** Resolves with the welcome once open (at once if already open); rejects if closed. */
  ready(): Promise<LobbyWelcome>;
  /** Creates a room (private rooms get an invite code in the reply). */
  create(room: { name: string; private?: boolean; password?: string }): Promise<JoinedRoom>;
  /** Joins a room by id or invite code. */
  join(room: string, password?: string): Promise<JoinedRoom>;
  /** Joins the oldest open public room, or creates one. */
  quick(): Promise<JoinedRoom>;
  /**
   * Takes a held seat back (a reloaded page): `token` is the seat's `paired.resume`, `player`
   * its player index. Resolves with the room; `paired` (resumed) follows. Refusals reject with
   * `resume-unknown`, `resume-expired`, `match-finished` or `resume-in-use`.
   */
  resume(token: string, player: 0 | 1): Promise<JoinedRoom>;
  /** Leaves the current room (and match). */
  leave(): Promise<void>;
  /** Changes the player name; resolves with the name as the lobby stored it. */
  rename(name: string): Promise<string>;
  /**
   * Narrows the room list to rooms whose name contains `filter` (case-insensitive; "" for all),
   * on the server; resolves once the new list arrived (`rooms` holds it; `total` counts matches).
   */
  list(filter: string): Promise<{ total: number }>;
  /** Resolves on the next pairing (at once if paired). */
  waitForPaired(): Promise<Pairing>;
  /** Relays a WebRTC signal to the paired peer; dropped (returns false) when not open or paired. */
  signal(data: SignalData): boolean;
  /** Measures the lobby round-trip time in ms. */
  ping(): Promise<number>;
  /**
   * Watches a playing room's match as a spectator (`watch`): resolves with `watching` (the room,
   * and the match's header once its stream began); then `onStream` and `onStreamEnd`. `leave()`
   * stops watching.
   */
  watch(room: string, password?: string): Promise<{ room: RoomInfo; header?: StreamHeader }>;
  /**
   * The offerer's side: sends one batch of the match's confirmed inputs for the lobby to keep and
   * fan out to spectators; dropped (returns false) when not open or paired.
   */
  stream(batch: OutgoingStreamBatch): boolean;
  /**
   * The offerer's match (default) or pairing (`"player-left"`) is over: the spectators' stream
   * ends with that reason; false when dropped.
   */
  streamEnd(reason?: "match-over" | "player-left"): boolean;
  /** Connects again after `closed` (e.g. back to the lobby after a match); no-op otherwise. */
  reconnect(): void;
  /** Closes the socket for good; pending requests reject with code `closed`. */
  close(): void;
}

/** The lobby URL for a page served by the lobby itself: same host, `/ws`, ws or wss. */
export function lobbyUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
}

type Settle = { resolve: (v: never) => void; reject: (e: LobbyError) => void };

const timerKey = (t: TimerId): string => t.kind === "retry" ? "retry" : `request:${t.id}`;

const detach = (socket: WebSocket): void => {
  socket.onopen =
    socket.onmessage =
    socket.onclose =
    socket.onerror =
      null;
};

/**
 * The imperative shell: owns the socket, the timers and the promises, and applies the reducer's
 * effects in order. A listener that calls back in (a join from `onState`) is applied at once, on
 * the state the reducer already moved to, as a direct call would be.
 */
class LobbyClient implements SignalingClient {
  onState: ((state: SignalingState) => void) | null = null;
  onWelcome: ((welcome: LobbyWelcome) => void) | null = null;
  onRooms: ((rooms: ReadonlyMap<string, RoomInfo>, change: RoomListChange) => void) | null = null;
  onPaired: ((pairing: Pairing) => void) | null = null;
  onPeerLeft: ((peerId: string) => void) | null = null;
  onPeerAway: ((peerId: string, graceMs: number) => void) | null = null;
  onResumed: ((pairing: Pairing) => void) | null = null;
  onStreamFrom: ((from: number) => void) | null = null;
  onStream: ((batch: StreamBatchMessage) => void) | null = null;
  onStreamEnd: ((end: { room: string; reason: SpectatorStreamEnd }) => void) | null = null;
  onError: ((error: LobbyError) => void) | null = null;
  #s: LobbyConnectionState;
  #ws: WebSocket | null = null;
  #nextId = 1;
  #timers = new Map<string, number>();
  #settles = new Map<number, Settle>();
  #signalHandler: ((data: SignalData) => void) | null = null;
  #clock: Clock;
  #random: () => number;
  #makeSocket: (url: string) => WebSocket;
  #url: string;

  constructor(opts: SignalingClientOptions) {
    this.#clock = opts.clock ?? realClock;
    this.#random = opts.random ?? Math.random;
    this.#makeSocket = opts.createWebSocket ?? ((url: string) => new WebSocket(url));
    this.#url = opts.url;
    const first = initialLobbyConnection({
      name: opts.name,
      game: opts.game,
      version: opts.version,
      reconnect: opts.reconnect === false ? null : { ...DEFAULT_RECONNECT, ...opts.reconnect },
      requestTimeoutMs: opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    });
    this.#s = first.state;
    for (const e of first.effects) this.#apply(e);
  }

  get state() {
    return this.#s.phase;
  }
  get welcome() {
    return this.#s.welcome;
  }
  get rooms() {
    return this.#s.rooms;
  }
  get room() {
    return this.#s.room;
  }
  get inviteCode() {
    return this.#s.inviteCode;
  }
  get url() {
    return this.#url;
  }
  get resuming() {
    return this.#s.resumeAs !== null && this.#s.paired === null;
  }
  get paired() {
    return this.#s.paired;
  }
  get rttMs() {
    return this.#s.rttMs;
  }
  get watching() {
    return this.#s.watching;
  }
  get lastError() {
    return this.#s.lastError;
  }
  get onSignal() {
    return this.#signalHandler;
  }
  set onSignal(handler) {
    this.#signalHandler = handler;
    this.#dispatch({ type: "signal-reader", present: handler !== null });
  }

  ready = () => this.#settled<LobbyWelcome>((id) => ({ type: "wait", id, for: "ready" }));
  waitForPaired = () => this.#settled<Pairing>((id) => ({ type: "wait", id, for: "paired" }));
  signal = (data: SignalData) => this.#dispatch({ type: "signal", data });
  stream = (batch: OutgoingStreamBatch) => this.#dispatch({ type: "stream", batch });
  streamEnd = (reason?: "match-over" | "player-left") =>
    this.#dispatch(reason === undefined ? { type: "stream-end" } : { type: "stream-end", reason });
  reconnect = () => void this.#dispatch({ type: "reconnect" });
  close = () => void this.#dispatch({ type: "close" });

  async create(r: { name: string; private?: boolean; password?: string }) {
    const msg: RequestMessage = { type: "create", name: r.name };
    if (r.private !== undefined) msg.private = r.private;
    if (r.password !== undefined) msg.password = r.password;
    return joinedRoom(await this.#request(msg));
  }
  async join(ref: string, password?: string) {
    const msg: RequestMessage = { type: "join", room: ref };
    if (password !== undefined) msg.password = password;
    return joinedRoom(await this.#request(msg));
  }
  async quick() {
    return { room: (await this.#request({ type: "quick" })).room };
  }
  async resume(token: string, player: 0 | 1) {
    return joinedRoom(await this.#request({ type: "resume", token }, player));
  }
  async leave() {
    await this.#request({ type: "leave" });
  }
  async rename(name: string) {
    return (await this.#request({ type: "hello", name })).name;
  }
  async list(filter: string) {
    const reply = await this.#request({ type: "list", filter });
    return { total: reply.total ?? reply.rooms.length };
  }
  async watch(ref: string, password?: string) {
    const msg: RequestMessage = { type: "watch", room: ref };
    if (password !== undefined) msg.password = password;
    const reply = await this.#request(msg);
    return reply.header === undefined
      ? { room: reply.room }
      : { room: reply.room, header: reply.header };
  }
  async ping() {
    await this.#request({ type: "ping", t: this.#clock.now() });
    return this.#s.rttMs!;
  }

  /** Runs one input through the reducer and applies its effects; true if a frame went out. */
  #dispatch(input: LobbyConnectionInput): boolean {
    const step = stepLobbyConnection(this.#s, input);
    this.#s = step.state;
    let sent = false;
    for (const e of step.effects) sent = this.#apply(e) || sent;
    return sent;
  }

  #apply(e: LobbyConnectionEffect): boolean {
    switch (e.kind) {
      case "open":
        this.#open(e.socket);
        return false;
      case "close": {
        const socket = this.#ws;
        this.#ws = null;
        if (socket) detach(socket);
        try {
          socket?.close(e.code, e.reason);
        } catch { /* already closing */ }
        return false;
      }
      case "send":
        if (this.#ws?.readyState !== WebSocket.OPEN) return false;
        this.#ws.send(e.frame);
        return true;
      case "schedule": {
        const key = timerKey(e.timer);
        const timer = e.timer;
        this.#timers.set(
          key,
          this.#clock.setTimeout(() => {
            this.#timers.delete(key);
            this.#dispatch({ type: "timer", timer });
          }, e.ms),
        );
        return false;
      }
      case "cancel": {
        const key = timerKey(e.timer);
        const id = this.#timers.get(key);
        if (id !== undefined) this.#clock.clearTimeout(id);
        this.#timers.delete(key);
        return false;
      }
      case "resolve":
      case "reject": {
        const p = this.#settles.get(e.id);
        this.#settles.delete(e.id);
        if (e.kind === "resolve") p?.resolve(e.value as never);
        else p?.reject(e.error);
        return false;
      }
      case "emit":
        this.#emit(e.event);
        return false;
    }
  }

  #emit(ev: LobbyConnectionEvent): void {
    switch (ev.type) {
      case "state":
        return this.onState?.(ev.state);
      case "welcome":
        return this.onWelcome?.(ev.welcome);
      case "rooms":
        return this.onRooms?.(this.#s.rooms, ev.change);
      case "paired":
        return this.onPaired?.(ev.pairing);
      case "signal":
        return this.#signalHandler?.(ev.data);
      case "peer-left":
        return this.onPeerLeft?.(ev.id);
      case "peer-away":
        return this.onPeerAway?.(ev.id, ev.graceMs);
      case "resumed":
        return this.onResumed?.(ev.pairing);
      case "stream":
        return this.onStream?.(ev.batch);
      case "stream-end":
        return this.onStreamEnd?.({ room: ev.room, reason: ev.reason });
      case "stream-from":
        return this.onStreamFrom?.(ev.from);
      case "error":
        return this.onError?.(ev.error);
    }
  }

  #open(n: number): void {
    let socket: WebSocket;
    try {
      socket = this.#makeSocket(this.#url);
    } catch (e) {
      const message = `cannot open ${this.#url}: ${(e as Error).message}`;
      this.#dispatch({ type: "open-failed", socket: n, message, random: this.#random() });
      return;
    }
    this.#ws = socket;
    socket.onmessage = (ev: MessageEvent) =>
      this.#dispatch({ type: "message", socket: n, data: ev.data, at: this.#clock.now() });
    socket.onclose = (ev: CloseEvent) => {
      if (this.#ws === socket) this.#ws = null;
      detach(socket);
      const { code, reason } = ev;
      this.#dispatch({ type: "closed", socket: n, code, reason, random: this.#random() });
    };
    // An error is always followed by close; close carries the code.
    socket.onerror = () => {};
  }

  /** A promise the reducer settles (resolve/reject effect) under a fresh id. */
  #settled<T>(input: (id: number) => LobbyConnectionInput): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#settles.set(id, { resolve: resolve as (v: never) => void, reject });
      this.#dispatch(input(id));
    });
  }

  #request<M extends RequestMessage>(message: M, player?: 0 | 1): Promise<ReplyTo<M["type"]>> {
    return this.#settled((id) => ({ type: "request", id, message, at: this.#clock.now(), player }));
  }
}

function joinedRoom(reply: { room: RoomInfo; code?: string }): JoinedRoom {
  return reply.code === undefined ? { room: reply.room } : { room: reply.room, code: reply.code };
}

/** Connects to the lobby (immediately) and returns the client. */
export function createSignalingClient(opts: SignalingClientOptions): SignalingClient {
  return new LobbyClient(opts);
}
