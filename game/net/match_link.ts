/**
 * The match connection's one state, as a pure machine: what the peer connection (ICE, the two
 * channels) and the input transport (packets flowing or not) report is folded into `connecting`,
 * `open`, `interrupted` or one terminal state, plus when to ask for a path repair. The shell,
 * `match_connection.ts`, owns the RTCPeerConnection, the transport and the timer, and carries out
 * the effects.
 *
 * ```
 * connecting ─both channels open→ open ⇄ interrupted (ICE or the transport hears nothing)
 *     └──────────────┬──────────────┘
 *                    ↓
 *   disconnected (peer closed, said bye, went silent, left the lobby) | failed (ICE) | closed (us)
 * ```
 *
 * @module
 */
import type { PeerState } from "./peer_connection.ts";
import type { LinkState } from "./input_transport.ts";

/** One state for the whole match link. */
export type MatchConnectionState =
  | "connecting"
  | "open"
  | "interrupted"
  | "disconnected"
  | "failed"
  | "closed";

/** The machine's state. */
export interface MatchLink {
  readonly state: MatchConnectionState;
  /** Why it ended (null while healthy and after a local close). */
  readonly error: Error | null;
  /** The transport's state, once there is one. */
  readonly link: LinkState | null;
  /** A repair is armed (the transport went quiet); it fires unless packets come back first. */
  readonly repairArmed: boolean;
}

/** What happens to the match link. */
export type MatchLinkEvent =
  | { type: "peer"; state: PeerState; error?: Error | null }
  /** The transport's state; `peerOpen`: the peer connection's own state is `open` right now. */
  | { type: "link"; state: LinkState; peerOpen: boolean }
  /** The lobby said the peer left: before open that ends the attempt. */
  | { type: "peer-left" }
  /** The silence went on past the repair delay: ask the peer connection to repair the path. */
  | { type: "repair-due" }
  /** We close: with `bye` the peer is told why; without, the link is only replaced. */
  | { type: "close"; bye?: string };

/** What the shell must do after a step, in order. */
export type MatchLinkEffect =
  | { type: "state"; state: MatchConnectionState }
  | { type: "arm-repair" }
  | { type: "cancel-repair" }
  | { type: "repair" }
  /** Stop the transport (saying `bye` if set) and tear the connection down. */
  | { type: "end"; bye?: string };

/** How the machine is set up. */
export interface MatchLinkConfig {
  /** Silence that ends the match (for the error's words). */
  silenceMs: number;
  /** False when ICE restarts are off (`restartAfterMs: 0`): a quiet link is only waited out. */
  repair: boolean;
}

/** The first state: connecting. */
export function initialMatchLink(): MatchLink {
  return { state: "connecting", error: null, link: null, repairArmed: false };
}

/** True once the link is over. */
export function isLinkTerminal(s: MatchConnectionState): boolean {
  return s === "disconnected" || s === "failed" || s === "closed";
}

/** Advances the machine by one event. Never throws; events after the end change nothing. */
export function stepMatchLink(
  l: MatchLink,
  e: MatchLinkEvent,
  config: MatchLinkConfig,
): { link: MatchLink; effects: MatchLinkEffect[] } {
  if (isLinkTerminal(l.state)) return { link: l, effects: [] };
  const effects: MatchLinkEffect[] = [];
  let next: MatchLink = l;
  const end = (state: "disconnected" | "failed" | "closed", error: Error | null, bye?: string) => {
    if (next.repairArmed) effects.push({ type: "cancel-repair" });
    next = { ...next, state, error, repairArmed: false };
    effects.push(bye === undefined ? { type: "end" } : { type: "end", bye });
    effects.push({ type: "state", state });
  };
  const set = (state: "open" | "interrupted") => {
    if (next.state === state) return;
    next = { ...next, state };
    effects.push({ type: "state", state });
  };

  switch (e.type) {
    case "peer":
      if (e.state === "failed") end("failed", e.error ?? new Error("the connection failed"));
      else if (e.state === "closed") end("disconnected", e.error ?? new Error("the peer closed"));
      else if (e.state === "interrupted") set("interrupted");
      // ICE is back, but a transport that still hears nothing keeps the link interrupted.
      else if (e.state === "open" && next.link !== "interrupted") set("open");
      break;
    case "link":
      next = { ...next, link: e.state };
      if (e.state === "interrupted") {
        if (config.repair && !next.repairArmed) {
          next = { ...next, repairArmed: true };
          effects.push({ type: "arm-repair" });
        }
        set("interrupted");
        break;
      }
      if (next.repairArmed) {
        next = { ...next, repairArmed: false };
        effects.push({ type: "cancel-repair" });
      }
      if (e.state === "disconnected") {
        end("disconnected", new Error(`the peer went silent for ${config.silenceMs / 1000} s`));
      } else if (e.state === "closed") {
        // Our own endings settle the state first, so a transport closing here is the peer's bye.
        end("disconnected", new Error("the peer left the match"));
      } else if (e.peerOpen) set("open");
      break;
    case "peer-left":
      if (next.state === "connecting") {
        end("disconnected", new Error("the peer left the lobby before the connection opened"));
      }
      break;
    case "repair-due":
      if (next.repairArmed) {
        next = { ...next, repairArmed: false };
        effects.push({ type: "repair" });
      }
      break;
    case "close":
      end("closed", null, e.bye);
      break;
  }
  return { link: next, effects };
}
