/**
 * What a game's backend may observe in the lobby: a pairing made, a match over. Both registries
 * (memory and Redis) take these as options and call each exactly once per pairing and per end,
 * on one process (with Redis: the process that ran the step that caused it). A hook that throws
 * or rejects is logged and otherwise ignored: it never fails the lobby step.
 */

/** One of the two paired players. */
export interface PairedPlayer {
  id: string;
  name: string;
  role: "offerer" | "answerer";
}

/** A room got its second player: `paired` went to both. */
export interface PairedEvent {
  /** The pairing's session id (`paired.session`). */
  session: string;
  /** The room id. */
  room: string;
  /** The room's scope (`hello.game` / `hello.version`; "" in the default scope). */
  game: string;
  version: string;
  players: [PairedPlayer, PairedPlayer];
}

/** Why a pairing ended. */
export type MatchEndReason = "left" | "disconnected" | "shutdown";

/** A pairing ended: one of its players left the room, dropped, or the lobby shut down. */
export interface MatchEndEvent {
  session: string;
  room: string;
  reason: MatchEndReason;
}

/** Observers of the lobby, as registry options. */
export interface LobbyHooks {
  onPaired?: (event: PairedEvent) => void | Promise<void>;
  onMatchEnd?: (event: MatchEndEvent) => void | Promise<void>;
}

/** A hook call as data (what the pure registry returns; the shell calls the hook). */
export type LobbyEvent =
  | ({ type: "paired" } & PairedEvent)
  | ({ type: "match-end" } & MatchEndEvent);

/** Calls the hook for `event`, if any; errors are reported to `onError`, never thrown. */
export function fireHook(
  hooks: LobbyHooks | undefined,
  event: LobbyEvent,
  onError: (err: unknown) => void,
): void {
  try {
    let result: void | Promise<void> = undefined;
    if (event.type === "paired" && hooks?.onPaired) {
      const { type: _, ...rest } = event;
      result = hooks.onPaired(rest);
    } else if (event.type === "match-end" && hooks?.onMatchEnd) {
      const { type: _, ...rest } = event;
      result = hooks.onMatchEnd(rest);
    }
    if (result && typeof result.then === "function") result.then(undefined, onError);
  } catch (err) {
    onError(err);
  }
}
