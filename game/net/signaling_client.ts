/**
 * The browser's side of the lobby: a typed wrapper over the lobby WebSocket (protocol v1 in
 * `shared/lobby_protocol.ts`). It keeps the live room list, turns create/join/quick/leave/ping into
 * promises matched to their replies by `rid`, reports the pairing, relays WebRTC signals, and
 * reconnects with exponential backoff and jitter when the socket drops while not in a match.
 *
 * Every incoming frame is validated with the protocol's `parseServerMessage`; a malformed frame is
 * reported through `onError` and otherwise ignored. The server's heartbeat is WebSocket-level
 * ping/pong, which browsers and Deno answer by themselves, so no app-level heartbeat is needed.
 *
 * States: `connecting` (first socket, until `welcome`), `open` (welcomed), `reconnecting` (the
 * socket dropped; the next attempt is scheduled or under way), `closed` (by `close()`, after a drop
 * during a match, or when the reconnect attempts ran out; `reconnect()` starts over).
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
} from "../../shared/lobby_protocol.ts";
import { type Clock, realClock } from "./clock.ts";

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
}

/** The reply to create/join/quick. */
export interface JoinedRoom {
  room: RoomInfo;
  /** Invite code of a private room (share it with the other player). */
  code?: string;
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

function lobbyError(code: LobbyErrorCode, message: string): LobbyError {
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
  /** Public rooms by id, kept current (replaced wholesale after a reconnect). */
  readonly rooms: ReadonlyMap<string, RoomInfo>;
  /** The room we are in, or null. */
  readonly room: RoomInfo | null;
  /** Invite code of the private room we created, or null. */
  readonly inviteCode: string | null;
  /** The current pairing, or null (cleared by `peer-left`, `leave()` and a lost socket). */
  readonly paired: Pairing | null;
  /** Round-trip time of the last answered `ping()`, or null. */
  readonly rttMs: number | null;
  /** Why the connection last dropped or closed, or null. */
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
  /** Connects again after `closed` (e.g. back to the lobby after a match); no-op otherwise. */
  reconnect(): void;
  /** Closes the socket for good; pending requests reject with code `closed`. */
  close(): void;
}

/** The lobby URL for a page served by the lobby itself: same host, `/ws`, ws or wss. */
export function lobbyUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
}

/** Default for {@link SignalingClientOptions.requestTimeoutMs}. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

type Reply = ServerMessage & { rid?: number };

interface Pending {
  /** The reply type that resolves this request. */
  expect: ServerMessage["type"];
  what: string;
  resolve: (m: Reply) => void;
  reject: (e: LobbyError) => void;
  timer: number;
  /** The socket it went out on, or null while waiting for the lobby to open. */
  sentOn: WebSocket | null;
  text: string;
}

type Waiter<T> = { resolve: (v: T) => void; reject: (e: LobbyError) => void };

