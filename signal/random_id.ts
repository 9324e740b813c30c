/** Fills a buffer with random bytes; injectable so tests can make ids predictable. */
export type RandomBytes = (bytes: Uint8Array<ArrayBuffer>) => void;

/** Cryptographically secure randomness. */
export const secureRandomBytes: RandomBytes = (bytes) => {
  crypto.getRandomValues(bytes);
};

// Crockford's base32: no I, L, O, U, so codes read aloud or retyped are not misread.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * A random base32 string of `length` symbols (5 bits each). 256 is a multiple of 32, so taking the
 * low 5 bits of each byte is unbiased.
 */
export function randomBase32(length: number, random: RandomBytes = secureRandomBytes): string {
  const bytes = new Uint8Array(length);
  random(bytes);
  let out = "";
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}
