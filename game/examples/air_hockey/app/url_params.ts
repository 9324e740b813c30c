/**
 * The page's URL parameters (the browser automation contract in DESIGN.md): `?quick`,
 * `?room=CODE`, `?name=NAME`, `?sim=loss:10,delay:40,jitter:10,seed:1`, `?bot=SEED`, plus
 * `?delay=N` (input delay in frames), `?overlay` (network overlay open from the start) and
 * `?renderer=canvas|webgl` (instead of Phaser's automatic choice: WebGL where it works),
 * `?replay=URL` (play a replay file back) and `?watch=ROOM` (watch a match in progress).
 * Parsing never throws: a bad value is dropped and explained in `errors`, which the lobby shows.
 *
 * @module
 */

import { PLAYER_NAME_MAX_LENGTH, ROOM_REF_MAX_LENGTH } from "duet-netcode/protocol";
import { parseSimParam, type SimOptions } from "duet-netcode/testing";

/** What the URL asks for. */
export interface UrlParams {
  /** Quick-match as soon as the lobby connects. */
  quick: boolean;
  /** Room id or invite code to join on load. */
  room: string | null;
  /** Player name (1-24 characters after trimming). */
  name: string | null;
  /** Network impairments to simulate on this page's outgoing packets. */
  sim: SimOptions | null;
  /** Seed of the scripted bot that plays instead of the keyboard. */
  bot: number | null;
  /** Local input delay in frames (0-10), instead of the session's default. */
  inputDelay: number | null;
  /** Open the network overlay at start. */
  overlay: boolean;
  /** Forced renderer, or "auto" (WebGL where available, else Canvas). */
  renderer: "auto" | "canvas" | "webgl";
  /** A replay file to play back (a URL, resolved against the page). */
  replay: string | null;
  /** A playing room's id (from the room list) to watch as a spectator. */
  watch: string | null;
  /** One sentence per rejected parameter. */
  errors: string[];
}

/** Longest `?replay=` URL accepted. */
export const MAX_REPLAY_URL = 2048;

/** Largest input delay accepted from the URL. */
export const MAX_INPUT_DELAY = 10;

/** Parses a query string (`location.search`, with or without the leading `?`). */
export function parseUrlParams(search: string): UrlParams {
  const q = new URLSearchParams(search);
  const errors: string[] = [];
  const out: UrlParams = {
    quick: flag(q, "quick"),
    room: null,
    name: null,
    sim: null,
    bot: null,
    inputDelay: null,
    overlay: flag(q, "overlay"),
    renderer: "auto",
    replay: null,
    watch: null,
    errors,
  };

  const room = q.get("room");
  if (room !== null) {
    const code = room.trim();
    if (code.length <= ROOM_REF_MAX_LENGTH && /^[A-Za-z0-9_-]+$/.test(code)) out.room = code;
    else errors.push(`room: "${clip(room)}" is not a room id or invite code`);
  }

  const name = q.get("name");
  if (name !== null) {
    const trimmed = name.trim().replace(/\s+/g, " ");
    if (trimmed.length >= 1 && trimmed.length <= PLAYER_NAME_MAX_LENGTH) out.name = trimmed;
    else errors.push(`name: must be 1-${PLAYER_NAME_MAX_LENGTH} characters`);
  }

  const sim = q.get("sim");
  if (sim !== null) {
    try {
      out.sim = parseSimParam(sim);
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }

  const bot = q.get("bot");
  if (bot !== null) {
    // A bare `?bot` means seed 1.
    const n = bot.trim() === "" ? 1 : Number(bot);
    if (Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff) out.bot = n | 0;
    else errors.push(`bot: seed must be an integer 0..4294967295, got "${clip(bot)}"`);
  }

  const delay = q.get("delay");
  if (delay !== null) {
    const n = Number(delay);
    if (delay.trim() !== "" && Number.isInteger(n) && n >= 0 && n <= MAX_INPUT_DELAY) {
      out.inputDelay = n;
    } else errors.push(`delay: input delay must be 0..${MAX_INPUT_DELAY} frames`);
  }

  const renderer = q.get("renderer");
  if (renderer !== null) {
    const r = renderer.trim().toLowerCase();
    if (r === "auto" || r === "canvas" || r === "webgl") out.renderer = r;
    else errors.push(`renderer: must be auto, canvas or webgl, got "${clip(renderer)}"`);
  }

  const replay = q.get("replay");
  if (replay !== null) {
    const url = replay.trim();
    if (url.length > 0 && url.length <= MAX_REPLAY_URL && !/^(javascript|data):/i.test(url)) {
      out.replay = url;
    } else errors.push("replay: must be the URL of a replay file");
  }

  const watch = q.get("watch");
  if (watch !== null) {
    const ref = watch.trim();
    if (ref.length <= ROOM_REF_MAX_LENGTH && /^[A-Za-z0-9_-]+$/.test(ref)) out.watch = ref;
    else errors.push(`watch: "${clip(watch)}" is not a room id`);
  }

  if (out.replay && out.watch) {
    errors.push("replay and watch both given: playing the replay");
    out.watch = null;
  }
  if (out.replay || out.watch) {
    // Replaying and watching are other modes of the page: no match of our own.
    out.quick = false;
    out.room = null;
  }
  if (out.quick && out.room) errors.push("quick and room both given: joining the room");
  if (out.room) out.quick = false;
  return out;
}

/** `?quick`, `?quick=1`, `?quick=true` are on; `?quick=0`/`false`/`no` off. */
function flag(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  if (v === null) return false;
  return !/^(0|false|no|off)$/i.test(v.trim());
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
