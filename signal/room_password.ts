/**
 * Room passwords are never kept or compared in plain text: a room stores a per-room random salt
 * and SHA-256(salt || password), and checks a guess with a constant-time comparison.
 *
 * Why not a slow KDF (PBKDF2, scrypt): room passwords are short-lived locks on a game room, not
 * account credentials, and online guessing is already throttled by the per-connection rate limit.
 * A deliberately slow hash would let a flood of wrong `join`s stall the single-threaded lobby.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { type RandomBytes, secureRandomBytes } from "./random_id.ts";

/** What a room keeps of its password. */
export interface PasswordHash {
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

function digest(salt: Uint8Array, password: string): Uint8Array {
  return createHash("sha256").update(salt).update(password, "utf8").digest();
}

/** Salts and hashes a password. */
export function hashPassword(
  password: string,
  random: RandomBytes = secureRandomBytes,
): PasswordHash {
  const salt = new Uint8Array(16);
  random(salt);
  return { salt, hash: digest(salt, password) };
}

/** Whether `guess` is the password, compared in constant time. */
export function verifyPassword(stored: PasswordHash, guess: string): boolean {
  const d = digest(stored.salt, guess);
  // timingSafeEqual throws on a length mismatch: a damaged stored hash is a wrong guess instead.
  return stored.hash.length === d.length && timingSafeEqual(stored.hash, d);
}
