/**
 * The shared {@link LobbyRegistry}: any number of lobby processes, one Redis. Players connected to
 * different processes see one room list, pair with each other, and relay their signalling.
 *
 * Design (the README's operations section explains it too):
 *
 * - State lives in Redis only (data model in redis_scripts.ts). Every step is one Lua script, so
 *   Redis orders all steps of all processes: two processes racing to join one room, or two
 *   quick-matches racing for one open room, cannot both win. There is no leader to elect.
 * - The parts: redis_client.ts (connections, scripts by EVALSHA, acks, bounded waits),
 *   redis_inbox.ts (cross-process delivery), redis_room_list.ts (the local room-list copy),
 *   redis_liveness.ts (heartbeat, sweep, reconcile, grace expiry), redis_steps.ts (client
 *   messages to scripts), redis_local_players.ts (this process's players),
 *   redis_registry_status.ts (readiness and room counts); this file composes them into the
 *   {@link LobbyRegistry}.
 * - Each script sends what it causes in the same atomic step: messages for a player are appended
 *   to the inbox stream of the process holding that player's socket (a stream, so a reader that
 *   reconnects after a blip resumes where it stopped and loses nothing), room-list changes are
 *   published on one channel in commit order, so every process applies them in the same order.
 * - Each process keeps a local copy of the public room list (the `rooms` snapshot and
 *   `GET /api/rooms` read it without touching Redis): loaded on start, then updated from events.
 *   Events carry a sequence number; a gap (a dropped subscriber connection) reloads the copy and
 *   sends every local client a fresh `rooms` snapshot.
 * - A request's step that sent anything to this process (or whose reply the caller sends itself)
 *   ends by appending an ack to the caller's own inbox; the step completes when that ack arrives,
 *   so everything the step sent to local players was delivered first and the session's next reply
 *   cannot overtake it. A step that sent nothing here (a signal to another process's player)
 *   completes with its script's reply: one round trip.
 * - Liveness: each process refreshes `alive:<process>` (a key with a TTL) several times per TTL,
 *   and every process sweeps: a registered process whose key has expired is dead, and its players
 *   are removed in batches by a script (their rooms close or reopen, peers get `peer-left`). A
 *   process that finds its own key gone (it stalled past the TTL and was swept, or Redis lost its
 *   data) is fenced: it closes its clients, which reconnect, and registers again.
 *
 * Works with a standalone Redis (or a primary with replicas); scripts touch keys they compute, so
 * not with Redis Cluster.
 */
import {
  DEFAULT_MAX_ROOMS,
  DEFAULT_RESUME_GRACE_MS,
  MAX_SPECTATORS_PER_ROOM,
  RESUME_TOMBSTONE_MS,
  STREAM_BACKLOG_MAX_BYTES,
} from "../shared/limits.ts";
import type { LobbyHooks } from "./lobby_hooks.ts";
import type { LobbyHub } from "./lobby_hub.ts";
import { createLobbyMetrics, type LobbyMetrics } from "./lobby_metrics.ts";
import type { LobbyRegistry } from "./lobby_registry.ts";
import { type Logger, silentLogger } from "./log.ts";
import { randomBase32 } from "./random_id.ts";
import { createPasswordAttempts, type PasswordAttemptsOptions } from "./password_attempts.ts";
import { createRedisClient, type RedisClient } from "./redis_client.ts";
import { deliverInboxEntry, type InboxReader, startInboxReader } from "./redis_inbox.ts";
import { createLiveness, type Liveness, type ProcessState } from "./redis_liveness.ts";
import { createLocalPlayers } from "./redis_local_players.ts";
import { registryStatus, roomStateCounts } from "./redis_registry_status.ts";
import { createRoomListCopy, type RoomListCopy } from "./redis_room_list.ts";
import { createRedisSteps, pong } from "./redis_steps.ts";

