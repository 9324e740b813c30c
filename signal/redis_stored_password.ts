/**
 * A room password as the Redis scripts keep it: `salt:hash` in hex ("" for none), so a script
 * can hand it back with the resolved room and this process checks the guess (scripts never see
 * plain text).
 *
 * @module
 */
import type { PasswordHash } from "./room_password.ts";

const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const fromHex = (s: string) => new Uint8Array((s.match(/../g) ?? []).map((h) => parseInt(h, 16)));

/** `salt:hash` in hex. */
export function encodeStoredPassword(h: PasswordHash): string {
  return `${toHex(h.salt)}:${toHex(h.hash)}`;
}

const HEX = /^(?:[0-9a-f]{2})+$/;

/** The hash back from `salt:hash`; null for a damaged value (a half missing, or not hex). */
export function decodeStoredPassword(stored: string): PasswordHash | null {
  const [salt, hash, extra] = stored.split(":");
  if (salt === undefined || hash === undefined || extra !== undefined) return null;
  if (!HEX.test(salt) || !HEX.test(hash)) return null;
  return { salt: fromHex(salt), hash: fromHex(hash) };
}
