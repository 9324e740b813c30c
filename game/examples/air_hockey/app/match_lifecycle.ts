/**
 * The life of one pairing, from "the lobby paired us" to "back to the lobby", as a pure state
 * machine: `step(state, event)` returns the next state and the effects to carry out (send an `app`
 * message over the control channel, start the rollback session, close the connection).
 *
 *     connecting ─connected→ handshake ─both intros→ countdown ⇄ playing ⇄ scored → ended
 *         ended ─both ask→ rematch ─sim restarts→ countdown …
 *     any ─peer leaves / drops / fails→ closed      any ─local leave→ left
 *
 * Inside a match the phases mirror the deterministic simulation (countdown, playing, scored,
 * ended), so both peers switch on the same frame. What is not in the simulation is negotiated
 * here with `app` messages: the intro that fixes the match rules and seed, the rematch request,
 * and leaving. The rematch itself starts inside the simulation when both players' inputs carry
 * the REMATCH bit, which this machine asks for once both sides agreed.
 *
 * @module
 */

import { BOT_RULES, type HockeyConfig, HUMAN_RULES, type Phase } from "../sim/hockey.ts";

/** Where the pairing is. */
export type LifecyclePhase =
  | "connecting" // WebRTC is being set up
  | "handshake" // channels open, waiting for the peer's intro
  | "countdown"
  | "playing"
  | "scored"
  | "ended" // the match is over; rematch or leave
  | "rematch" // both asked for a rematch; the simulation restarts within a few frames
  | "closed" // the pairing is over without us choosing it (peer left, dropped, failed)
  | "left"; // we left

/** Why a pairing closed, for the end screen. */
export type CloseReason = "peer-left" | "peer-dropped" | "failed" | "incompatible";

/** What each side says about itself when the channels open. */
export interface Intro {
  t: "intro";
  /** Lifecycle protocol version. */
  v: 1;
  name: string;
  bot: boolean;
  /** This side's share of the match seed. */
  seed: number;
}

/** Lifecycle messages carried as `{kind: "app", data}` on the control channel. */
export type AppMessage = Intro | { t: "rematch" } | { t: "leave"; reason: string };

/** The machine's state. */
export interface LifecycleState {
  phase: LifecyclePhase;
  localPlayer: 0 | 1;
  localIntro: Intro;
  remoteIntro: Intro | null;
  /** The match rules, once both intros are known. */
  config: HockeyConfig | null;
  /** The simulation's match number last seen (a higher one means a rematch started). */
  match: number;
  rematch: { local: boolean; remote: boolean };
  /** The link is interrupted (packets stopped) but not yet given up on. */
  interrupted: boolean;
  /** The session is stalled waiting for the peer's inputs (their game is not advancing). */
  waiting: boolean;
  closeReason: CloseReason | null;
  /** A sentence for the player about the current situation, or null. */
  message: string | null;
}

/** Things that happen to the pairing. */
export type LifecycleEvent =
  | { type: "connected" }
  | { type: "app"; data: unknown }
  | { type: "sim"; phase: Phase; match: number }
  | { type: "rematch" } // the local player asks for a rematch
  | { type: "leave" } // the local player goes back to the lobby
  | { type: "link"; state: "open" | "interrupted" | "disconnected" | "closed" }
  | { type: "waiting"; waiting: boolean } // stalled on the peer for a while, or no longer
  | { type: "peer-left"; reason?: string } // lobby says so, or the peer's `bye`
  | { type: "failed"; error: string };

/** What the caller must do after a step. */
export type LifecycleEffect =
  | { type: "send"; message: AppMessage }
  | { type: "start"; config: HockeyConfig }
  | { type: "close" };

/** The result of one step. */
export interface StepResult {
  state: LifecycleState;
  effects: LifecycleEffect[];
}

/** The first state of a pairing; `seed` is this side's random share of the match seed. */
export function initialLifecycle(
  localPlayer: 0 | 1,
  me: { name: string; bot: boolean; seed: number },
): LifecycleState {
  return {
    phase: "connecting",
    localPlayer,
    localIntro: { t: "intro", v: 1, name: me.name, bot: me.bot, seed: me.seed | 0 },
    remoteIntro: null,
    config: null,
    match: 0,
    rematch: { local: false, remote: false },
    interrupted: false,
    waiting: false,
    closeReason: null,
    message: "Connecting to your opponent…",
  };
}

