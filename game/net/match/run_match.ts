/**
 * The one call that plays a pairing in a browser page: it connects to the paired peer over WebRTC
 * (match_connection.ts), runs the match runner at 60 Hz from `requestAnimationFrame` plus a worker
 * metronome (so a hidden tab keeps ticking for its opponent), hands the lobby's `peer-left` to the
 * runner, and calls the game's `render` every animation frame with the interpolation factor.
 *
 * Resume (issue 13). While the match runs, a ticket (resume_ticket.ts) in `sessionStorage` keeps
 * the lobby's resume token; `connectLobby` presents it after a reload, and a pairing that came
 * that way (`paired.resumed`) is played here by rebuilding the session from the snapshot the
 * surviving peer sends. The survivor, told by the lobby that the same session goes on while its
 * link is down, opens a new connection (the returner offers) and hands the match over
 * (`runner.reconnect`). A reload says no `bye`; leaving, or the match closing, clears the ticket.
 *
 * @example
 * ```ts
 * import { connectLobby, runMatch } from "duet-netcode";
 * const lobby = connectLobby({ name: "Ann", game: "dots", version: "1" });
 * lobby.onPaired = () => {
 *   const match = runMatch({
 *     lobby,
 *     createGame: (setup) => createDots(setup.seed),
 *     readInput: () => keyboardBits(),
 *     isOver: (game) => game.winner() !== null,
 *     render: ({ game, alpha }) => draw(game, alpha),
 *   });
 *   match.on((e) => e.type === "closed" && console.log(e.message));
 * };
 * await lobby.quick();
 * ```
 *
 * @module
 */

import type { RollbackGame } from "../game.ts";
import { realClock } from "../clock.ts";
import { errorText } from "../error_text.ts";
import { clearTicket, pageStorage, saveTicket, type TicketStorage } from "./resume_ticket.ts";
import {
  connectMatch,
  type MatchConnection,
  type MatchConnectionOptions,
} from "../match_connection.ts";
import type { SimOptions } from "../network_sim.ts";
import type { SignalingClient } from "../signaling_client.ts";
import { startFrameLoop } from "../tick_pump.ts";
import type { MatchSetup } from "./match_game.ts";
import type { StreamBatch } from "../spectate/stream_batcher.ts";
import type { MatchPhase } from "./match_lifecycle.ts";
import {
  createMatchRunner,
  DEFAULT_GRACE_MS,
  type MatchRunner,
  type MatchRunnerOptions,
  TICK_MS,
} from "./match_runner.ts";

/** What `render` gets every animation frame. */
export interface RenderFrame<G> {
  game: G;
  /** How far (0..1) real time is past the newest tick: interpolate from `previous` to `game`. */
  alpha: number;
  /** The game's snapshot from before the newest tick, or null when that tick did not advance. */
  previous: unknown;
  setup: MatchSetup;
  phase: MatchPhase;
}

/** Options of {@link runMatch}. */
export interface RunMatchOptions<G extends RollbackGame>
  extends Omit<MatchRunnerOptions<G>, "localPlayer" | "session" | "me"> {
  /** A lobby client that is paired (`lobby.paired`). */
  lobby: SignalingClient;
  /** Shown to the peer (default: the name the lobby knows us by). */
  name?: string;
  /** The game's id and build; a peer with other ones is refused as incompatible. */
  game?: string;
  version?: string;
  /** This side's options for the game (JSON), handed to `createGame` in `setup.options`. */
  options?: unknown;
  /** Draws a frame; called from `requestAnimationFrame` once the game exists. */
  render?: (frame: RenderFrame<G>) => void;
  /** Impairs what this side sends: a `?sim=` string or options (the network simulator). */
  sim?: string | SimOptions | null;
  /** `"auto"` (default) ticks from animation frames and a worker; `"manual"`: call `update`. */
  loop?: "auto" | "manual";
  /** Connection settings (TURN policy, timeouts, transport tuning). */
  connection?: Omit<MatchConnectionOptions, "lobby" | "sim" | "clock" | "resumable">;
  /** Where the resume ticket is kept (default `sessionStorage`; null: no reload resume). */
  ticketStorage?: TicketStorage | null;
  /**
   * Let the lobby's spectators watch (default true): the offerer then streams the confirmed
   * inputs to the lobby in small batches (watchMatch on another page plays them).
   */
  spectators?: boolean;
}

/** How often the resume ticket's time is refreshed (it is valid for the grace period). */
export const TICKET_REFRESH_MS = 1000;

/** A pairing being played in this page. */
export interface Match<G extends RollbackGame> extends MatchRunner<G> {
  /** The WebRTC link to the peer (null if it could not even start). */
  readonly connection: MatchConnection | null;
  /**
   * Leaves for good: tells the peer, closes the link, leaves the lobby room and stops the loop.
   * Safe to call more than once.
   */
  leave(): void;
}

