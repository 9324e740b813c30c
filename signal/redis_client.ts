/**
 * The Redis registry's connections and its one way of running a step: a Lua script
 * (redis_scripts.ts, loaded once and called by EVALSHA), optionally followed by its ack.
 *
 * Three connections: commands (the scripts of many sockets' frames in one turn share a write),
 * the room-list subscriber, and the blocking inbox reader. Every wait on Redis is
 * bounded (redis_deadlines.ts).
 *
 * @module
 */
import { Redis, type RedisOptions } from "ioredis";
import { createDeadlines, type Deadline } from "./redis_deadlines.ts";
import type { Logger } from "./log.ts";
import { REDIS_SCRIPTS, type RedisScriptName } from "./redis_scripts.ts";

/** A script's reply: an array of strings (redis_scripts.ts). */
export type ScriptResult = string[];

/** Options of {@link createRedisClient}. */
export interface RedisClientOptions {
  url: string;
  prefix: string;
  processId: string;
  /** How long a script or its ack may take before the step fails. */
  ackTimeoutMs: number;
  log: Logger;
}

/** What the registry's parts share of Redis. */
export interface RedisClient {
  readonly cmd: Redis;
  readonly sub: Redis;
  readonly reader: Redis;
  /** `<prefix>:<part>:<part>...` */
  key(...parts: string[]): string;
  /**
   * Runs a script; with `ack`, resolves only after everything the step sent to this process's
   * inbox arrived here (the caller resolves acks through {@link RedisClient.ackArrived}).
   */
  run(name: RedisScriptName, args: string[], ack: boolean): Promise<ScriptResult>;
  /** `promise`, or a rejection after the ack timeout. */
  bound<T>(promise: Promise<T>, what: string): Promise<T>;
  /** An inbox entry `!<token>` arrived. */
  ackArrived(token: string): void;
  /** Opens the three connections. */
  connect(): Promise<void>;
  /** Fails every pending wait's timer silently and closes the connections. */
  close(): Promise<void>;
  /** "ready/ready/ready" or the three statuses. */
  readonly ready: boolean;
  readonly statusText: string;
}

/** `promise`, or a rejection after `ms` (for the few waits with a limit of their own). */
export function boundedBy<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  promise.catch(() => {});
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer from Redis in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Creates the connections (not yet connected) and defines the scripts. */
export function createRedisClient(opts: RedisClientOptions): RedisClient {
  const { prefix, processId, log, ackTimeoutMs } = opts;
  const redisOptions: RedisOptions = {
    lazyConnect: true,
    // Fail fast while Redis is away: the client gets internal-error, /readyz says not ready.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  };
  const cmd = new Redis(opts.url, { ...redisOptions, connectionName: `duet-${processId}` });
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
  // defineCommand sends EVALSHA (EVAL only the first time, or after Redis lost its scripts).
  for (const [name, lua] of Object.entries(REDIS_SCRIPTS)) {
    cmd.defineCommand(`duet_${name}`, { numberOfKeys: 0, lua });
  }
  const call = cmd as unknown as Record<string, (...args: string[]) => Promise<ScriptResult>>;
  const deadlines = createDeadlines(ackTimeoutMs);

  // --- scripts of one turn share a write ----------------------------------------------------
  // Frames of many sockets read in one poll are handled in one microtask checkpoint; their
  // scripts go out as one pipeline flushed by a microtask queued behind them. (ioredis's own
  // autopipelining defers by setImmediate, which under Deno added ~1 ms to every relay.)
  type Pending = {
    name: string;
    args: string[];
    resolve: (r: ScriptResult) => void;
    reject: (e: unknown) => void;
  };
  let pending: Pending[] = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    if (batch.length === 1) {
      const b = batch[0];
      return void call[b.name](...b.args).then(b.resolve, b.reject);
    }
    const pipeline = cmd.pipeline() as unknown as
      & Record<string, (...args: string[]) => void>
      & { exec(): Promise<[Error | null, unknown][] | null> };
    for (const b of batch) pipeline[b.name](...b.args);
    pipeline.exec().then((results) => {
      for (const [i, b] of batch.entries()) {
        const [err, result] = results?.[i] ?? [new Error("pipeline lost its reply"), null];
        if (err) b.reject(err);
        else b.resolve(result as ScriptResult);
      }
    }, (err) => {
      for (const b of batch) b.reject(err);
    });
  };
  const send = (name: RedisScriptName, args: string[]) =>
    new Promise<ScriptResult>((resolve, reject) => {
      pending.push({ name: `duet_${name}`, args, resolve, reject });
      if (pending.length === 1) queueMicrotask(flush);
    });

  // --- acks: a step is complete once its ack came back through our inbox --------------------
  const acks = new Map<string, { resolve: () => void; deadline: Deadline }>();
  let ackSeq = 0;
  const waitAck = (token: string) =>
    new Promise<void>((resolve, reject) => {
      const deadline = deadlines.add(() => {
        acks.delete(token);
        reject(new Error(`no ack from Redis within ${ackTimeoutMs} ms`));
      });
      acks.set(token, { resolve, deadline });
    });
  const dropAck = (token: string) => {
    const a = acks.get(token);
    if (!a) return;
    a.deadline.cancel();
    acks.delete(token);
  };

  const run = async (
    name: RedisScriptName,
    args: string[],
    ack: boolean,
  ): Promise<ScriptResult> => {
    const token = ack ? String(++ackSeq) : "";
    const acked = ack ? waitAck(token) : null;
    // An ack that never comes must not be an unhandled rejection when the script itself failed.
    acked?.catch(() => {});
    try {
      const result = await deadlines.bound(
        send(name, [prefix, processId, token, ...args]),
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

  return {
    cmd,
    sub,
    reader,
    key: (...parts) => [prefix, ...parts].join(":"),
    run,
    bound: (promise, what) => deadlines.bound(promise, what),
    ackArrived(token) {
      const a = acks.get(token);
      if (!a) return;
      a.deadline.cancel();
      acks.delete(token);
      a.resolve();
    },
    async connect() {
      try {
        await cmd.connect();
        await sub.connect();
        await reader.connect();
      } catch (err) {
        cmd.disconnect();
        sub.disconnect();
        reader.disconnect();
        throw err;
      }
    },
    async close() {
      deadlines.clear();
      acks.clear();
      await Promise.allSettled([
        boundedBy(cmd.quit(), 1000, "quit"),
        boundedBy(sub.quit(), 1000, "quit"),
      ]);
      cmd.disconnect();
      sub.disconnect();
      reader.disconnect();
    },
    get ready() {
      return cmd.status === "ready" && sub.status === "ready" && reader.status === "ready";
    },
    get statusText() {
      return `${cmd.status}/${sub.status}/${reader.status}`;
    },
  };
}