/** The rules both sides derive from the two intros (same inputs, same answer, on both peers). */
export function matchConfig(intro0: Intro, intro1: Intro): HockeyConfig {
  const rules = intro0.bot || intro1.bot ? BOT_RULES : HUMAN_RULES;
  return { ...rules, seed: (intro0.seed ^ Math.imul(intro1.seed, 0x9e3779b1)) | 0 };
}

/** Validates a received `app` payload; null if it is not a lifecycle message. */
export function parseAppMessage(data: unknown): AppMessage | null {
  if (typeof data !== "object" || data === null) return null;
  const m = data as Record<string, unknown>;
  switch (m.t) {
    case "intro":
      if (
        typeof m.v !== "number" || typeof m.name !== "string" || m.name.length > 64 ||
        typeof m.bot !== "boolean" || !Number.isInteger(m.seed)
      ) return null;
      return { t: "intro", v: m.v as 1, name: m.name, bot: m.bot, seed: (m.seed as number) | 0 };
    case "rematch":
      return { t: "rematch" };
    case "leave":
      return { t: "leave", reason: typeof m.reason === "string" ? m.reason.slice(0, 200) : "" };
    default:
      return null;
  }
}

/** True while a match is on screen (after the handshake, before closing). */
export function inMatch(phase: LifecyclePhase): boolean {
  return phase === "countdown" || phase === "playing" || phase === "scored" || phase === "ended" ||
    phase === "rematch";
}

/** True once nothing more can happen but going back to the lobby. */
export function isOver(phase: LifecyclePhase): boolean {
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
  if (isOver(state.phase)) return same;
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
        if (state.remoteIntro) return same; // a repeated intro cannot change agreed rules
        if (msg.v !== 1) return close("incompatible", `lifecycle v${msg.v}`);
        return withStart({ ...state, remoteIntro: msg }, []);
      }
      if (msg.t === "leave") return close("peer-left");
      // Rematch request.
      if (state.phase !== "ended" && state.phase !== "rematch") return same;
      return {
        state: rematchState({ ...state, rematch: { ...state.rematch, remote: true } }),
        effects: [],
      };
    }

    case "sim": {
      if (!state.config) return same;
      const newMatch = event.match > state.match && state.match > 0;
      let next: LifecycleState = { ...state, match: Math.max(state.match, event.match) };
      if (newMatch) next = { ...next, rematch: { local: false, remote: false } };
      if (next.phase === "rematch" && !newMatch && event.phase === "ended") return same;
      next = { ...next, phase: event.phase, message: phaseMessage(event.phase, next) };
      return { state: rematchState(next), effects: [] };
    }

    case "rematch": {
      if (state.phase !== "ended" || state.rematch.local) return same;
      return {
        state: rematchState({ ...state, rematch: { ...state.rematch, local: true } }),
        effects: [{ type: "send", message: { t: "rematch" } }],
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

/** Once both intros are in (and the channels are open), fix the rules and start the match. */
function withStart(state: LifecycleState, effects: LifecycleEffect[]): StepResult {
  if (state.phase !== "handshake" || !state.remoteIntro || state.config) return { state, effects };
  const [i0, i1] = state.localPlayer === 0
    ? [state.localIntro, state.remoteIntro]
    : [state.remoteIntro, state.localIntro];
  const config = matchConfig(i0, i1);
  return {
    state: {
      ...state,
      config,
      phase: "countdown",
      match: 1,
      message: phaseMessage("countdown", state),
    },
    effects: [...effects, { type: "start", config }],
  };
}

function rematchState(state: LifecycleState): LifecycleState {
  if (state.phase === "ended" && state.rematch.local && state.rematch.remote) {
    return { ...state, phase: "rematch", message: "Rematch! Starting…" };
  }
  if (state.phase === "ended") return { ...state, message: phaseMessage("ended", state) };
  return state;
}

function phaseMessage(phase: LifecyclePhase, s: LifecycleState): string | null {
  if (s.interrupted) return "Connection unstable: reconnecting…";
  if (s.waiting) return "Waiting for your opponent…";
  if (phase !== "ended") return null;
  if (s.rematch.local && !s.rematch.remote) {
    return "Waiting for your opponent to accept the rematch…";
  }
  if (s.rematch.remote && !s.rematch.local) return "Your opponent wants a rematch!";
  return null;
}
