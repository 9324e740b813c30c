/**
 * The lifecycle machine (match_lifecycle.ts) as the match runner drives it: the current state,
 * each event stepped through the reducer, what listeners hear of the step queued
 * (match_events.ts), and the step's effects handed to the runner in order. Nothing reaches a
 * listener until `flush`, which the runner calls when its own work is done, so a listener never
 * runs in the middle of a tick and may call back into the runner.
 *
 * @module
 */

import { EventQueue } from "../event_queue.ts";
import { lifecycleNews, type MatchEvent } from "./match_events.ts";
import {
  type LifecycleEffect,
  type LifecycleEvent,
  type LifecycleState,
  step,
} from "./match_lifecycle.ts";

/** The machine, its listeners and its queue; see the module comment. */
export interface LifecycleDriver {
  /** The machine's state after the newest event. */
  readonly state: LifecycleState;
  /** Steps the machine; queues the news, then applies the effects (which may dispatch again). */
  dispatch(event: LifecycleEvent): void;
  /** Queues an event of the runner's own (a problem, a match started). */
  emit(event: MatchEvent): void;
  /** Delivers what is queued, in order (a call from inside a listener does nothing). */
  flush(): void;
  /** {@link dispatch}, then {@link flush}: outside news, with nothing else to do. */
  tell(event: LifecycleEvent): void;
  /** Adds a listener; returns a function that removes it. */
  on(listener: (event: MatchEvent) => void): () => void;
}

/** Creates a driver from `initial`; `apply` carries out each effect. */
export function createLifecycleDriver(
  initial: LifecycleState,
  apply: (effect: LifecycleEffect) => void,
): LifecycleDriver {
  const events = new EventQueue<MatchEvent>("match");
  let state = initial;
  const emit = (event: MatchEvent) => events.push(event);
  const flush = () => events.flush();
  const dispatch = (event: LifecycleEvent) => {
    const before = state;
    const result = step(state, event);
    state = result.state;
    for (const e of lifecycleNews(before, state)) emit(e);
    for (const e of result.effects) apply(e);
  };
  return {
    get state() {
      return state;
    },
    dispatch,
    emit,
    flush,
    tell(event) {
      dispatch(event);
      flush();
    },
    on: (listener) => events.on(listener),
  };
}
