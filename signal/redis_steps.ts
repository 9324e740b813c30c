/**
 * The Redis registry's steps: one client message, one script (two for join and watch: resolve,
 * then the password is checked here, then the step), its result turned into what the client
 * gets. `ping` and `list` need no Redis at all.
 *
 * @module
 */
import {
  type ClientMessage,
  type ClientMessageOf,
  encodeServerMessage,
  type ErrorCode,
} from "../shared/lobby_protocol.ts";
import { nameSkeleton, numberedName } from "../shared/display_name.ts";
import {
  INVITE_CODE_LENGTH,
  PLAYER_NAME_MAX_LENGTH,
  RESUME_TOKEN_LENGTH,
  RESUME_TOMBSTONE_MS,
  STREAM_BACKLOG_TTL_MS,
} from "../shared/limits.ts";
import type { LobbyHub } from "./lobby_hub.ts";
import { type LobbyMetrics, signalBytes } from "./lobby_metrics.ts";
import type { PasswordAttempts } from "./password_attempts.ts";
import { randomBase32 } from "./random_id.ts";
import type { RedisClient, ScriptResult as Result } from "./redis_client.ts";
import type { PlayerId } from "./room_registry.ts";
import { hashPassword, verifyPassword } from "./room_password.ts";

/** Length of room and player ids. */
export const ID_LENGTH = 10;
const SESSION_LENGTH = 16;

const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const fromHex = (s: string) => new Uint8Array((s.match(/../g) ?? []).map((h) => parseInt(h, 16)));

/** What the steps need of the registry. */
export interface StepContext {
  run: RedisClient["run"];
  hub: LobbyHub;
  metrics: LobbyMetrics;
  /** Per-IP keys of local players, for the password backoff. */
  addresses: Map<PlayerId, string>;
  attempts: PasswordAttempts;
  now: () => number;
  maxRooms: number;
  maxSpectators: number;
  maxBacklog: number;
  graceMs: number;
}

/** Handles one message of a local player (everything but `ping`, see {@link pong}). */
export type StepHandler = (
  player: PlayerId,
  m: Exclude<ClientMessage, { type: "ping" }>,
) => Promise<void>;

/**
 * Answers `ping` at once: earlier steps were delivered before they completed, so a direct reply
 * stays in order, and needs no Redis round trip (ping measures the lobby's latency, not Redis's).
 */
export function pong(hub: LobbyHub, player: PlayerId, m: ClientMessageOf<"ping">): void {
  hub.sendText(
    player,
    encodeServerMessage({
      type: "pong",
      ...(m.t === undefined ? {} : { t: m.t }),
      ...(m.rid === undefined ? {} : { rid: m.rid }),
    }),
  );
}

/** Creates the step handler. */
export function createRedisSteps(ctx: StepContext): StepHandler {
  const { run, hub, metrics, addresses, attempts, now, maxRooms, maxSpectators, maxBacklog } = ctx;
  const graceMs = ctx.graceMs;
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

  return async (player, m) => {
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
          [player, m.room.toLowerCase(), m.room.toUpperCase(), "watch", String(maxSpectators)],
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
}
