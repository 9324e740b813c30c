/**
 * The life of one pairing, from "the lobby paired us" to "back to the lobby", as a pure state
 * machine for any game: `step(state, event)` returns the next state and the effects to carry out
 * (send an `app` message over the control channel, start the rollback session, close the link).
 *
 *     connecting ─connected→ handshake ─both intros→ playing → ended
 *         ended ─both ask→ rematch ─the restart frame is confirmed→ playing …
 *     any ─peer leaves / drops / fails→ closed      any ─local leave→ left
 *
 * Only what is not in the deterministic simulation is negotiated here, with `app` messages: the
 * intro (versions, names, each side's options), the rematch request, and leaving. Whether a match
 * is over, and when the rematch restarts, is decided inside the simulation (see match_game.ts) and
 * reported here only once the frame that decided it is confirmed, so both sides switch on the same
 * frame and a misprediction can never show an end screen that is then taken back.
 *
 * @module
 */

import { canonicalOptions } from "../../../shared/replay_format.ts";

/** Where the pairing is. */
export type MatchPhase =
  | "connecting" // WebRTC is being set up
  | "handshake" // channels open, waiting for the peer's intro
  | "playing"
  | "ended" // the match is over; rematch or leave
  | "rematch" // both asked for a rematch; the simulation restarts within a few frames
  | "closed" // the pairing is over without us choosing it (peer left, dropped, failed)
  | "left"; // we left

/** Why a pairing closed. */
export type CloseReason = "peer-left" | "peer-dropped" | "failed" | "incompatible";

/** Lifecycle protocol version carried in the intro. */
export const LIFECYCLE_VERSION = 2;
/** Longest player name accepted in an intro (longer ones are cut). */
export const MAX_INTRO_NAME = 24;
/**
 * `again` intros answered per pairing at most: an honest peer asks once a second for the ten
 * seconds of its handshake timeout; more is a peer trying to make us echo traffic.
 */
export const MAX_INTRO_ANSWERS = 16;
/** Longest game id or version string accepted in an intro. */
export const MAX_INTRO_TAG = 64;

/** What each side says about itself when the channels open. */
export interface Intro {
  t: "intro";
  /** Lifecycle protocol version. */
  v: number;
  name: string;
  /** The game's id and build: two different ones never play each other. */
  game: string;
  version: string;
  /** The game's own options for this side (JSON; e.g. "I am a bot"), handed to `createGame`. */
  options: unknown;
  /**
   * Set on an intro sent again because the peer's has not come: "I still have not heard you".
   * A peer that has agreed answers it with its plain intro (never with another `again`, so the
   * two cannot bounce intros forever).
   */
  again?: true;
}

/** Lifecycle messages carried as `{kind: "app", data}` on the control channel. */
export type AppMessage =
  | Intro
  | { t: "rematch"; match: number } // for the end of that match
  | { t: "leave"; reason: string };

/** What both sides agreed on when the handshake completed. */
export interface Agreement {
  /** Both players' names, by player index. */
  names: readonly [string, string];
  /** Both players' intro options, by player index. */
  options: readonly [unknown, unknown];
}

/** The machine's state. */
export interface LifecycleState {
  phase: MatchPhase;
  localPlayer: 0 | 1;
  localIntro: Intro;
  remoteIntro: Intro | null;
  /** Set once both intros are known. */
  agreement: Agreement | null;
  /** The match number last confirmed by the simulation (0 = the first match). */
  match: number;
  rematch: { local: boolean; remote: boolean };
  /** The link is interrupted (packets stopped) but not yet given up on. */
  interrupted: boolean;
  /** The session is stalled waiting for the peer's inputs (their game is not advancing). */
  waiting: boolean;
  closeReason: CloseReason | null;
  /** `again` intros answered so far (capped: a peer cannot make us echo it forever). */
  introAnswers: number;
  /** A sentence for the player about the current situation, or null. */
  message: string | null;
}

/** Things that happen to the pairing. */
export type LifecycleEvent =
  | { type: "connected" }
  /** Time passes in the handshake with no intro from the peer: ask again. */
  | { type: "handshake-retry" }
  | { type: "app"; data: unknown }
  /** The simulation's confirmed state: match number and whether it is over. */
  | { type: "sim"; match: number; over: boolean }
  | { type: "rematch" } // the local player asks for a rematch
  | { type: "leave" } // the local player goes back to the lobby
  | { type: "link"; state: "open" | "interrupted" | "disconnected" | "closed" }
  | { type: "waiting"; waiting: boolean } // stalled on the peer for a while, or no longer
  | { type: "peer-left"; reason?: string } // lobby says so, or the peer's `bye`
  | { type: "failed"; error: string };

/** What the caller must do after a step. */
export type LifecycleEffect =
  | { type: "send"; message: AppMessage }
  | { type: "start"; agreement: Agreement }
  | { type: "close" };

/** The result of one step. */
export interface StepResult {
  state: LifecycleState;
  effects: LifecycleEffect[];
}

