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

/** The lobby's TURN server, if it has one. */
export interface TurnConfig {
  /** TURN urls (`turn:` / `turns:`), e.g. `turn:turn.example.com:3478?transport=udp`. */
  urls: string[];
  /** Shared secret of the TURN server (coturn `static-auth-secret`). */
  secret: string;
  /** Lifetime of a credential in seconds. */
  ttlSeconds: number;
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

/**
 * How often a connected client gets fresh credentials: at half the lifetime, so the list a client
 * holds always has at least half of its lifetime left. Null without TURN (STUN needs no refresh).
 */
export function iceRefreshMs(turn: TurnConfig | null): number | null {
  return turn === null ? null : Math.max(1, turn.ttlSeconds * 500);
}

/**
 * The `iceServers` for `player` at `nowMs`: the static entries (STUN) first, then TURN with a
 * fresh credential.
 */
export function iceServersFor(
  staticServers: readonly IceServer[],
  turn: TurnConfig | null,
  player: string,
  nowMs: number,
): IceServer[] {
  if (turn === null) return [...staticServers];
  const c = turnCredential(turn.secret, player, turn.ttlSeconds, nowMs);
  return [...staticServers, {
    urls: [...turn.urls],
    username: c.username,
    credential: c.credential,
  }];
}
