/**
 * The spectate lifecycle (spectate_lifecycle.ts) as watchMatch drives it: the machine's state,
 * each event stepped through the reducer, the step's effects carried out on the spectator session
 * (spectator_session.ts) it creates, and what listeners hear of the step queued
 * (spectator_news.ts). No lobby, loop or timer here: the shell (watch_match.ts) owns those and
 * feeds events in, so a test can drive a spectator with plain calls.
 *
 * @module
 */

import { EventQueue } from "../event_queue.ts";
import { errorText } from "../error_text.ts";
import type { RollbackGame } from "../game.ts";
import type { CreateGame } from "../match/match_game.ts";
import {
  SPECTATE_START,
  type SpectateEffect,
  type SpectateEvent,
  type SpectateState,
  spectateStep,
} from "./spectate_lifecycle.ts";
import { spectateNews, type SpectatorEvent } from "./spectator_news.ts";
import { createSpectatorSession, type SpectatorSession } from "./spectator_session.ts";

/** What the driver needs to start a session and to leave. */
export interface SpectateDriverOptions<G extends RollbackGame> {
  createGame: CreateGame<G>;
  isOver?: (game: G) => boolean;
  localPlayer?: 0 | 1;
  /** Carries out `leave-lobby`; a failure is the caller's to swallow. */
  leaveLobby: () => void;
}

/** The machine, the session it runs and its listeners; see the module comment. */
export class SpectateDriver<G extends RollbackGame> {
  #state: SpectateState = SPECTATE_START;
  #session: SpectatorSession<G> | null = null;
  // The match number last announced as started, so a rematch is announced once.
  #match = -1;
  readonly #events = new EventQueue<SpectatorEvent>("spectator");
  readonly #opts: SpectateDriverOptions<G>;

  /** A driver in the start state (`watch` sent, nothing known). */
  constructor(opts: SpectateDriverOptions<G>) {
    this.#opts = opts;
  }

  /** The machine's state after the newest event. */
  get state(): SpectateState {
    return this.#state;
  }

  /** The session, once the header started it. */
  get session(): SpectatorSession<G> | null {
    return this.#session;
  }

  /** Whether the watching is over (left, or closed): nothing more is simulated. */
  get done(): boolean {
    return this.#state.phase === "left" || this.#state.phase === "closed";
  }

  /**
   * Steps the machine; queues the news, then applies the effects (which may dispatch again).
   * The news is of this step alone, queued before an effect's own step: read after the effects, a
   * refused batch's close (stepped inside the batch's) was announced twice.
   */
  dispatch(event: SpectateEvent): void {
    const before = this.#state;
    const result = spectateStep(before, event);
    this.#state = result.state;
    for (const e of spectateNews(before, result.state)) this.#events.push(e);
    for (const e of result.effects) this.#apply(e);
  }

  /** {@link dispatch}, then {@link flush}: outside news, with nothing else to do. */
  tell(event: SpectateEvent): void {
    this.dispatch(event);
    this.flush();
  }

  /** Delivers what is queued, in order. */
  flush(): void {
    this.#events.flush();
  }

  /** Adds a listener; returns a function that removes it. */
  on(listener: (event: SpectatorEvent) => void): () => void {
    return this.#events.on(listener);
  }

  /** Plays `dtMs` of the session, tells the machine what it showed; returns frames simulated. */
  update(dtMs: number): number {
    const s = this.#session;
    if (!s || this.done) return 0;
    const ran = s.update(dtMs);
    if (s.setup.match !== this.#match) {
      this.#match = s.setup.match;
      this.#events.push({ type: "started", setup: s.setup });
    }
    const over = this.#opts.isOver?.(s.game) ?? false;
    this.tell({ type: "simulated", over, playedOut: s.ended !== null && s.frame >= s.received });
    return ran;
  }

  #apply(effect: SpectateEffect): void {
    switch (effect.type) {
      case "start":
        try {
          this.#session = createSpectatorSession({
            header: effect.header,
            createGame: this.#opts.createGame,
            isOver: this.#opts.isOver,
            localPlayer: this.#opts.localPlayer,
          });
        } catch (e) {
          this.dispatch({ type: "failed", error: `The game could not start: ${errorText(e)}` });
        }
        return;
      case "push":
        if (this.#session && !this.#session.push(effect.from, effect.inputs)) {
          this.dispatch({ type: "rejected" });
        }
        return;
      case "end":
        this.#session?.end(effect.reason);
        return;
      case "leave-lobby":
        this.#opts.leaveLobby();
        return;
    }
  }
}
