/**
 * Air hockey as a duet game: how a pairing's setup becomes a hockey match (bots play on the clock,
 * people to seven), when a match is over, and the game's id and build, which the lobby and the
 * peer check so that only the same build plays each other.
 *
 * @module
 */

import type { MatchSetup } from "duet-netcode";
import {
  BOT_RULES,
  createHockey,
  type Hockey,
  type HockeyConfig,
  HUMAN_RULES,
  isEnded,
} from "../sim/hockey.ts";

/** The game id sent to the lobby and the peer. */
export const GAME_ID = "air-hockey";
/** Bump when the simulation changes: older builds then never pair with this one. */
export const GAME_VERSION = "1";

/** What each side tells the other about itself. */
export interface HockeyOptions {
  bot: boolean;
}

/** The rules for a match: bot matches run on the clock so that a test always ends. */
export function hockeyConfig(setup: MatchSetup): HockeyConfig {
  const bots = setup.options.some((o) => (o as HockeyOptions | null)?.bot === true);
  return { ...(bots ? BOT_RULES : HUMAN_RULES), seed: setup.seed };
}

/** The game of a match (deterministic for a setup). */
export function createHockeyMatch(setup: MatchSetup): Hockey {
  return createHockey(hockeyConfig(setup));
}

/** A hockey match is over when the simulation says so. */
export function hockeyIsOver(game: Hockey): boolean {
  return isEnded(game.state);
}
