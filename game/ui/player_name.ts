/**
 * The player's display name: from `?name=`, else the one remembered from last time, else a
 * friendly generated one. Pure apart from the storage passed in.
 *
 * @module
 */

import { PLAYER_NAME_MAX_LENGTH } from "../../shared/limits.ts";

/** The storage key of the remembered name. */
export const NAME_KEY = "duet.name";

/** The subset of `Storage` used here (so tests can pass a Map-backed fake). */
export interface NameStorage {
  /** The stored value, or null. */
  getItem(key: string): string | null;
  /** Stores a value (may throw, e.g. in private mode). */
  setItem(key: string, value: string): void;
}

const ADJECTIVES = ["Swift", "Icy", "Lucky", "Brave", "Quiet", "Neon", "Rapid", "Clever"];
const NOUNS = ["Puck", "Otter", "Comet", "Falcon", "Badger", "Pixel", "Rocket", "Panda"];

/** Trims and collapses spaces; null if the result is not a valid lobby name. */
export function cleanName(raw: string): string | null {
  const name = raw.trim().replace(/\s+/g, " ");
  return name.length >= 1 && name.length <= PLAYER_NAME_MAX_LENGTH ? name : null;
}

/** A generated name like "Neon Otter 42"; `random` returns [0, 1). */
export function generatedName(random: () => number): string {
  const pick = <T>(a: readonly T[]) => a[Math.floor(random() * a.length) % a.length];
  return `${pick(ADJECTIVES)} ${pick(NOUNS)} ${10 + Math.floor(random() * 90)}`;
}

/** Chooses the name for this page; remembers a URL or generated name for next time. */
export function choosePlayerName(
  fromUrl: string | null,
  storage: NameStorage | null,
  random: () => number,
): string {
  if (fromUrl) return fromUrl; // a URL name is for this page only (tests open many pages)
  const saved = storage?.getItem(NAME_KEY);
  const clean = saved ? cleanName(saved) : null;
  if (clean) return clean;
  const name = generatedName(random);
  rememberName(storage, name);
  return name;
}

/** Stores the name for next time; storage failures (private mode, quota) are ignored. */
export function rememberName(storage: NameStorage | null, name: string): void {
  try {
    storage?.setItem(NAME_KEY, name);
  } catch {
    // Not remembering a name is harmless.
  }
}