/** Connects to the lobby (immediately) and returns the client. */
export function createSignalingClient(opts: SignalingClientOptions): SignalingClient {
  const clock = opts.clock ?? realClock;
  const random = opts.random ?? Math.random;
  const makeSocket = opts.createWebSocket ?? ((url: string) => new WebSocket(url));
  const policy: ReconnectPolicy | null = opts.reconnect === false
    ? null
    : { ...DEFAULT_RECONNECT, ...opts.reconnect };
  const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;

  let state: SignalingState = "connecting";
  let ws: WebSocket | null = null;
  let welcome: LobbyWelcome | null = null;
  const rooms = new Map<string, RoomInfo>();
  let room: RoomInfo | null = null;
  let inviteCode: string | null = null;
  let paired: Pairing | null = null;
  let rttMs: number | null = null;
  let lastError: LobbyError | null = null;
  let closeError: LobbyError | null = null;
  let attempt = 0;
  let retryTimer: number | null = null;
  let nextRid = 1;
  const pending = new Map<number, Pending>();
  let readyWaiters: Waiter<LobbyWelcome>[] = [];
  let pairWaiters: Waiter<Pairing>[] = [];
  let signalHandler: ((data: SignalData) => void) | null = null;
  let signalBuffer: SignalData[] = [];

  const setState = (next: SignalingState): void => {
    if (state === next) return;
    state = next;
    self.onState?.(next);
  };

  const send = (msg: ClientMessage): boolean => {
    if (state !== "open" || !ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(encodeClientMessage(msg));
    return true;
  };

  const settleRequest = (rid: number): Pending | undefined => {
    const p = pending.get(rid);
    if (!p) return undefined;
    pending.delete(rid);
    clock.clearTimeout(p.timer);
    return p;
  };

  const request = <T extends ServerMessage["type"]>(
    msg: ClientMessage,
    expect: T,
  ): Promise<ServerMessageOf<T>> => {
    const what = msg.type;
    if (state === "closed") {
      return Promise.reject(lobbyError("closed", `lobby ${what} failed: not connected (closed)`));
    }
    const rid = nextRid++;
    const text = encodeClientMessage({ ...msg, rid } as ClientMessage);
    return new Promise((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        if (!settleRequest(rid)) return;
        reject(
          lobbyError("timeout", `lobby did not answer ${what} within ${requestTimeoutMs} ms`),
        );
      }, requestTimeoutMs);
      const p: Pending = {
        expect,
        what,
        resolve: resolve as (m: Reply) => void,
        reject,
        timer,
        sentOn: null,
        text,
      };
      pending.set(rid, p);
      // Requests made while (re)connecting go out as soon as the lobby has welcomed us.
      if (state === "open" && ws) {
        ws.send(text);
        p.sentOn = ws;
      }
    });
  };

  const flushQueued = (): void => {
    for (const p of pending.values()) {
      if (p.sentOn === null && ws) {
        ws.send(p.text);
        p.sentOn = ws;
      }
    }
  };

  const rejectAll = (code: LobbyErrorCode, message: string, onlySentOn?: WebSocket): void => {
    for (const [rid, p] of [...pending]) {
      if (onlySentOn && p.sentOn !== onlySentOn) continue;
      settleRequest(rid);
      p.reject(lobbyError(code, `lobby ${p.what} failed: ${message}`));
    }
  };

  const emitRooms = (change: RoomListChange): void => self.onRooms?.(rooms, change);

  const dropPairing = (): void => {
    paired = null;
    signalBuffer = [];
  };

  const handle = (msg: ServerMessage): void => {
    switch (msg.type) {
      case "welcome": {
        welcome = { id: msg.id, name: msg.name, iceServers: msg.iceServers };
        attempt = 0;
        lastError = null;
        // Our name goes out before anything an "open" listener sends (a join, a quick match), so
        // a peer paired by that request never sees the lobby's placeholder name.
        if (opts.name !== undefined || opts.game !== undefined || opts.version !== undefined) {
          const hello: Extract<ClientMessage, { type: "hello" }> = {
            type: "hello",
            name: opts.name ?? msg.name,
          };
          if (opts.game !== undefined) hello.game = opts.game;
          if (opts.version !== undefined) hello.version = opts.version;
          ws?.send(encodeClientMessage(hello));
        }
        setState("open");
        flushQueued();
        self.onWelcome?.(welcome);
        const waiters = readyWaiters;
        readyWaiters = [];
        for (const w of waiters) w.resolve(welcome);
        return;
      }
      case "rooms":
        rooms.clear();
        for (const r of msg.rooms) rooms.set(r.id, r);
        emitRooms({ kind: "snapshot" });
        // The answer to `list` carries its rid.
        break;
      case "room":
        rooms.set(msg.room.id, msg.room);
        if (room?.id === msg.room.id) room = msg.room;
        emitRooms({ kind: "upsert", room: msg.room });
        return;
      case "room-removed":
        if (rooms.delete(msg.id)) emitRooms({ kind: "removed", id: msg.id });
        return;
      case "joined":
        room = msg.room;
        inviteCode = msg.code ?? null;
        break;
      case "left":
        room = null;
        inviteCode = null;
        dropPairing();
        break;
      case "paired": {
        signalBuffer = [];
        paired = {
          peer: msg.peer,
          role: msg.role,
          session: msg.session,
          player: msg.role === "offerer" ? 0 : 1,
          at: clock.now(),
        };
        self.onPaired?.(paired);
        const waiters = pairWaiters;
        pairWaiters = [];
        for (const w of waiters) w.resolve(paired);
        return;
      }
      case "signal":
        // Only the current peer's signals; anything else is a leftover from an earlier pairing.
        if (!paired || msg.from !== paired.peer.id) return;
        if (msg.session !== undefined && msg.session !== paired.session) return;
        if (signalHandler) signalHandler(msg.data);
        else signalBuffer.push(msg.data);
        return;
      case "peer-left":
        if (paired?.peer.id === msg.id) {
          dropPairing();
          self.onPeerLeft?.(msg.id);
        }
        return;
      case "ice-servers":
        // Fresh TURN credentials: the next peer connection uses them (a live one keeps its relay).
        if (welcome) welcome = { ...welcome, iceServers: msg.iceServers };
        return;
      case "pong":
      case "renamed":
        break;
      case "error": {
        const err = lobbyError(msg.code, msg.message);
        const p = msg.rid === undefined ? undefined : settleRequest(msg.rid);
        if (p) p.reject(err);
        else self.onError?.(err);
        if (msg.close) closeError = err;
        return;
      }
    }
    // Replies: resolve the request with the same rid, if it expects this type.
    const rid = (msg as Reply).rid;
    if (rid === undefined) return;
    const p = pending.get(rid);
    if (p && p.expect === msg.type) {
      settleRequest(rid);
      p.resolve(msg);
    }
  };

  const scheduleReconnect = (): void => {
    if (!policy || attempt >= policy.maxAttempts) {
      setState("closed");
      const err = lastError ?? lobbyError("connection-lost", "lost the lobby connection");
      rejectAll("connection-lost", err.message);
      for (const w of readyWaiters) w.reject(err);
      readyWaiters = [];
      return;
    }
    const delay = backoffDelay(attempt, policy, random());
    attempt++;
    setState("reconnecting");
    retryTimer = clock.setTimeout(() => {
      retryTimer = null;
      open();
    }, delay);
  };

  const onDrop = (socket: WebSocket, ev: CloseEvent | null): void => {
    if (socket !== ws) return;
    ws = null;
    socket.onopen =
      socket.onmessage =
      socket.onclose =
      socket.onerror =
        null;
    if (state === "closed") return;
    const why = ev
      ? `the lobby connection closed (code ${ev.code}${ev.reason ? `: ${ev.reason}` : ""})`
      : "the lobby connection failed";
    // A fatal lobby error (e.g. shutting-down) explains the close better than its code does.
    lastError = closeError ?? lobbyError("connection-lost", why);
    closeError = null;
    rejectAll("connection-lost", why, socket);
    // The server forgets rooms and pairings of a dropped connection.
    const wasInMatch = paired !== null;
    room = null;
    inviteCode = null;
    dropPairing();
    for (const w of pairWaiters) w.reject(lobbyError("connection-lost", why));
    pairWaiters = [];
    if (wasInMatch) {
      // The players talk directly now; reconnecting would only churn the lobby mid-match.
      setState("closed");
      rejectAll("connection-lost", why);
      for (const w of readyWaiters) w.reject(lobbyError("connection-lost", why));
      readyWaiters = [];
      return;
    }
    scheduleReconnect();
  };

  const open = (): void => {
    let socket: WebSocket;
    try {
      socket = makeSocket(opts.url);
    } catch (e) {
      lastError = lobbyError("connection-lost", `cannot open ${opts.url}: ${(e as Error).message}`);
      scheduleReconnect();
      return;
    }
    ws = socket;
    socket.onmessage = (ev: MessageEvent) => {
      if (socket !== ws) return;
      if (typeof ev.data !== "string") {
        self.onError?.(lobbyError("bad-message", "the lobby sent a binary frame"));
        return;
      }
      const parsed = parseServerMessage(ev.data);
      if (!parsed.ok) {
        self.onError?.(lobbyError("bad-message", `malformed lobby message: ${parsed.message}`));
        return;
      }
      handle(parsed.value);
    };
    socket.onclose = (ev: CloseEvent) => onDrop(socket, ev);
    // An error is always followed by close; close carries the code.
    socket.onerror = () => {};
  };

  const self: SignalingClient = {
    get state() {
      return state;
    },
    get welcome() {
      return welcome;
    },
    rooms,
    get room() {
      return room;
    },
    get inviteCode() {
      return inviteCode;
    },
    get paired() {
      return paired;
    },
    get rttMs() {
      return rttMs;
    },
    get lastError() {
      return lastError;
    },
    onState: null,
    onWelcome: null,
    onRooms: null,
    onPaired: null,
    get onSignal() {
      return signalHandler;
    },
    set onSignal(handler) {
      signalHandler = handler;
      if (!handler) return;
      const buffered = signalBuffer;
      signalBuffer = [];
      for (const s of buffered) handler(s);
    },
    onPeerLeft: null,
    onError: null,
    ready() {
      if (state === "open" && welcome) return Promise.resolve(welcome);
      if (state === "closed") {
        return Promise.reject(lastError ?? lobbyError("closed", "the lobby client is closed"));
      }
      return new Promise((resolve, reject) => readyWaiters.push({ resolve, reject }));
    },
    async create(r) {
      const msg: ClientMessage = { type: "create", name: r.name };
      if (r.private !== undefined) msg.private = r.private;
      if (r.password !== undefined) msg.password = r.password;
      const reply = await request(msg, "joined");
      return reply.code === undefined
        ? { room: reply.room }
        : { room: reply.room, code: reply.code };
    },
    async join(ref, password) {
      const msg: ClientMessage = { type: "join", room: ref };
      if (password !== undefined) msg.password = password;
      const reply = await request(msg, "joined");
      return reply.code === undefined
        ? { room: reply.room }
        : { room: reply.room, code: reply.code };
    },
    async quick() {
      const reply = await request({ type: "quick" }, "joined");
      return { room: reply.room };
    },
    async leave() {
      // The match is over for us the moment we ask: a screen going back to the lobby must not
      // find the old pairing still there while the lobby's `left` is on its way.
      const left = request({ type: "leave" }, "left");
      dropPairing();
      await left;
    },
    async rename(name) {
      const reply = await request({ type: "hello", name }, "renamed");
      return reply.name;
    },
    async list(filter) {
      const reply = await request({ type: "list", filter }, "rooms");
      return { total: reply.total ?? reply.rooms.length };
    },
    waitForPaired() {
      if (paired) return Promise.resolve(paired);
      if (state === "closed") {
        return Promise.reject(lobbyError("closed", "the lobby client is closed"));
      }
      return new Promise((resolve, reject) => pairWaiters.push({ resolve, reject }));
    },
    signal(data) {
      if (!paired) return false;
      // The session binds the signal to this pairing: the lobby drops it if the pairing is over.
      return send({ type: "signal", data, session: paired.session });
    },
    async ping() {
      const t = clock.now();
      await request({ type: "ping", t }, "pong");
      rttMs = clock.now() - t;
      return rttMs;
    },
    reconnect() {
      if (state !== "closed") return;
      attempt = 0;
      lastError = null;
      setState("connecting");
      open();
    },
    close() {
      if (state === "closed" && !ws) return;
      if (retryTimer !== null) clock.clearTimeout(retryTimer);
      retryTimer = null;
      setState("closed");
      const socket = ws;
      ws = null;
      if (socket) {
        socket.onopen =
          socket.onmessage =
          socket.onclose =
          socket.onerror =
            null;
        try {
          socket.close(1000, "client closed");
        } catch { /* already closing */ }
      }
      rejectAll("closed", "the lobby client was closed");
      const err = lobbyError("closed", "the lobby client was closed");
      for (const w of [...readyWaiters, ...pairWaiters]) w.reject(err);
      readyWaiters = [];
      pairWaiters = [];
      dropPairing();
    },
  };

  open();
  return self;
}
