/**
 * The Redis registry's steps: one client message, one script (two for join and watch: resolve,
 * then the password is checked here, then the step), its result turned into what the client
 * gets. `ping` and `list` need no Redis at all. Reading a result is redis_step_outcome.ts's and
 * the stored password's format redis_stored_password.ts's, both tested without Redis.
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
import { errorText, stepOutcome } from "./redis_step_outcome.ts";
import { decodeStoredPassword, encodeStoredPassword } from "./redis_stored_password.ts";
import type { PlayerId } from "./room_registry.ts";
import { hashPassword, verifyPassword } from "./room_password.ts";

/** Length of room and player ids. */
export const ID_LENGTH = 10;
const SESSION_LENGTH = 16;

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

/** Creates the step handler: one message, one step below. */
export function createRedisSteps(ctx: StepContext): StepHandler {
  return async (player, m) => {
    switch (m.type) {
      case "hello":
        return await hello(ctx, player, m);
      case "create":
        return await create(ctx, player, m);
      case "join":
        return await openRoom(ctx, player, m, [], (id, pw, rid) => [
          "join",
          [player, id, pw, rid, session(), ...tokens(ctx.graceMs)],
        ]);
      case "quick":
        return await quick(ctx, player, m);
      case "leave":
        return settle(ctx, player, await ctx.run("leave", [player, ridArg(m.rid)], true), m.rid);
      case "resume": {
        const args = [
          player,
          m.token,
          ridArg(m.rid),
          String(ctx.now()),
          String(RESUME_TOMBSTONE_MS),
        ];
        return settle(ctx, player, await ctx.run("resume", args, true), m.rid);
      }
      case "list": {
        // The room list is local: no Redis round trip.
        const e = { kind: "list" as const, to: player, filter: m.filter ?? "" };
        return ctx.hub.deliver([m.rid === undefined ? e : { ...e, rid: m.rid }]);
      }
      case "watch": {
        const max = String(ctx.maxSpectators);
        return await openRoom(ctx, player, m, ["watch", max], (id, pw, rid) => [
          "watch",
          [player, id, pw, rid, max],
        ]);
      }
      case "stream":
        return await stream(ctx, player, m);
      case "stream-end": {
        const result = await ctx.run("streamend", [player, m.reason ?? "match-over"], true);
        return settle(ctx, player, result, m.rid);
      }
      case "signal":
        return await relaySignal(ctx, player, m);
    }
  };
}

const ridArg = (rid: number | undefined) => (rid === undefined ? "" : JSON.stringify(rid));
const roomId = () => randomBase32(ID_LENGTH).toLowerCase();
const session = () => randomBase32(SESSION_LENGTH);
/** Resume tokens for a new pairing's two seats ("" when seats are never held). */
const tokens = (graceMs: number) =>
  graceMs > 0 ? [randomBase32(RESUME_TOKEN_LENGTH), randomBase32(RESUME_TOKEN_LENGTH)] : ["", ""];

/**
 * The names `hello` offers the script, best first: "Ann", "Ann (2)", ... "Ann (9)", then
 * "Ann-<suffix>" as a last resort. The script takes the first whose look-alike skeleton no other
 * live player holds, so each goes with its skeleton.
 */
export function helloNames(name: string, suffix: string): string[] {
  const names = [name];
  for (let n = 2; n <= 9; n++) names.push(numberedName(name, n, PLAYER_NAME_MAX_LENGTH));
  names.push(`${name.slice(0, PLAYER_NAME_MAX_LENGTH - 5)}-${suffix}`);
  return names.flatMap((x) => [x, nameSkeleton(x)]);
}

function fail(
  ctx: StepContext,
  player: PlayerId,
  code: ErrorCode,
  message: string,
  rid: number | undefined,
  retryAfterMs?: number,
): void {
  ctx.metrics.errors.inc({ code });
  ctx.hub.sendText(player, errorText(code, message, rid, retryAfterMs));
}

/** Delivers a script's result (stepOutcome); throws on `gone`. */
function settle(
  ctx: StepContext,
  player: PlayerId,
  result: Result,
  rid: number | undefined,
  notFound = "",
): void {
  const outcome = stepOutcome(result, notFound);
  switch (outcome.kind) {
    case "ok":
      if (outcome.paired) ctx.metrics.pairings.inc();
      return;
    case "error":
      return fail(ctx, player, outcome.code, outcome.message, rid);
    case "gone":
      throw new Error(`player ${player} is not registered in Redis (${outcome.status})`);
  }
}

/** Runs a step that mints ids, again with fresh ones if an id collided (50+ random bits). */
async function withIds(f: () => Promise<Result>): Promise<Result> {
  for (let i = 0; i < 5; i++) {
    const r = await f();
    if (r[0] !== "retry") return r;
  }
  throw new Error("could not mint a unique room id");
}