/** What this side introduces itself with. */
export interface LocalIntro {
  name: string;
  game?: string;
  version?: string;
  options?: unknown;
}

/**
 * A peer's display name made safe to show: control and invisible format characters dropped,
 * white space collapsed, cut to {@link MAX_INTRO_NAME}; empty becomes `fallback`.
 */
export function displayName(raw: string, fallback: string): string {
  const clean = raw.normalize("NFC").replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, "")
    .replace(/\s+/g, " ").trim();
  return [...clean].slice(0, MAX_INTRO_NAME).join("") || fallback;
}

/**
 * The first state of a pairing. Throws a RangeError when this side's own intro cannot be sent
 * (a game id or version over 64 characters, options that cannot be encoded or are over 4 KiB):
 * a bug of the game, better found at once than as a handshake that never completes.
 */
export function initialLifecycle(localPlayer: 0 | 1, me: LocalIntro): LifecycleState {
  const game = me.game ?? "", version = me.version ?? "";
  if (game.length > MAX_INTRO_TAG || version.length > MAX_INTRO_TAG) {
    throw new RangeError(`match: game and version must be at most ${MAX_INTRO_TAG} characters`);
  }
  const options = canonicalOptions(me.options);
  if (!options.ok) {
    throw new RangeError("match: options must be plain JSON-like data of at most 4 KiB");
  }
  return {
    phase: "connecting",
    localPlayer,
    localIntro: {
      t: "intro",
      v: LIFECYCLE_VERSION,
      name: displayName(me.name, `Player ${localPlayer + 1}`),
      game,
      version,
      options: options.value,
    },
    remoteIntro: null,
    agreement: null,
    match: 0,
    rematch: { local: false, remote: false },
    interrupted: false,
    waiting: false,
    closeReason: null,
    introAnswers: 0,
    message: "Connecting to your opponent…",
  };
}

/** Validates a received `app` payload; null if it is not a lifecycle message. */
export function parseAppMessage(data: unknown): AppMessage | null {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return null;
  const m = data as Record<string, unknown>;
  switch (m.t) {
    case "intro":
      if (
        typeof m.v !== "number" || typeof m.name !== "string" || m.name.length > 256 ||
        typeof m.game !== "string" || m.game.length > MAX_INTRO_TAG ||
        typeof m.version !== "string" || m.version.length > MAX_INTRO_TAG
      ) return null;
      return {
        t: "intro",
        v: m.v,
        name: m.name,
        game: m.game,
        version: m.version,
        options: m.options ?? null,
        ...(m.again === true ? { again: true as const } : {}),
      };
    case "rematch":
      return Number.isInteger(m.match) && (m.match as number) >= 0
        ? { t: "rematch", match: m.match as number }
        : null;
    case "leave":
      return { t: "leave", reason: typeof m.reason === "string" ? m.reason.slice(0, 200) : "" };
    default:
      return null;
  }
}

/** True while a match is on screen (after the handshake, before closing). */
export function inMatch(phase: MatchPhase): boolean {
  return phase === "playing" || phase === "ended" || phase === "rematch";
}

/** True once nothing more can happen but going back to the lobby. */
export function isFinished(phase: MatchPhase): boolean {
  return phase === "closed" || phase === "left";
}

const CLOSE_MESSAGES: Record<CloseReason, string> = {
  "peer-left": "Your opponent left the match.",
  "peer-dropped": "Lost the connection to your opponent.",
  failed: "Could not connect to your opponent.",
  incompatible: "Your opponent runs an incompatible version of the game.",
};

