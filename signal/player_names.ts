/**
 * Player names: a name that looks like a connected player's name (same `nameSkeleton`) gets a
 * suffix, "Ann (2)", so a peer can never pass for someone else. The index is the registry's
 * `bySkeleton` map.
 *
 * @module
 */
import { nameSkeleton, numberedName } from "../shared/display_name.ts";
import { PLAYER_NAME_MAX_LENGTH } from "../shared/limits.ts";
import { randomBase32 } from "./random_id.ts";
import type { Player, RegistryState } from "./registry_state.ts";

function indexName(s: RegistryState, p: Player): void {
  const known = s.bySkeleton.get(p.skeleton);
  if (known === undefined || known === p) s.bySkeleton.set(p.skeleton, p);
  else if (known instanceof Set) known.add(p);
  else s.bySkeleton.set(p.skeleton, new Set([known, p]));
}

/** Takes `p`'s name out of the look-alike index (it left, or is renamed). */
export function unindexName(s: RegistryState, p: Player): void {
  const known = s.bySkeleton.get(p.skeleton);
  if (known === p) s.bySkeleton.delete(p.skeleton);
  else if (known instanceof Set) {
    known.delete(p);
    if (known.size === 1) s.bySkeleton.set(p.skeleton, known.values().next().value!);
  }
}

function nameTaken(s: RegistryState, name: string, self: Player): boolean {
  const known = s.bySkeleton.get(nameSkeleton(name));
  if (known === undefined) return false;
  if (known instanceof Set) return [...known].some((x) => x !== self);
  return known !== self;
}

/** `wanted`, or "wanted (n)" with the smallest n no other connected player's name looks like. */
export function distinctName(s: RegistryState, wanted: string, self: Player): string {
  if (!nameTaken(s, wanted, self)) return wanted;
  for (let n = 2; n < 1000; n++) {
    const name = numberedName(wanted, n, PLAYER_NAME_MAX_LENGTH);
    if (!nameTaken(s, name, self)) return name;
  }
  return `${wanted.slice(0, PLAYER_NAME_MAX_LENGTH - 5)}-${randomBase32(4, s.random)}`;
}

/** Gives `p` the name `name` (already made distinct) and indexes it. */
export function setName(s: RegistryState, p: Player, name: string): void {
  unindexName(s, p);
  p.name = name;
  p.skeleton = nameSkeleton(name);
  indexName(s, p);
}
