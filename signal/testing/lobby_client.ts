/**
 * A real WebSocket lobby client for tests, speaking the DESIGN.md protocol: every message it
 * receives is checked against the shared schema, so a server cannot send anything a
 * schema-following client would reject. Test-only.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  parseServerMessage,
  type RoomInfo,
  type ServerMessage,
  type ServerMessageOf,
} from "../../shared/lobby_protocol.ts";
import { DEFAULT_ROOM_LIST_TICK_MS } from "../../shared/limits.ts";

/** How long `expect` and friends wait by default. */
export const TIMEOUT_MS = 2000;

/** A server message type. */
export type Type = ServerMessage["type"];
const LIST_TYPES: ReadonlySet<Type> = new Set<Type>(["room", "room-removed"]);

/**
 * A client with two inboxes: room-list pushes (`room`, `room-removed`), which other players'
 * actions cause at any time, and everything else. Order is strict within each inbox.
 */
export interface TestClient {
  readonly welcome: ServerMessageOf<"welcome">;
  readonly rooms: RoomInfo[];
  /** Sends a JSON message (objects are stringified; strings and bytes go as they are). */
  send(message: unknown): void;
  /** The next message of its inbox, which must be of `type`. */
  expect<T extends Type>(type: T): Promise<ServerMessageOf<T>>;
  /** Skips messages of the inbox until one of `type` arrives. */
  skipTo<T extends Type>(type: T): Promise<ServerMessageOf<T>>;
  /**
   * Waits out the room-list tick, then round-trips a ping; returns what arrived before the pong
   * in each inbox (to prove silence, or to collect everything a step caused).
   */
  drain(): Promise<{ messages: ServerMessage[]; list: ServerMessage[] }>;
  /** Resolves with the close event once the socket is closed (by either side). */
  readonly closed: Promise<CloseEvent>;
  close(): Promise<void>;
}

/** Rejects with a message naming `what` if `promise` takes longer than `ms`. */
export function timeout<T>(promise: Promise<T>, what: string, ms = TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** A queue of messages with awaiting readers; an Error pushed in fails the next read. */
function inbox(isClosed: () => boolean) {
  const queue: (ServerMessage | Error)[] = [];
  const waiters: ((m: ServerMessage | Error) => void)[] = [];
  return {
    push(item: ServerMessage | Error) {
      const waiter = waiters.shift();
      if (waiter) waiter(item);
      else queue.push(item);
    },
    fail(error: Error) {
      for (const w of waiters.splice(0)) w(error);
    },
    /** Whatever is queued now, without waiting. */
    take(): ServerMessage[] {
      return queue.splice(0).map((m) => {
        if (m instanceof Error) throw m;
        return m;
      });
    },
    next(what: string): Promise<ServerMessage> {
      const queued = queue.shift();
      if (queued instanceof Error) return Promise.reject(queued);
      if (queued) return Promise.resolve(queued);
      if (isClosed()) return Promise.reject(new Error(`socket closed while waiting for ${what}`));
      const p = new Promise<ServerMessage>((resolve, reject) =>
        waiters.push((m) => (m instanceof Error ? reject(m) : resolve(m)))
      );
      return timeout(p, what);
    },
  };
}

/** Connects, waits for `welcome` and `rooms`, and returns the client. */
export async function connectClient(
  url: string,
  init?: { headers?: Record<string, string> },
): Promise<TestClient> {
  // Deno's WebSocket accepts headers (used to send an Origin like a browser would).
  const ws = init?.headers
    ? new WebSocket(url, { headers: init.headers } as unknown as string[])
    : new WebSocket(url);
  const isClosed = () => ws.readyState === WebSocket.CLOSED;
  const main = inbox(isClosed);
  const list = inbox(isClosed);
  const inboxOf = (type: Type) => (LIST_TYPES.has(type) ? list : main);
  let pingRid = 1_000_000;
  ws.onmessage = (event) => {
    const parsed = parseServerMessage(String(event.data));
    if (!parsed.ok) {
      main.push(new Error(`server sent an invalid message: ${parsed.message}: ${event.data}`));
    } else inboxOf(parsed.value.type).push(parsed.value);
  };
  const closed = new Promise<CloseEvent>((resolve) => {
    ws.onclose = (event) => {
      resolve(event);
      const error = new Error(`socket closed (${event.code} ${event.reason})`);
      main.fail(error);
      list.fail(error);
    };
  });
  const expect = async <T extends Type>(type: T) => {
    const m = await inboxOf(type).next(type);
    assert.equal(m.type, type, `expected ${type}, got ${JSON.stringify(m)}`);
    return m as ServerMessageOf<T>;
  };
  await timeout(
    new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("could not connect"));
    }),
    "open",
  );
  const welcome = await expect("welcome");
  const rooms = (await expect("rooms")).rooms;
  const client: TestClient = {
    welcome,
    rooms,
    send: (m) =>
      ws.send(
        typeof m === "string"
          ? m
          : m instanceof Uint8Array
          ? m as Uint8Array<ArrayBuffer>
          : JSON.stringify(m),
      ),
    expect,
    async skipTo(type) {
      for (;;) {
        const m = await inboxOf(type).next(type);
        if (m.type === type) return m as ServerMessageOf<typeof type>;
      }
    },
    async drain() {
      // Room-list changes go out on the lobby's tick: let the one under way pass first.
      await new Promise((r) => setTimeout(r, DEFAULT_ROOM_LIST_TICK_MS + 50));
      const rid = ++pingRid;
      client.send({ type: "ping", rid });
      const messages: ServerMessage[] = [];
      for (;;) {
        const m = await main.next("pong");
        if (m.type === "pong" && m.rid === rid) return { messages, list: list.take() };
        messages.push(m);
      }
    },
    closed,
    async close() {
      if (!isClosed()) ws.close();
      await timeout(closed, "close");
    },
  };
  return client;
}