/** Advances the machine by one event. Never throws; unknown or late events change nothing. */
export function step(state: LifecycleState, event: LifecycleEvent): StepResult {
  const same = { state, effects: [] };
  if (isFinished(state.phase)) return same;
  const close = (reason: CloseReason, detail?: string): StepResult => ({
    state: {
      ...state,
      phase: "closed",
      closeReason: reason,
      interrupted: false,
      waiting: false,
      message: detail ? `${CLOSE_MESSAGES[reason]} (${detail})` : CLOSE_MESSAGES[reason],
    },
    effects: [{ type: "close" }],
  });

  switch (event.type) {
    case "connected":
      if (state.phase !== "connecting") return same;
      return withStart({
        ...state,
        phase: "handshake",
        message: "Connected. Waiting for your opponent…",
      }, [{ type: "send", message: state.localIntro }]);

    case "app": {
      const msg = parseAppMessage(event.data);
      if (!msg) return same;
      if (msg.t === "intro") {
        // A repeated intro cannot change what was agreed; one that says `again` means ours was
        // lost on the way (it is sent once, on the reliable channel, but before the peer listened).
        if (state.remoteIntro) {
          if (!msg.again || state.introAnswers >= MAX_INTRO_ANSWERS) return same;
          return {
            state: { ...state, introAnswers: state.introAnswers + 1 },
            effects: [{ type: "send", message: state.localIntro }],
          };
        }
        const mine = state.localIntro;
        if (msg.v !== LIFECYCLE_VERSION) return close("incompatible", `lifecycle v${msg.v}`);
        if (msg.game !== mine.game) return close("incompatible", `game "${msg.game}"`);
        if (msg.version !== mine.version) return close("incompatible", `version "${msg.version}"`);
        // Options larger than a replay holds would make every replay of the match diverge.
        if (!canonicalOptions(msg.options).ok) return close("incompatible", "options too large");
        const name = displayName(msg.name, `Player ${2 - state.localPlayer}`);
        const { again, ...intro } = msg;
        // The peer says it has not heard us: ours was lost too, so it goes again (if the channels
        // are not open yet, the `connected` step sends it anyway).
        const answer: LifecycleEffect[] = again && state.phase === "handshake"
          ? [{ type: "send", message: state.localIntro }]
          : [];
        return withStart({ ...state, remoteIntro: { ...intro, name } }, answer);
      }
      if (msg.t === "leave") return close("peer-left");
      // A rematch request for this match. It may arrive before we have confirmed the end
      // ourselves (the control channel often beats the last input frames): keep it.
      if (msg.match !== state.match || !inMatch(state.phase)) return same;
      return {
        state: rematchState({ ...state, rematch: { ...state.rematch, remote: true } }),
        effects: [],
      };
    }

    case "handshake-retry":
      if (state.phase !== "handshake" || state.remoteIntro) return same;
      return { state, effects: [{ type: "send", message: { ...state.localIntro, again: true } }] };

    case "sim": {
      if (!state.agreement || !inMatch(state.phase)) return same;
      if (event.match > state.match) {
        // The restart frame is confirmed: a new match is on.
        const next: LifecycleState = {
          ...state,
          match: event.match,
          phase: event.over ? "ended" : "playing",
          rematch: { local: false, remote: false },
        };
        return { state: { ...next, message: phaseMessage(next.phase, next) }, effects: [] };
      }
      if (event.over && state.phase === "playing") {
        const next: LifecycleState = { ...state, phase: "ended" };
        return { state: { ...next, message: phaseMessage("ended", next) }, effects: [] };
      }
      return same;
    }

    case "rematch": {
      if (state.phase !== "ended" || state.rematch.local) return same;
      return {
        state: rematchState({ ...state, rematch: { ...state.rematch, local: true } }),
        effects: [{ type: "send", message: { t: "rematch", match: state.match } }],
      };
    }

    case "leave":
      return {
        state: { ...state, phase: "left", message: null },
        effects: [{ type: "send", message: { t: "leave", reason: "left" } }, { type: "close" }],
      };

    case "link":
      if (event.state === "interrupted") {
        return {
          state: { ...state, interrupted: true, message: "Connection unstable: reconnecting…" },
          effects: [],
        };
      }
      if (event.state === "open") {
        const calm = { ...state, interrupted: false };
        return { state: { ...calm, message: phaseMessage(state.phase, calm) }, effects: [] };
      }
      // The transport reports `closed` for the peer's `bye` or a closed DataChannel (a closed
      // tab): the peer left. `disconnected` is silence past the timeout: the link dropped.
      return close(event.state === "closed" ? "peer-left" : "peer-dropped");

    case "waiting": {
      if (event.waiting === state.waiting) return same;
      const next = { ...state, waiting: event.waiting };
      return { state: { ...next, message: phaseMessage(next.phase, next) }, effects: [] };
    }

    case "peer-left":
      return close("peer-left");

    case "failed":
      return close(state.phase === "connecting" ? "failed" : "peer-dropped", event.error);
  }
}

/** Once both intros are in (and the channels are open), fix the agreement and start the match. */
function withStart(state: LifecycleState, effects: LifecycleEffect[]): StepResult {
  if (state.phase !== "handshake" || !state.remoteIntro || state.agreement) {
    return { state, effects };
  }
  const [i0, i1] = state.localPlayer === 0
    ? [state.localIntro, state.remoteIntro]
    : [state.remoteIntro, state.localIntro];
  const agreement: Agreement = { names: [i0.name, i1.name], options: [i0.options, i1.options] };
  return {
    state: { ...state, agreement, phase: "playing", match: 0, message: null },
    effects: [...effects, { type: "start", agreement }],
  };
}

function rematchState(state: LifecycleState): LifecycleState {
  if (state.phase === "ended" && state.rematch.local && state.rematch.remote) {
    return { ...state, phase: "rematch", message: "Rematch! Starting…" };
  }
  if (state.phase === "ended") return { ...state, message: phaseMessage("ended", state) };
  return state;
}

function phaseMessage(phase: MatchPhase, s: LifecycleState): string | null {
  if (s.interrupted) return "Connection unstable: reconnecting…";
  if (s.waiting) return "Waiting for your opponent…";
  if (phase !== "ended") return null;
  if (s.rematch.local && !s.rematch.remote) {
    return "Waiting for your opponent to accept the rematch…";
  }
  if (s.rematch.remote && !s.rematch.local) return "Your opponent wants a rematch!";
  return null;
}