/** Starts playing the lobby client's current pairing. Throws if the client is not paired. */
export function runMatch<G extends RollbackGame>(opts: RunMatchOptions<G>): Match<G> {
  const { lobby } = opts;
  const pairing = lobby.paired;
  if (!pairing) throw new Error("runMatch: the lobby client is not paired");
  const clock = opts.clock ?? realClock;
  const storage = opts.ticketStorage === undefined ? pageStorage() : opts.ticketStorage;
  // The lobby holds both seats of this session while it keeps the pairing with a token.
  const seatHeld = () => {
    const p = lobby.paired;
    return p !== null && p.session === pairing.session && p.resume !== null;
  };
  // One side streams for the spectators: the offerer's seat, from the start. A page that took
  // that seat back (reloaded, or its lobby connection dropped) streams again where the lobby
  // says (`stream-from`), so every page gets the sink and the lobby decides.
  const spectators = opts.spectators !== false;
  const runner = createMatchRunner<G>({
    ...opts,
    ...(spectators
      ? {
        stream: (b: StreamBatch) => void lobby.stream(b),
        streamEnd: () => void lobby.streamEnd("player-left"),
        streamOnStart: pairing.role === "offerer" && !pairing.resumed,
      }
      : {}),
    localPlayer: pairing.player,
    session: pairing.session,
    resuming: pairing.resumed,
    keepSeat: seatHeld,
    me: {
      name: opts.name ?? lobby.welcome?.name ?? "",
      game: opts.game,
      version: opts.version,
      options: opts.options,
    },
  });
  let connection: MatchConnection | null = null;
  let attached = false;
  let stopped = false;

  /** A connection to the peer; the first one starts the match, a later one resumes it. */
  const open = () => {
    let c: MatchConnection;
    try {
      c = connectMatch({
        ...opts.connection,
        // The link is given up only after the grace period: until then the match pauses.
        transport: {
          disconnectedAfterMs: opts.graceMs ?? DEFAULT_GRACE_MS,
          ...opts.connection?.transport,
        },
        lobby,
        sim: opts.sim,
        clock: opts.clock,
        resumable: seatHeld,
      });
    } catch (e) {
      runner.notify({ type: "failed", error: errorText(e) });
      return;
    }
    connection = c;
    c.ready.then(
      (t) => {
        if (stopped || connection !== c) return t.close("closed");
        const path = () => c.path;
        if (!attached) runner.connect(t, path);
        else runner.reconnect(t, path);
        attached = true;
      },
      (e: unknown) => {
        if (connection === c) runner.notify({ type: "failed", error: errorText(e) });
      },
    );
  };
  open();

  const previousPeerLeft = lobby.onPeerLeft;
  const onPeerLeft = (id: string) => {
    connection?.peerLeft();
    runner.notify({ type: "peer-left" });
    previousPeerLeft?.(id);
  };
  lobby.onPeerLeft = onPeerLeft;

  // The peer's page came back (same session) while our link is down: a new link replaces it. A
  // lobby connection that only dropped and came back (the link never broke) needs nothing, and
  // the side that took its seat back is the offerer: only the other one (answerer) hands over.
  const previousResumed = lobby.onResumed;
  const onResumed = (p: Parameters<NonNullable<typeof lobby.onResumed>>[0]) => {
    const down = connection !== null && connection.state !== "open";
    const survivor = p.role === "answerer" && runner.session !== null;
    if (p.session === pairing.session && !stopped && survivor && down) {
      const old = connection;
      open();
      old?.abandon();
    }
    previousResumed?.(p);
  };
  lobby.onResumed = onResumed;

  // The lobby wants the stream from a frame: maybe before this call (it came with the pairing).
  const previousStreamFrom = lobby.onStreamFrom;
  const onStreamFrom = (from: number) => {
    if (!stopped && lobby.paired?.session === pairing.session) runner.streamFrom(from);
    previousStreamFrom?.(from);
  };
  lobby.onStreamFrom = onStreamFrom;
  if (pairing.streamFrom !== undefined) runner.streamFrom(pairing.streamFrom);

  const saveNow = () => {
    const p = lobby.paired;
    if (stopped || !p || p.session !== pairing.session || p.resume === null) return;
    const ticket = { url: lobby.url, token: p.resume, session: p.session, player: p.player };
    saveTicket(storage, { ...ticket, savedAt: Date.now() });
  };
  let refresh = -1;
  const refreshTicket = () => {
    saveNow();
    refresh = clock.setTimeout(refreshTicket, TICKET_REFRESH_MS);
  };
  refreshTicket();

  const stopLoop = opts.loop === "manual" ? () => {} : startLoop(runner, opts.render);

  function stop(): void {
    if (stopped) return;
    stopped = true;
    stopLoop();
    clock.clearTimeout(refresh);
    // Only our own handlers: a newer match may have installed its own since.
    if (lobby.onPeerLeft === onPeerLeft) lobby.onPeerLeft = previousPeerLeft;
    if (lobby.onResumed === onResumed) lobby.onResumed = previousResumed;
    if (lobby.onStreamFrom === onStreamFrom) lobby.onStreamFrom = previousStreamFrom;
  }

  runner.on((e) => {
    // A pairing that closed by itself (peer left, failed) needs no more ticks; rendering stops
    // with leave(), so the game can keep showing its last frame under its end screen.
    if (e.type !== "closed") return;
    connection?.close("closed");
    clock.clearTimeout(refresh);
    clearTicket(storage);
  });

  const leave = () => {
    if (stopped) return;
    runner.leave(); // tells the peer; no-op once closed
    connection?.close("left");
    stop();
    clearTicket(storage);
    lobby.leave().catch(() => {
      // Not in a room any more, or the lobby is unreachable: nothing to undo.
    });
  };
  // The runner's getters and methods are closures, so the match can inherit them as they are.
  return Object.create(runner, {
    connection: { get: () => connection, enumerable: true },
    leave: { value: leave, enumerable: true },
  }) as Match<G>;
}

/** Drives `runner` from animation frames, and from a worker while the tab is hidden. */
function startLoop<G extends RollbackGame>(
  runner: MatchRunner<G>,
  render: RunMatchOptions<G>["render"],
): () => void {
  return startFrameLoop(TICK_MS, (dt) => runner.update(dt), () => {
    const game = runner.game, setup = runner.setup;
    if (render && game && setup) {
      render({ game, alpha: runner.alpha, previous: runner.previous, setup, phase: runner.phase });
    }
  });
}