/**
 * Whether `m.password` opens a room whose stored password is `pw` ("" for none); otherwise
 * answers the error. Counted by this process (per room and per address): a guesser spread over
 * N processes gets N times the free attempts, then backs off on each.
 */
function passwordOk(
  ctx: StepContext,
  player: PlayerId,
  id: string,
  pw: string,
  m: { password?: string; rid?: number },
): boolean {
  if (pw === "") return true;
  const keys = [`room:${id}`, `ip:${ctx.addresses.get(player) ?? ""}`];
  const t = performance.now();
  const wait = ctx.attempts.wait(keys, t);
  if (wait > 0) {
    const text = "too many wrong passwords; wait a little";
    fail(ctx, player, "too-many-attempts", text, m.rid, wait);
    return false;
  }
  const stored = decodeStoredPassword(pw);
  if (stored === null || !verifyPassword(stored, m.password ?? "")) {
    if (m.password) ctx.attempts.failed(keys, t);
    const text = m.password ? "wrong password" : "this room needs a password";
    fail(ctx, player, "wrong-password", text, m.rid);
    return false;
  }
  return true;
}

async function hello(ctx: StepContext, player: PlayerId, m: ClientMessageOf<"hello">) {
  const scoped = m.game !== undefined || m.version !== undefined;
  const result = await ctx.run("rename", [
    player,
    ridArg(m.rid),
    scoped ? "1" : "0",
    m.game ?? "",
    m.version ?? "",
    ...helloNames(m.name, randomBase32(4)),
  ], true);
  settle(ctx, player, result, m.rid);
  // The scope changed: this player's room list now shows the new one.
  if (result[0] === "ok" && result[3] === "1") {
    ctx.hub.deliver([{ kind: "scope", to: player, game: result[1], version: result[2] }]);
  }
}

async function create(ctx: StepContext, player: PlayerId, m: ClientMessageOf<"create">) {
  const pw = m.password ? m.password : "";
  const stored = pw === "" ? "" : encodeStoredPassword(hashPassword(pw));
  const result = await withIds(() =>
    ctx.run("create", [
      player,
      roomId(),
      m.name,
      m.private === true ? randomBase32(INVITE_CODE_LENGTH) : "",
      stored,
      String(ctx.now()),
      String(ctx.maxRooms),
      ridArg(m.rid),
    ], true)
  );
  settle(ctx, player, result, m.rid);
}

/**
 * `join` and `watch`: resolve the name or code (with `resolveExtra` for the script), check the
 * password here, then run the step `then` names for the resolved room.
 */
async function openRoom(
  ctx: StepContext,
  player: PlayerId,
  m: ClientMessageOf<"join"> | ClientMessageOf<"watch">,
  resolveExtra: string[],
  then: (id: string, pw: string, rid: string) => ["join" | "watch", string[]],
) {
  const notFound = `no room ${JSON.stringify(m.room)}`;
  const found = await ctx.run(
    "resolve",
    [player, m.room.toLowerCase(), m.room.toUpperCase(), ...resolveExtra],
    false,
  );
  if (found[0] !== "ok") return settle(ctx, player, found, m.rid, notFound);
  const [, id, pw] = found;
  if (!passwordOk(ctx, player, id, pw, m)) return;
  const [script, args] = then(id, pw, ridArg(m.rid));
  settle(ctx, player, await ctx.run(script, args, true), m.rid, notFound);
}

async function quick(ctx: StepContext, player: PlayerId, m: ClientMessageOf<"quick">) {
  const rid = ridArg(m.rid);
  const result = await withIds(() =>
    ctx.run(
      "quick",
      [
        player,
        roomId(),
        String(ctx.now()),
        String(ctx.maxRooms),
        rid,
        session(),
        ...tokens(ctx.graceMs),
      ],
      true,
    )
  );
  settle(ctx, player, result, m.rid);
}

async function stream(ctx: StepContext, player: PlayerId, m: ClientMessageOf<"stream">) {
  const header = m.header === undefined ? "" : JSON.stringify(m.header);
  const result = await ctx.run("stream", [
    player,
    String(m.from),
    m.inputs,
    header,
    String(ctx.maxBacklog),
    String(STREAM_BACKLOG_TTL_MS),
  ], true);
  settle(ctx, player, result, m.rid);
}

async function relaySignal(ctx: StepContext, player: PlayerId, m: ClientMessageOf<"signal">) {
  const data = JSON.stringify(m.data);
  const result = await ctx.run("signal", [player, m.data.kind, data, m.session ?? ""], true);
  if (result[0] === "ok" && result[1] !== "stale") {
    ctx.metrics.relayedMessages.inc({ kind: m.data.kind });
    ctx.metrics.relayedBytes.inc(undefined, signalBytes(m.data));
  }
  settle(ctx, player, result, m.rid);
}
