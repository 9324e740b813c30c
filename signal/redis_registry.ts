/**
 * The shared {@link LobbyRegistry}: any number of lobby processes, one Redis. Players connected to
 * different processes see one room list, pair with each other, and relay their signalling.
 *
 * Design (the README's operations section explains it too):
 *
 * - State lives in Redis only (data model in redis_scripts.ts). Every step is one Lua script, so
 *   Redis orders all steps of all processes: two processes racing to join one room, or two
 *   quick-matches racing for one open room, cannot both win. There is no leader to elect.
 * - Each script sends what it causes in the same atomic step: messages for a player are appended
 *   to the inbox stream of the process holding that player's socket (a stream, so a reader that
 *   reconnects after a blip resumes where it stopped and loses nothing), room-list changes are
 *   published on one channel in commit order, so every process applies them in the same order.
 * - Each process keeps a local copy of the public room list (the `rooms` snapshot and
 *   `GET /api/rooms` read it without touching Redis): loaded on start, then updated from events.
 *   Events carry a sequence number; a gap (a dropped subscriber connection) reloads the copy and
 *   sends every local client a fresh `rooms` snapshot.
 * - A request's step ends by appending an ack to the caller's own inbox; the step completes
 *   when that ack arrives, so everything the step sent to local players was delivered first and the
 *   session's next reply cannot overtake it.
 * - Liveness: each process refreshes `alive:<process>` (a key with a TTL) several times per TTL,
 *   and every process sweeps: a registered process whose key has expired is dead, and its players
 *   are removed in batches by a script (their rooms close or reopen, peers get `peer-left`). A
 *   process that finds its own key gone (it stalled past the TTL and was swept, or Redis lost its
 *   data) is fenced: it closes its clients, which reconnect, and registers again.
 *
 * Works with a standalone Redis (or a primary with replicas); scripts touch keys they compute, so
 * not with Redis Cluster.
 */
import { Redis, type RedisOptions } from "ioredis";
import * as v from "valibot";
import {
  type ClientMessage,
  type ClientMessageOf,
  encodeServerMessage,
  type ErrorCode,
  type RoomInfo,
  RoomInfoSchema,
  type RoomState,
} from "../shared/lobby_protocol.ts";
import { nameSkeleton, numberedName } from "../shared/display_name.ts";
import {
  DEFAULT_MAX_ROOMS,
  DEFAULT_RESUME_GRACE_MS,
  INVITE_CODE_LENGTH,
  MAX_SPECTATORS_PER_ROOM,
  PLAYER_NAME_MAX_LENGTH,
  RESUME_TOKEN_LENGTH,
  RESUME_TOMBSTONE_MS,
  STREAM_BACKLOG_MAX_BYTES,
  STREAM_BACKLOG_TTL_MS,
} from "../shared/limits.ts";
import { fireHook, type LobbyEvent, type LobbyHooks } from "./lobby_hooks.ts";
import type { LobbyHub } from "./lobby_hub.ts";
import { createLobbyMetrics, type LobbyMetrics, signalBytes } from "./lobby_metrics.ts";
import type { LobbyRegistry, RegistryStatus } from "./lobby_registry.ts";
import { type Logger, silentLogger } from "./log.ts";
import { randomBase32 } from "./random_id.ts";
import { REDIS_SCRIPTS, type RedisScriptName } from "./redis_scripts.ts";
import type { PlayerId } from "./room_registry.ts";
import { hashPassword, verifyPassword } from "./room_password.ts";
import { createPasswordAttempts, type PasswordAttemptsOptions } from "./password_attempts.ts";

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

const ID_LENGTH = 10;
const SESSION_LENGTH = 16;
const REAP_BATCH = 200;

type Result = string[];

const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const fromHex = (s: string) => new Uint8Array((s.match(/../g) ?? []).map((h) => parseInt(h, 16)));

