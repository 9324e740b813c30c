import assert from "node:assert/strict";
import { distinctName, setName, unindexName } from "./player_names.ts";
import { createRegistryState, type Player } from "./registry_state.ts";

const player = (id: string): Player => ({
  id,
  name: "",
  skeleton: "",
  address: "",
  game: "",
  version: "",
  room: null,
  watching: null,
});

Deno.test("a look-alike of a connected player's name gets the smallest free number", () => {
  const s = createRegistryState();
  const ann = player("a"), bob = player("b"), cat = player("c");
  setName(s, ann, distinctName(s, "Ann", ann));
  assert.equal(ann.name, "Ann");
  // Its own name is no clash, so renaming to the same name keeps it.
  assert.equal(distinctName(s, "Ann", ann), "Ann");
  setName(s, bob, distinctName(s, "ANN", bob));
  assert.equal(bob.name, "ANN (2)");
  setName(s, cat, distinctName(s, "Ann", cat));
  assert.equal(cat.name, "Ann (3)");
});

Deno.test("a name is free again once its player is gone or renamed", () => {
  const s = createRegistryState();
  const ann = player("a"), bob = player("b"), cat = player("c");
  setName(s, ann, "Ann");
  setName(s, bob, distinctName(s, "Ann", bob)); // a Set entry: two players share the skeleton
  unindexName(s, ann);
  assert.equal(distinctName(s, "Ann", cat), "Ann");
  setName(s, bob, "Bob");
  assert.equal(s.bySkeleton.size, 1);
  assert.equal(distinctName(s, "Ann", cat), "Ann");
});
