import assert from "node:assert/strict";
import {
  choosePlayerName,
  cleanName,
  generatedName,
  NAME_KEY,
  type NameStorage,
} from "./player_name.ts";

function memory(initial: Record<string, string> = {}): NameStorage & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

Deno.test("URL name wins and is not remembered", () => {
  const s = memory({ [NAME_KEY]: "Saved" });
  assert.equal(choosePlayerName("Url", s, Math.random), "Url");
  assert.equal(s.data.get(NAME_KEY), "Saved");
});

Deno.test("a remembered name is reused; a broken one is replaced", () => {
  assert.equal(choosePlayerName(null, memory({ [NAME_KEY]: "  Ada  " }), Math.random), "Ada");
  const s = memory({ [NAME_KEY]: "x".repeat(40) });
  const name = choosePlayerName(null, s, () => 0);
  assert.equal(name, "Swift Puck 10");
  assert.equal(s.data.get(NAME_KEY), name);
});

Deno.test("generated names are valid lobby names; failing storage is harmless", () => {
  for (const r of [0, 0.5, 0.999999]) assert.ok(cleanName(generatedName(() => r)));
  const broken: NameStorage = {
    getItem: () => {
      return null;
    },
    setItem: () => {
      throw new Error("quota");
    },
  };
  assert.ok(choosePlayerName(null, broken, () => 0.3));
  assert.ok(choosePlayerName(null, null, () => 0.3));
});

Deno.test("cleanName", () => {
  assert.equal(cleanName(" a  b "), "a b");
  assert.equal(cleanName("   "), null);
  assert.equal(cleanName("x".repeat(25)), null);
});
