/**
 * ICE servers for a player: STUN urls, plus TURN with short-lived credentials by the TURN REST API
 * scheme (draft-uberti-behave-turn-rest, what coturn's `use-auth-secret` checks):
 *
 *     username   = "<expiry, unix seconds>:<player id>"
 *     credential = base64(HMAC-SHA1(shared secret, username))
 *
 * The lobby and the TURN server share only the secret; the TURN server recomputes the credential
 * from the username and refuses it once the expiry has passed. Nothing is stored per player.
 */
import { createHmac } from "node:crypto";
import type { IceServer } from "../shared/lobby_protocol.ts";

/** The lobby's ICE configuration. */
export interface IceConfig {
  /** STUN urls (`stun:` / `stuns:`), given to every client as they are. */
  stunUrls: string[];
  /** TURN urls (`turn:` / `turns:`); empty means no TURN. */
  turnUrls: string[];
  /** Shared secret of the TURN server (coturn `static-auth-secret`); required with turnUrls. */
  turnSecret: string;
  /** Lifetime of a TURN credential in seconds. */
  turnTtlSeconds: number;
}

/** One TURN REST API credential. */
export interface TurnCredential {
  username: string;
  credential: string;
  /** Expiry, unix seconds (also the username's prefix). */
  expiresAt: number;
}

/**
 * The credential for `user` valid until `nowMs / 1000 + ttlSeconds`. A `:` in `user` would be
 * harmless to coturn (it reads the expiry up to the first `:`) but is refused to keep the format
 * unambiguous.
 */
export function turnCredential(
  secret: string,
  user: string,
  ttlSeconds: number,
  nowMs: number,
): TurnCredential {
  if (secret === "") throw new Error("TURN credentials need a non-empty shared secret");
  if (!(ttlSeconds > 0)) throw new RangeError(`TURN credential lifetime must be > 0 s`);
  if (user.includes(":")) throw new Error(`TURN user must not contain ':', got ${user}`);
  const expiresAt = Math.floor(nowMs / 1000) + Math.floor(ttlSeconds);
  const username = `${expiresAt}:${user}`;
  const credential = createHmac("sha1", secret).update(username).digest("base64");
  return { username, credential, expiresAt };
}

/** Whether the configuration hands out TURN (and so needs refreshing). */
export function hasTurn(config: IceConfig): boolean {
  return config.turnUrls.length > 0;
}

/**
 * How often a connected client gets fresh credentials: at half the lifetime, so the list a client
 * holds always has at least half of its lifetime left. Null without TURN (STUN needs no refresh).
 */
export function iceRefreshMs(config: IceConfig): number | null {
  return hasTurn(config) ? Math.max(1, config.turnTtlSeconds * 500) : null;
}

/** The `iceServers` for `player` at `nowMs`: STUN first, then TURN with a fresh credential. */
export function iceServersFor(config: IceConfig, player: string, nowMs: number): IceServer[] {
  const servers: IceServer[] = [];
  if (config.stunUrls.length > 0) servers.push({ urls: [...config.stunUrls] });
  if (hasTurn(config)) {
    const c = turnCredential(config.turnSecret, player, config.turnTtlSeconds, nowMs);
    servers.push({ urls: [...config.turnUrls], username: c.username, credential: c.credential });
  }
  return servers;
}
