/**
 * The browser shell of replay playback, the counterpart of `runMatch`: it loads replay bytes (or
 * a URL), checks that they are a replay of this game and build, and plays them from animation
 * frames with the game's own `render`. Every problem (a failed download, a damaged, foreign or
 * newer file, a build whose simulation differs) is a sentence in `error`, never an exception.
 *
 * @module
 */

import { decodeReplay, MAX_REPLAY_BYTES, type Replay } from "../../../shared/replay_format.ts";
import type { RollbackGame } from "../game.ts";
import { errorText } from "../error_text.ts";
import type { CreateGame, MatchSetup } from "../match/match_game.ts";
import { createReplayPlayer, type ReplayPlayer } from "./replay_player.ts";

/** What `render` gets every animation frame during playback. */
export interface ReplayFrame<G> {
  game: G;
  alpha: number;
  previous: unknown;
  setup: MatchSetup;
  player: ReplayPlayer<G & RollbackGame>;
}

/** Options of {@link openReplay} and {@link playReplay}. */
export interface PlayReplayOptions<G extends RollbackGame> {
  createGame: CreateGame<G>;
  isOver?: (game: G) => boolean;
  /** The game id and build this page plays: a replay of another is refused. */
  game?: string;
  version?: string;
  render?: (frame: ReplayFrame<G>) => void;
  /** `"auto"` (default) plays from animation frames; `"manual"`: call `player.update`. */
  loop?: "auto" | "manual";
  /** Start playing at once (default true). */
  autoplay?: boolean;
}

/** An opened replay: a player, or the reason there is none. */
export type OpenedReplay<G extends RollbackGame> =
  | { ok: true; player: ReplayPlayer<G>; replay: Replay; stop(): void }
  | { ok: false; error: string };

/** Decodes bytes and checks they are a replay of this game and build. */
export function openReplay<G extends RollbackGame>(
  bytes: Uint8Array,
  opts: PlayReplayOptions<G>,
): OpenedReplay<G> {
  const decoded = decodeReplay(bytes);
  if (!decoded.ok) return decoded;
  const { replay } = decoded;
  if (opts.game !== undefined && replay.game !== opts.game) {
    return { ok: false, error: `This is a replay of another game ("${replay.game}").` };
  }
  if (opts.version !== undefined && replay.version !== opts.version) {
    return {
      ok: false,
      error:
        `This replay was recorded with version "${replay.version}" of the game; this page runs "${opts.version}".`,
    };
  }
  let player: ReplayPlayer<G>;
  try {
    player = createReplayPlayer({ replay, createGame: opts.createGame, isOver: opts.isOver });
  } catch (e) {
    return { ok: false, error: `The game could not start this replay: ${errorText(e)}` };
  }
  if (opts.autoplay !== false) player.play();
  const stop = opts.loop === "manual" ? () => {} : startLoop(player, opts.render);
  return { ok: true, player, replay, stop };
}

/** Fetches a replay from a URL and opens it (see {@link openReplay}). */
export async function playReplay<G extends RollbackGame>(
  url: string,
  opts: PlayReplayOptions<G>,
): Promise<OpenedReplay<G>> {
  let bytes: Uint8Array;
  try {
    const res = await fetch(url);
    if (!res.ok) return { ok: false, error: `Could not load the replay (HTTP ${res.status}).` };
    const read = await readCapped(res, MAX_REPLAY_BYTES);
    if (!read) return { ok: false, error: "The replay file is too large." };
    bytes = read;
  } catch (e) {
    return { ok: false, error: `Could not load the replay: ${errorText(e)}` };
  }
  return openReplay(bytes, opts);
}

/** The body, or null once it grows past `max` bytes (the download is cancelled there). */
async function readCapped(res: Response, max: number): Promise<Uint8Array | null> {
  if (Number(res.headers.get("content-length") ?? 0) > max) {
    await res.body?.cancel();
    return null;
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) (out.set(c, at), (at += c.length));
  return out;
}

function startLoop<G extends RollbackGame>(
  player: ReplayPlayer<G>,
  render: PlayReplayOptions<G>["render"],
): () => void {
  if (typeof requestAnimationFrame !== "function") return () => {};
  let last = performance.now();
  let raf = 0;
  const frame = (now: number) => {
    raf = requestAnimationFrame(frame);
    // A long gap (a hidden tab) is not played as a burst.
    player.update(Math.min(250, Math.max(0, now - last)));
    last = now;
    try {
      render?.({
        game: player.game,
        alpha: player.alpha,
        previous: player.previous,
        setup: player.setup,
        player: player as ReplayPlayer<G & RollbackGame>,
      });
    } catch (e) {
      console.error("duet: replay render threw", e);
    }
  };
  raf = requestAnimationFrame(frame);
  return () => cancelAnimationFrame(raf);
}