/** Connects to Redis, registers this process, loads the room list and starts the heartbeat. */
export async function createRedisRegistry(opts: RedisRegistryOptions): Promise<RedisRegistry> {
  const { hub, prefix } = opts;
  const log = opts.log ?? silentLogger;
  const metrics = opts.metrics ?? createLobbyMetrics();
  const maxRooms = opts.maxRooms ?? DEFAULT_MAX_ROOMS;
  const now = opts.now ?? Date.now;
  const ackTimeoutMs = opts.ackTimeoutMs ?? 5000;
  const graceMs = opts.resumeGraceMs ?? DEFAULT_RESUME_GRACE_MS;
  /** The disconnect and reap scripts' grace arguments, as of now. */
  const graceArgs = () => [String(graceMs), String(now()), String(RESUME_TOMBSTONE_MS)];
  const maxSpectators = opts.maxSpectators ?? MAX_SPECTATORS_PER_ROOM;
  const maxBacklog = opts.maxBacklogBytes ?? STREAM_BACKLOG_MAX_BYTES;
  const ttl = opts.processTtlMs;
  const processId = randomBase32(12).toLowerCase();
  const key = (...parts: string[]) => [prefix, ...parts].join(":");
  const evChannel = key("ev");
  const inbox = key("inbox", processId);

  const redisOptions: RedisOptions = {
    lazyConnect: true,
    // Fail fast while Redis is away: the client gets internal-error, /readyz says not ready.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  };
  // Steps started in one event-loop turn (many sockets' frames) go out in one write.
  const cmd = new Redis(opts.url, {
    ...redisOptions,
    connectionName: `duet-${processId}`,
    enableAutoPipelining: true,
  });
  const sub = new Redis(opts.url, { ...redisOptions, connectionName: `duet-${processId}-sub` });
  // Blocking reads of our inbox need a connection of their own.
  const reader = new Redis(opts.url, {
    ...redisOptions,
    connectionName: `duet-${processId}-inbox`,
  });
  // ioredis reports every failed reconnect; one warning per outage is enough.
  let redisDown = false;
  for (
    const [name, conn] of [["command", cmd], ["subscriber", sub], ["inbox", reader]] as const
  ) {
    conn.on("error", (err: Error) => {
      if (!redisDown) log.warn("redis-error", { connection: name, error: err });
      redisDown = true;
    });
    conn.on("ready", () => {
      if (redisDown) log.info("redis-ready", { connection: name });
      redisDown = false;
    });
  }
  for (const [name, lua] of Object.entries(REDIS_SCRIPTS)) {
    cmd.defineCommand(`duet_${name}`, { numberOfKeys: 0, lua });
  }
  const call = cmd as unknown as Record<string, (...args: string[]) => Promise<Result>>;

  // --- acks: a step is complete once its ack came back on our channel ------------------------
  const acks = new Map<string, { resolve: () => void; timer: ReturnType<typeof setTimeout> }>();
  let ackSeq = 0;
  const waitAck = (token: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        acks.delete(token);
        reject(new Error(`no ack from Redis within ${ackTimeoutMs} ms`));
      }, ackTimeoutMs);
      acks.set(token, { resolve, timer });
    });
  const dropAck = (token: string) => {
    const a = acks.get(token);
    if (!a) return;
    clearTimeout(a.timer);
    acks.delete(token);
  };

  /**
   * `promise`, or a rejection after `ms`. ioredis may hold a command that was in flight when the
   * connection dropped (to resend it), so nothing here may wait on Redis without a bound.
   */
  const bounded = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    promise.catch(() => {});
    return Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what}: no answer from Redis in ${ms} ms`)),
          ms,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  };

  /** Runs a script; with `ack`, resolves only after the step's messages reached this process. */
  const run = async (name: RedisScriptName, args: string[], ack: boolean): Promise<Result> => {
    const token = ack ? String(++ackSeq) : "";
    const acked = ack ? waitAck(token) : null;
    // An ack that never comes must not be an unhandled rejection when the script itself failed.
    acked?.catch(() => {});
    try {
      const result = await bounded(
        call[`duet_${name}`](prefix, processId, token, ...args),
        ackTimeoutMs,
        name,
      );
      if (!acked) return result;
      // "0": the step sent nothing here, so there is nothing to wait for.
      if (result[0] === "1") await acked;
      else dropAck(token);
      return result.slice(1);
    } catch (err) {
      if (ack) dropAck(token);
      throw err;
    }
  };

  // --- the local copy of the public room list ---------------------------------------------
  let rooms = new Map<string, RoomInfo>();
  let lastSeq = 0;
  /** Events that arrive while a snapshot loads; null when none is loading. */
  let buffered: { s: number; text: string }[] | null = null;

  type Event = { s: number; room?: RoomInfo; removed?: string };
  /** A RoomInfo read from Redis, or null (logged) if it is not one. */
  const roomFrom = (text: string | unknown): RoomInfo | null => {
    let raw: unknown = text;
    if (typeof text === "string") {
      try {
        raw = JSON.parse(text);
      } catch {
        raw = undefined;
      }
    }
    const r = v.safeParse(RoomInfoSchema, raw);
    if (r.success) return r.output;
    log.error("redis-bad-room", { text: String(text).slice(0, 200) });
    return null;
  };
  /** An event published by a script, validated, or null (logged). */
  const eventFrom = (text: string): Event | null => {
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(text);
    } catch {
      log.error("redis-bad-event", { text: text.slice(0, 200) });
      return null;
    }
    if (typeof raw !== "object" || raw === null || !Number.isSafeInteger(raw.s)) {
      log.error("redis-bad-event", { text: text.slice(0, 200) });
      return null;
    }
    const s = raw.s as number;
    if (typeof raw.removed === "string") return { s, removed: raw.removed };
    // A damaged room still advances the sequence, so it costs no reload.
    const room = roomFrom(raw.room);
    return room === null ? { s } : { s, room };
  };
  const apply = (e: Event) => {
    if (e.s <= lastSeq) return;
    lastSeq = e.s;
    if (e.room) {
      rooms.set(e.room.id, e.room);
      hub.deliver([{ kind: "broadcast", message: { type: "room", room: e.room } }]);
    } else if (e.removed !== undefined && rooms.delete(e.removed)) {
      hub.deliver([{ kind: "broadcast", message: { type: "room-removed", id: e.removed } }]);
    }
  };

  const loadSnapshot = async (announce: boolean) => {
    buffered = [];
    try {
      const [seq, repaired, ...infos] = await run("snapshot", [], false);
      if (Number(repaired) > 0) log.warn("redis-rooms-repaired", { entries: Number(repaired) });
      const fresh = new Map<string, RoomInfo>();
      for (const text of infos) {
        const room = roomFrom(text);
        if (room !== null) fresh.set(room.id, room);
      }
      rooms = fresh;
      lastSeq = Number.isFinite(Number(seq)) ? Number(seq) : 0;
      const pending = buffered;
      buffered = null;
      // Also at start: the hub's batch learns which rooms its clients will hear about.
      if (announce || hub.size === 0) hub.resync();
      for (const e of pending) {
        const parsed = eventFrom(e.text);
        if (parsed !== null) apply(parsed);
      }
    } finally {
      buffered = null;
    }
  };

  let resyncing: Promise<void> | null = null;
  const resync = () => {
    resyncing ??= loadSnapshot(true)
      .catch((err) => log.warn("redis-resync-failed", { error: err }))
      .finally(() => (resyncing = null));
  };

  const onEvent = (text: string) => {
    const e = eventFrom(text);
    if (e === null) return;
    if (buffered !== null) return void buffered.push({ s: e.s, text });
    // A gap means the subscriber missed events (e.g. it reconnected): reload.
    if (e.s > lastSeq + 1) {
      log.warn("redis-event-gap", { expected: lastSeq + 1, got: e.s });
      return resync();
    }
    apply(e);
  };

  const onHook = (text: string) => {
    let event: LobbyEvent;
    try {
      event = JSON.parse(text);
    } catch {
      return log.error("redis-bad-hook", { text: text.slice(0, 200) });
    }
    fireHook(
      opts.hooks,
      event,
      (err) => log.error("hook-failed", { hook: event.type, error: err }),
    );
  };

  const onDirect = (text: string) => {
    if (text.startsWith("#")) return onHook(text.slice(1));
    if (text.startsWith("*")) {
      // One stream message for several local spectators.
      const space = text.indexOf(" ");
      if (space < 0) return;
      const body = text.slice(space + 1);
      for (const id of text.slice(1, space).split(",")) hub.sendText(id, body);
      return;
    }
    if (text.startsWith("!")) {
      const a = acks.get(text.slice(1));
      if (a) {
        clearTimeout(a.timer);
        acks.delete(text.slice(1));
        a.resolve();
      }
      return;
    }
    const space = text.indexOf(" ");
    if (space > 0) hub.sendText(text.slice(0, space), text.slice(space + 1));
  };

  sub.on("message", (channel: string, text: string) => {
    if (channel === evChannel) onEvent(text);
  });

  // Our inbox, read from where we stopped: a reconnect loses nothing.
  let inboxId = "0-0";
  const stopped = () => state === "closing" || state === "closed";
  let stopReading = () => {};
  const readingStopped = new Promise<null>((resolve) => (stopReading = () => resolve(null)));
  const readInbox = async () => {
    while (!stopped()) {
      try {
        // A blocked read in flight when the connection dropped may never settle (ioredis keeps it
        // to resend): past its block time it is abandoned (its entries are read again from
        // inboxId by the next one) and shutdown does not wait for it at all.
        const read = bounded(
          reader.xread("COUNT", 500, "BLOCK", 5000, "STREAMS", inbox, inboxId),
          7000,
          "inbox read",
        );
        const batch = await Promise.race([read, readingStopped]);
        for (const [, entries] of batch ?? []) {
          for (const [id, fields] of entries) {
            inboxId = id;
            if (fields[0] === "m") onDirect(fields[1]);
          }
        }
      } catch (err) {
        if (stopped()) return;
        log.debug("redis-inbox-read-failed", { error: err });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };

  // --- this process's players and liveness ------------------------------------------------
  const local = new Set<PlayerId>();
  /** Players whose `connect` script is under way (not in `local` yet, maybe in Redis already). */
  const connecting = new Set<PlayerId>();
  const addresses = new Map<PlayerId, string>();
  const attempts = createPasswordAttempts(opts.passwordAttempts);
  let state: "starting" | "running" | "lost" | "closing" | "closed" = "starting";
  let aliveAt = 0;

  const register = async () => {
    const results = await bounded(
      cmd.multi()
        .set(key("alive", processId), String(now()), "PX", ttl)
        .sadd(key("procs"), processId)
        .exec(),
      ttl,
      "register",
    );
    const failed = results?.find(([err]) => err !== null)?.[0];
    if (failed) {
      // A damaged registry set must not keep every new process from starting: replace it.
      if (!/WRONGTYPE/.test(String(failed))) throw failed;
      log.error("redis-repaired", { key: key("procs"), error: failed });
      await bounded(
        cmd.multi().del(key("procs")).sadd(key("procs"), processId).exec(),
        ttl,
        "register",
      );
    }
    aliveAt = performance.now();
  };

  const heartbeat = async () => {
    if (state !== "running" && state !== "lost") return;
    try {
      if (state === "lost") {
        // Players Redis still holds for us from before are ghosts now: forget them first (the
        // heartbeat key is gone, so the reap goes ahead), then come back under the same id.
        const reaped = await reap(processId, "disconnected");
        if (reaped > 0) log.warn("redis-process-reaped", { process: processId, players: reaped });
        await register();
        state = "running";
        log.info("redis-registered-again", { process: processId });
        // Redis may have lost everything (its event counter restarts too): reload the list.
        resync();
        return;
      }
      const ok = await bounded(
        cmd.set(key("alive", processId), String(now()), "PX", ttl, "XX"),
        ttl,
        "heartbeat",
      );
      if (ok === null) {
        // Swept as dead (we stalled past the TTL) or Redis lost its data: our players are gone.
        state = "lost";
        log.error("redis-process-lost", { process: processId, players: local.size });
        local.clear();
        opts.onLost?.();
        await heartbeat();
        return;
      }
      aliveAt = performance.now();
    } catch (err) {
      log.debug("redis-heartbeat-failed", { error: err });
    }
  };

  const reap = async (dead: string, reason = "disconnected"): Promise<number> => {
    let removed = 0;
    for (;;) {
      const [status, n] = await run(
        "reap",
        [dead, String(REAP_BATCH), reason, ...graceArgs()],
        false,
      );
      removed += Number(n ?? 0);
      if (status !== "more") break;
    }
    return removed;
  };

  const sweep = async (): Promise<number> => {
    const members = await bounded(cmd.smembers(key("procs")), ackTimeoutMs, "sweep");
    const procs = members.filter((p) => p !== processId);
    if (procs.length === 0) return 0;
    const pipeline = cmd.pipeline();
    for (const p of procs) pipeline.exists(key("alive", p));
    const alive = (await bounded(pipeline.exec(), ackTimeoutMs, "sweep")) ?? [];
    let removed = 0;
    for (const [i, p] of procs.entries()) {
      if (alive[i]?.[1] !== 0) continue;
      const n = await reap(p);
      removed += n;
      log.warn("redis-process-reaped", { process: p, players: n });
    }
    return removed;
  };

  /**
   * Forgets the players Redis holds for this process with no socket here (ghosts), and those of
   * dead processes missing from the process set (which the sweep would never visit).
   */
  const reconcile = async (): Promise<number> => {
    if (state !== "running") return 0;
    let removed = 0;
    const known = new Set(await bounded(cmd.smembers(key("procs")), ackTimeoutMs, "reconcile"));
    const prefixLength = key("procplayers", "").length;
    let cursor = "0";
    for (let i = 0; i < 1000; i++) {
      const [next, keys] = await bounded(
        cmd.scan(cursor, "MATCH", key("procplayers", "*"), "COUNT", 200),
        ackTimeoutMs,
        "reconcile",
      );
      for (const k of keys) {
        const proc = k.slice(prefixLength);
        if (proc === processId || known.has(proc)) continue;
        if ((await cmd.exists(key("alive", proc))) === 1) continue;
        const n = await reap(proc);
        removed += n;
        log.warn("redis-orphans-reaped", { process: proc, players: n });
      }
      cursor = next;
      if (cursor === "0") break;
    }
    const held = await run("members", [], false);
    for (const id of held) {
      if (local.has(id) || connecting.has(id)) continue;
      await run("disconnect", [id, ...graceArgs()], false);
      removed++;
    }
    if (removed > 0) log.warn("redis-ghosts-removed", { process: processId, players: removed });
    return removed;
  };

  const timers: ReturnType<typeof setInterval>[] = [];

  // --- start ------------------------------------------------------------------------------
  try {
    await cmd.connect();
    await sub.connect();
    await reader.connect();
    await sub.subscribe(evChannel);
    await register();
    await loadSnapshot(false);
  } catch (err) {
    cmd.disconnect();
    sub.disconnect();
    reader.disconnect();
    throw new Error(`cannot use Redis at ${opts.url}: ${(err as Error).message}`);
  }
  state = "running";
  const inboxLoop = readInbox();
  // A subscriber that reconnected may have missed events.
  sub.on("ready", () => {
    if (state === "running") resync();
  });
  timers.push(setInterval(heartbeat, Math.max(100, Math.floor(ttl / 3))));
  let sweeping = false;
  timers.push(setInterval(() => {
    if (sweeping || state !== "running") return;
    sweeping = true;
    sweep()
      .catch((err) => log.debug("redis-sweep-failed", { error: err }))
      .finally(() => (sweeping = false));
  }, Math.max(100, Math.floor(ttl / 4))));
  let reconciling = false;
  timers.push(setInterval(() => {
    if (reconciling || state !== "running") return;
    reconciling = true;
    reconcile()
      .catch((err) => log.debug("redis-reconcile-failed", { error: err }))
      .finally(() => (reconciling = false));
  }, opts.reconcileMs ?? 10_000));
  // Held seats whose grace ran out are given up by whichever process looks first: the process
  // that held the seat may be gone by then.
  let expiring = false;
  const expireDue = async (): Promise<number> => {
    const [, n] = await run(
      "expire",
      [String(now()), String(REAP_BATCH), String(RESUME_TOMBSTONE_MS)],
      false,
    );
    return Number(n ?? 0);
  };
  if (graceMs > 0) {
    timers.push(setInterval(() => {
      if (expiring || state !== "running") return;
      expiring = true;
      expireDue()
        .catch((err) => log.debug("redis-expire-failed", { error: err }))
        .finally(() => (expiring = false));
    }, Math.max(50, Math.min(1000, Math.floor(graceMs / 10)))));
  }
  log.info("redis-registry", { process: processId, prefix, rooms: rooms.size });

  // --- steps --------------------------------------------------------------------------------
  const ridArg = (rid: number | undefined) => (rid === undefined ? "" : JSON.stringify(rid));

  const fail = (player: PlayerId, code: ErrorCode, message: string, rid: number | undefined) => {
    metrics.errors.inc({ code });
    hub.sendText(
      player,
      encodeServerMessage(
        rid === undefined
          ? { type: "error", code, message }
          : { type: "error", code, message, rid },
      ),
    );
  };

  /** Turns a script's result into what the client gets; throws on `gone`. */
  const settle = (player: PlayerId, result: Result, rid: number | undefined, notFound = "") => {
    const [status, a, b] = result;
    if (status === "ok") {
      if (a === "paired") metrics.pairings.inc();
      return;
    }
    if (status === "error") {
      const code = a as ErrorCode;
      return fail(player, code, code === "room-not-found" ? notFound : b, rid);
    }
    throw new Error(`player ${player} is not registered in Redis (${status})`);
  };

  /** Runs a step that mints ids, again with fresh ones if an id collided (50+ random bits). */
  const withIds = async (f: () => Promise<Result>): Promise<Result> => {
    for (let i = 0; i < 5; i++) {
      const r = await f();
      if (r[0] !== "retry") return r;
    }
    throw new Error("could not mint a unique room id");
  };

  const roomId = () => randomBase32(ID_LENGTH).toLowerCase();
  const session = () => randomBase32(SESSION_LENGTH);
  /** Resume tokens for a new pairing's two seats ("" when seats are never held). */
  const tokens = () =>
    graceMs > 0 ? [randomBase32(RESUME_TOKEN_LENGTH), randomBase32(RESUME_TOKEN_LENGTH)] : ["", ""];

  const pong = (player: PlayerId, m: ClientMessageOf<"ping">) => {
    // Earlier steps were delivered before they completed, so a direct reply stays in order, and
    // needs no Redis round trip (ping measures the lobby's latency, not Redis's).
    hub.sendText(
      player,
      encodeServerMessage({
        type: "pong",
        ...(m.t === undefined ? {} : { t: m.t }),
        ...(m.rid === undefined ? {} : { rid: m.rid }),
      }),
    );
  };

  /**
   * Whether `m.password` opens a room whose stored password is `pw` ("" for none); otherwise
   * answers the error. Counted by this process (per room and per address): a guesser spread over
   * N processes gets N times the free attempts, then backs off on each.
   */
  const passwordOk = (
    player: PlayerId,
    id: string,
    pw: string,
    m: { password?: string; rid?: number },
  ): boolean => {
    if (pw === "") return true;
    const keys = [`room:${id}`, `ip:${addresses.get(player) ?? ""}`];
    const t = performance.now();
    const wait = attempts.wait(keys, t);
    if (wait > 0) {
      metrics.errors.inc({ code: "too-many-attempts" });
      hub.sendText(
        player,
        encodeServerMessage({
          type: "error",
          code: "too-many-attempts",
          message: "too many wrong passwords; wait a little",
          retryAfterMs: wait,
          ...(m.rid === undefined ? {} : { rid: m.rid }),
        }),
      );
      return false;
    }
    const [salt, hash] = pw.split(":");
    if (
      salt === undefined || hash === undefined ||
      !verifyPassword({ salt: fromHex(salt), hash: fromHex(hash) }, m.password ?? "")
    ) {
      if (m.password) attempts.failed(keys, t);
      const text = m.password ? "wrong password" : "this room needs a password";
      fail(player, "wrong-password", text, m.rid);
      return false;
    }
    return true;
  };

  const step = async (
    player: PlayerId,
    m: Exclude<ClientMessage, { type: "ping" }>,
  ): Promise<void> => {
    const rid = ridArg(m.rid);
    switch (m.type) {
      case "hello": {
        const scoped = m.game !== undefined || m.version !== undefined;
        // "Ann", "Ann (2)", ... and a random last resort: the script takes the first whose
        // look-alike skeleton no other live player holds.
        const names = [m.name];
        for (let n = 2; n <= 9; n++) names.push(numberedName(m.name, n, PLAYER_NAME_MAX_LENGTH));
        names.push(`${m.name.slice(0, PLAYER_NAME_MAX_LENGTH - 5)}-${randomBase32(4)}`);
        const result = await run("rename", [
          player,
          rid,
          scoped ? "1" : "0",
          m.game ?? "",
          m.version ?? "",
          ...names.flatMap((x) => [x, nameSkeleton(x)]),
        ], true);
        settle(player, result, m.rid);
        // The scope changed: this player's room list now shows the new one.
        if (result[0] === "ok" && result[3] === "1") {
          hub.deliver([{ kind: "scope", to: player, game: result[1], version: result[2] }]);
        }
        return;
      }
      case "create": {
        const pw = m.password ? m.password : "";
        const stored = pw === "" ? "" : (() => {
          const h = hashPassword(pw);
          return `${toHex(h.salt)}:${toHex(h.hash)}`;
        })();
        const result = await withIds(() =>
          run("create", [
            player,
            roomId(),
            m.name,
            m.private === true ? randomBase32(INVITE_CODE_LENGTH) : "",
            stored,
            String(now()),
            String(maxRooms),
            rid,
          ], true)
        );
        return settle(player, result, m.rid);
      }
      case "join": {
        const notFound = `no room ${JSON.stringify(m.room)}`;
        const found = await run(
          "resolve",
          [player, m.room.toLowerCase(), m.room.toUpperCase()],
          false,
        );
        if (found[0] !== "ok") return settle(player, found, m.rid, notFound);
        const [, id, pw] = found;
        if (!passwordOk(player, id, pw, m)) return;
        return settle(
          player,
          await run("join", [player, id, pw, rid, session(), ...tokens()], true),
          m.rid,
          notFound,
        );
      }
      case "quick": {
        const result = await withIds(() =>
          run(
            "quick",
            [player, roomId(), String(now()), String(maxRooms), rid, session(), ...tokens()],
            true,
          )
        );
        return settle(player, result, m.rid);
      }
      case "leave":
        return settle(player, await run("leave", [player, rid], true), m.rid);
      case "resume": {
        const args = [player, m.token, rid, String(now()), String(RESUME_TOMBSTONE_MS)];
        return settle(player, await run("resume", args, true), m.rid);
      }
      case "list": {
        // The room list is local: no Redis round trip.
        const e = { kind: "list" as const, to: player, filter: m.filter ?? "" };
        return hub.deliver([m.rid === undefined ? e : { ...e, rid: m.rid }]);
      }
      case "watch": {
        const notFound = `no room ${JSON.stringify(m.room)}`;
        const found = await run(
          "resolve",
          [player, m.room.toLowerCase(), m.room.toUpperCase(), "watch"],
          false,
        );
        if (found[0] !== "ok") return settle(player, found, m.rid, notFound);
        const [, id, pw] = found;
        if (!passwordOk(player, id, pw, m)) return;
        return settle(
          player,
          await run("watch", [player, id, pw, rid, String(maxSpectators)], true),
          m.rid,
          notFound,
        );
      }
      case "stream": {
        const header = m.header === undefined ? "" : JSON.stringify(m.header);
        const result = await run("stream", [
          player,
          String(m.from),
          m.inputs,
          header,
          String(maxBacklog),
          String(STREAM_BACKLOG_TTL_MS),
        ], true);
        return settle(player, result, m.rid);
      }
      case "stream-end":
        return settle(
          player,
          await run("streamend", [player, m.reason ?? "match-over"], true),
          m.rid,
        );
      case "signal": {
        const data = JSON.stringify(m.data);
        const result = await run("signal", [player, m.data.kind, data, m.session ?? ""], true);
        if (result[0] === "ok" && result[1] !== "stale") {
          metrics.relayedMessages.inc({ kind: m.data.kind });
          metrics.relayedBytes.inc(undefined, signalBytes(m.data));
        }
        return settle(player, result, m.rid);
      }
    }
  };

  const close = async () => {
    if (state === "closing" || state === "closed") return;
    state = "closing";
    for (const t of timers) clearInterval(t);
    try {
      // Everyone here leaves at once: drop our heartbeat, then remove our players in batches.
      await bounded(cmd.del(key("alive", processId)), ackTimeoutMs, "release");
      const removed = await reap(processId, "shutdown");
      log.info("redis-released", { process: processId, players: removed });
    } catch (err) {
      log.warn("redis-release-failed", { error: err });
    }
    for (const a of acks.values()) clearTimeout(a.timer);
    acks.clear();
    local.clear();
    state = "closed";
    await Promise.allSettled([
      bounded(cmd.quit(), 1000, "quit"),
      bounded(sub.quit(), 1000, "quit"),
    ]);
    cmd.disconnect();
    sub.disconnect();
    // Ends the blocked XREAD; the loop sees the state and stops.
    stopReading();
    reader.disconnect();
    await inboxLoop;
  };

  const status = (): RegistryStatus => {
    if (state !== "running") return { ready: false, detail: `redis registry ${state}` };
    if (cmd.status !== "ready" || sub.status !== "ready" || reader.status !== "ready") {
      return { ready: false, detail: `redis ${cmd.status}/${sub.status}/${reader.status}` };
    }
    if (performance.now() - aliveAt > ttl) return { ready: false, detail: "heartbeat overdue" };
    return { ready: true, detail: `redis process ${processId}` };
  };

  return {
    kind: "redis",
    processId,
    connect(address) {
      const id = randomBase32(ID_LENGTH).toLowerCase();
      const name = `Player-${randomBase32(4)}`;
      connecting.add(id);
      addresses.set(id, address ?? "");
      const ready = (async () => {
        try {
          const [result] = await run("connect", [id, name], false);
          if (result !== "ok") throw new Error(`this lobby process is not registered (${result})`);
          local.add(id);
        } catch (err) {
          addresses.delete(id);
          throw err;
        } finally {
          connecting.delete(id);
        }
      })();
      return { id, name, ready };
    },
    handle(player, message) {
      if (state === "closing" || state === "closed") return;
      if (message.type === "ping") return pong(player, message);
      return step(player, message);
    },
    async disconnect(player) {
      // While closing, close() removes every local player in one sweep.
      if (state === "closing" || state === "closed") return;
      local.delete(player);
      addresses.delete(player);
      // Nobody else would ever retry a lost disconnect (the socket is gone): retry until it
      // lands, or until this process is fenced or closing (then the reap removes the player).
      for (let attempt = 0;; attempt++) {
        try {
          await run("disconnect", [player, ...graceArgs()], false);
          return;
        } catch (err) {
          if (state !== "running" && state !== "starting") return;
          if (attempt === 0) log.warn("redis-disconnect-retry", { player, error: err });
          await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** Math.min(attempt, 6))));
        }
      }
    },
    publicRooms: () => Array.from(rooms.values()),
    async roomStates() {
      const raw = await bounded(cmd.hgetall(key("states")), ackTimeoutMs, "room states");
      // A damaged counter reads as 0, never NaN in /metrics.
      const n = (s: RoomState) => {
        const x = Number(raw[s] ?? 0);
        return Number.isFinite(x) ? Math.max(0, x) : 0;
      };
      return { open: n("open"), full: n("full"), playing: n("playing") };
    },
    localPlayers: () => local.size,
    status,
    close,
    sweep,
    reconcile,
    expireDue,
  };
}