/** Options of {@link createRedisRegistry}. */
export interface RedisRegistryOptions {
  /** `redis://host:port/db` */
  url: string;
  /** Key and channel prefix. */
  prefix: string;
  /** Heartbeat TTL: a process silent this long is dead (refreshed every third of it). */
  processTtlMs: number;
  hub: LobbyHub;
  maxRooms?: number;
  /**
   * How long a dropped player's seat is held mid-match (ms, default DEFAULT_RESUME_GRACE_MS; 0
   * frees it at once). The returning player may resume through any process.
   */
  resumeGraceMs?: number;
  /** The wrong-password backoff (password_attempts.ts); its defaults otherwise. */
  passwordAttempts?: PasswordAttemptsOptions;
  metrics?: LobbyMetrics;
  log?: Logger;
  /** This process was swept as dead (or Redis lost its data): close every local client. */
  onLost?: () => void;
  /** How long a step waits for its ack before failing; default 5000 ms. */
  ackTimeoutMs?: number;
  /** Wall clock for `createdAt`. */
  now?: () => number;
  /** Pairing and match-end observers (lobby_hooks.ts). */
  hooks?: LobbyHooks;
  /**
   * How often this process checks that every player Redis holds for it still has a socket here
   * (and forgets the ghosts); default 10 s.
   */
  reconcileMs?: number;
  /** Spectators per room; MAX_SPECTATORS_PER_ROOM by default. */
  maxSpectators?: number;
  /** Bytes of stream kept per room; STREAM_BACKLOG_MAX_BYTES by default. */
  maxBacklogBytes?: number;
}

/** The Redis registry plus what tests and operators look at. */
export interface RedisRegistry extends LobbyRegistry {
  /** This process's id in Redis. */
  readonly processId: string;
  /** Runs one sweep for dead processes now (tests); returns how many players were removed. */
  sweep(): Promise<number>;
  /** Forgets the players Redis holds for this process that have no socket here; how many. */
  reconcile(): Promise<number>;
  /** Gives up the held seats whose grace ran out now (tests; a timer does it otherwise). */
  expireDue(): Promise<number>;
}

