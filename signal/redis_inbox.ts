/**
 * Cross-process delivery: this process's inbox stream (`<P>:inbox:<process>`), where scripts
 * append what they send to players whose sockets are here, the hook events of steps this process
 * ran, and the acks of its steps. Read with a blocking XREAD from the last id seen, so a reader
 * that reconnects after a blip resumes where it stopped and loses nothing.
 *
 * @module
 */
import type { Redis } from "ioredis";
import { boundedBy } from "./redis_client.ts";
import { fireHook, type LobbyEvent, type LobbyHooks } from "./lobby_hooks.ts";
import type { LobbyHub } from "./lobby_hub.ts";
import type { Logger } from "./log.ts";
import type { PlayerId } from "./room_registry.ts";

/** One inbox entry, as redis_scripts.ts writes them. */
export type InboxEntry =
  /** `"<id> <json>"`: a message for one player. */
  | { kind: "one"; to: PlayerId; text: string }
  /** `"*<id>,<id>,... <json>"`: one message for several players (a room's spectators here). */
  | { kind: "many"; to: PlayerId[]; text: string }
  /** `"#<json>"`: a hook event (lobby_hooks.ts) of a step this process ran. */
  | { kind: "hook"; text: string }
  /** `"!<token>"`: a step of this process is complete. */
  | { kind: "ack"; token: string };

/** Parses an entry's `m` field; null for anything else (nothing stored is trusted). */
export function parseInboxEntry(text: string): InboxEntry | null {
  const c = text[0];
  if (c === "#") return { kind: "hook", text: text.slice(1) };
  if (c === "!") return { kind: "ack", token: text.slice(1) };
  const space = text.indexOf(" ");
  if (c === "*") {
    if (space < 0) return null;
    return { kind: "many", to: text.slice(1, space).split(","), text: text.slice(space + 1) };
  }
  if (space <= 0) return null;
  return { kind: "one", to: text.slice(0, space), text: text.slice(space + 1) };
}

/** Where {@link deliverInboxEntry} sends what an entry carries. */
export interface InboxTargets {
  hub: Pick<LobbyHub, "sendText">;
  /** A step of this process is complete (RedisClient.ackArrived). */
  ackArrived(token: string): void;
  hooks?: LobbyHooks;
  log: Logger;
}

/**
 * Delivers one entry's `m` field: messages to the hub, hook events to the hooks, acks to the
 * client. A malformed entry or hook is dropped (logged), never thrown: the reader goes on.
 */
export function deliverInboxEntry(text: string, to: InboxTargets): void {
  const e = parseInboxEntry(text);
  if (e === null) return;
  switch (e.kind) {
    case "one":
      return void to.hub.sendText(e.to, e.text);
    case "many":
      for (const id of e.to) to.hub.sendText(id, e.text);
      return;
    case "hook":
      return fireHookText(e.text, to);
    case "ack":
      return to.ackArrived(e.token);
  }
}

function fireHookText(text: string, to: InboxTargets): void {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    return to.log.error("redis-bad-hook", { text: text.slice(0, 200) });
  }
  // Another process wrote it, but a damaged entry (`#null`, `#5`) must not reach a hook.
  if (
    typeof event !== "object" || event === null || typeof (event as LobbyEvent).type !== "string"
  ) {
    return to.log.error("redis-bad-hook", { text: text.slice(0, 200) });
  }
  const e = event as LobbyEvent;
  fireHook(to.hooks, e, (err) => to.log.error("hook-failed", { hook: e.type, error: err }));
}

/** Options of {@link startInboxReader}. */
export interface InboxReaderOptions {
  reader: Redis;
  /** The stream's key. */
  inbox: string;
  /** Called for each entry's `m` field, in stream order. */
  onEntry: (text: string) => void;
  log: Logger;
}

/** A running reader. */
export interface InboxReader {
  /** Ends the loop (a blocked read in flight is abandoned); resolves when it ended. */
  stop(): Promise<void>;
}

/** Reads the inbox until stopped. */
export function startInboxReader(opts: InboxReaderOptions): InboxReader {
  const { reader, inbox, onEntry, log } = opts;
  let lastId = "0-0";
  let stopped = false;
  let stopReading = () => {};
  const readingStopped = new Promise<null>((resolve) => (stopReading = () => resolve(null)));
  const loop = (async () => {
    while (!stopped) {
      try {
        // A blocked read in flight when the connection dropped may never settle (ioredis keeps it
        // to resend): past its block time it is abandoned (its entries are read again from
        // lastId by the next one) and shutdown does not wait for it at all.
        const read = boundedBy(
          reader.xread("COUNT", 500, "BLOCK", 5000, "STREAMS", inbox, lastId),
          7000,
          "inbox read",
        );
        const batch = await Promise.race([read, readingStopped]);
        for (const [, entries] of batch ?? []) {
          for (const [id, fields] of entries) {
            lastId = id;
            if (fields[0] === "m") onEntry(fields[1]);
          }
        }
      } catch (err) {
        if (stopped) return;
        log.debug("redis-inbox-read-failed", { error: err });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  })();
  return {
    stop() {
      stopped = true;
      stopReading();
      return loop;
    },
  };
}