/** Connects to Redis, registers this process, loads the room list and starts the heartbeat. */
export async function createRedisRegistry(opts: RedisRegistryOptions): Promise<RedisRegistry> {
  const { hub, prefix } = opts;
  const log = opts.log ?? silentLogger;
  const metrics = opts.metrics ?? createLobbyMetrics();
  const now = opts.now ?? Date.now;
  const ackTimeoutMs = opts.ackTimeoutMs ?? 5000;
  const graceMs = opts.resumeGraceMs ?? DEFAULT_RESUME_GRACE_MS;
  /** The disconnect and reap scripts' grace arguments, as of now. */
  const graceArgs = () => [String(graceMs), String(now()), String(RESUME_TOMBSTONE_MS)];
  const ttl = opts.processTtlMs;
  const processId = randomBase32(12).toLowerCase();
  const client = createRedisClient({ url: opts.url, prefix, processId, ackTimeoutMs, log });
  const { cmd, sub, key, run } = client;
  const evChannel = key("ev");

  const roomList = createRoomListCopy({ hub, log, snapshot: () => run("snapshot", [], false) });
  const inboxTargets = { hub, ackArrived: client.ackArrived, hooks: opts.hooks, log };
  sub.on("message", (channel: string, text: string) => {
    if (channel === evChannel) roomList.onEvent(text);
  });

  // --- this process's players and liveness ------------------------------------------------
  let state: ProcessState = "starting";
  const players = createLocalPlayers({ run, graceArgs, log, getState: () => state });
  const { local, connecting, addresses } = players;
  const liveness = createLiveness({
    client,
    processId,
    ttlMs: ttl,
    log,
    now,
    graceArgs,
    local,
    connecting,
    getState: () => state,
    setState: (s) => (state = s),
    onLost: opts.onLost,
    resync: () => roomList.resync(),
  });

  // --- start ------------------------------------------------------------------------------
  await startUp(client, evChannel, liveness, roomList, opts.url);
  state = "running";
  const inbox = startInboxReader({
    reader: client.reader,
    inbox: key("inbox", processId),
    onEntry: (text) => deliverInboxEntry(text, inboxTargets),
    log,
  });
  // A subscriber that reconnected may have missed events.
  sub.on("ready", () => {
    if (state === "running") roomList.resync();
  });
  liveness.start(graceMs, opts.reconcileMs ?? 10_000);
  log.info("redis-registry", { process: processId, prefix, rooms: roomList.size });

  const step = createRedisSteps({
    run,
    hub,
    metrics,
    addresses,
    attempts: createPasswordAttempts(opts.passwordAttempts),
    now,
    maxRooms: opts.maxRooms ?? DEFAULT_MAX_ROOMS,
    maxSpectators: opts.maxSpectators ?? MAX_SPECTATORS_PER_ROOM,
    maxBacklog: opts.maxBacklogBytes ?? STREAM_BACKLOG_MAX_BYTES,
    graceMs,
  });

  const close = async () => {
    if (state === "closing" || state === "closed") return;
    state = "closing";
    await release({ client, liveness, inbox, processId, log }, () => {
      local.clear();
      state = "closed";
    });
  };

  return {
    kind: "redis",
    processId,
    connect: (address) => players.connect(address),
    handle(player, message) {
      if (state === "closing" || state === "closed") return;
      if (message.type === "ping") return pong(hub, player, message);
      return step(player, message);
    },
    disconnect: (player) => players.disconnect(player),
    publicRooms: () => roomList.rooms(),
    roomStates: async () =>
      roomStateCounts(await client.bound(cmd.hgetall(key("states")), "room states")),
    localPlayers: () => local.size,
    status: () =>
      registryStatus({
        state,
        processId,
        clientReady: client.ready,
        clientStatus: client.statusText,
        heartbeatAgeMs: performance.now() - liveness.aliveAt,
        ttlMs: ttl,
      }),
    close,
    sweep: liveness.sweep,
    reconcile: liveness.reconcile,
    expireDue: liveness.expireDue,
  };
}

/**
 * Opens the connections, subscribes, registers this process and loads the room list; on any
 * failure drops all three connections, so a lobby that cannot start leaves nothing open, and
 * throws one error naming the URL.
 */
async function startUp(
  client: RedisClient,
  channel: string,
  liveness: Liveness,
  roomList: RoomListCopy,
  url: string,
): Promise<void> {
  try {
    await client.connect();
    await client.sub.subscribe(channel);
    await liveness.register();
    await roomList.load(false);
  } catch (err) {
    client.cmd.disconnect();
    client.sub.disconnect();
    client.reader.disconnect();
    throw new Error(`cannot use Redis at ${url}: ${(err as Error).message}`);
  }
}

/** What {@link release} stops and frees. */
interface ReleaseParts {
  client: RedisClient;
  liveness: Liveness;
  inbox: InboxReader;
  processId: string;
  log: Logger;
}

/**
 * Shutting down: stops the timers and the inbox, drops this process's heartbeat and reaps its
 * players in Redis (a failure is logged: the sweep of another process gets them then), calls
 * `forget` once nothing here is needed any more, then closes the connections.
 */
async function release(parts: ReleaseParts, forget: () => void): Promise<void> {
  const { client, liveness, processId, log } = parts;
  liveness.stop();
  // Nothing more is delivered here; the blocked XREAD is abandoned.
  const reading = parts.inbox.stop();
  try {
    // Everyone here leaves at once: drop our heartbeat, then remove our players in batches.
    await client.bound(client.cmd.del(client.key("alive", processId)), "release");
    const removed = await liveness.reap(processId, "shutdown");
    log.info("redis-released", { process: processId, players: removed });
  } catch (err) {
    log.warn("redis-release-failed", { error: err });
  }
  forget();
  await client.close();
  await reading;
}
