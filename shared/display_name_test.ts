import assert from "node:assert/strict";
import { nameProblem, nameSkeleton, normalizeName } from "./display_name.ts";
import { parseClientMessage } from "./lobby_protocol.ts";

const hello = (name: string) => parseClientMessage(JSON.stringify({ type: "hello", name }));

Deno.test("names are NFC-normalized, so two spellings of é are one name", () => {
  const r = hello("Rene\u0301");
  assert.ok(r.ok);
  assert.equal(r.ok && r.value.type === "hello" && r.value.name, "Ren\u00e9");
  assert.equal(normalizeName("e\u0301"), "\u00e9");
});

Deno.test("a name of only invisible characters is refused", () => {
  for (
    const name of [
      "\u200B",
      "\u200B\u200C\u200D\u2060",
      "\u3164",
      "\u2800\u2800",
      "\uFEFF",
      " \u00AD ",
    ]
  ) {
    const r = hello(name);
    assert.equal(r.ok, false, JSON.stringify(name));
    assert.equal(!r.ok && r.code, "bad-message");
  }
  assert.match(nameProblem("\u200B\u200B") ?? "", /visible/);
});

Deno.test("lone surrogates and stacks of combining marks are refused", () => {
  assert.equal(hello("a\uD800b").ok, false);
  assert.equal(hello("\uDC00").ok, false);
  assert.equal(hello("Z\u0301\u0302\u0303\u0304\u0305").ok, false);
  // Emoji (a surrogate pair), Vietnamese and up to three marks in a row are fine.
  for (
    const name of [
      "Ann \u{1F600}",
      "Nguy\u1EC5n",
      "a\u0301\u0302\u0303",
      "\u{1F469}\u200D\u{1F4BB}",
    ]
  ) {
    assert.equal(hello(name).ok, true, name);
  }
});

Deno.test("room names follow the same rules", () => {
  const create = (name: string) => parseClientMessage(JSON.stringify({ type: "create", name }));
  assert.equal(create("\u200B\u200B").ok, false);
  assert.equal(create("x\uDFFF").ok, false);
  assert.equal(create("Room 1").ok, true);
});

Deno.test("look-alike names share a skeleton; different names do not", () => {
  const ann = nameSkeleton("Ann");
  for (const copy of ["ANN", "\u0410nn", "A\u200Bnn", "\uFF21nn", "\u0391nn"]) {
    assert.equal(nameSkeleton(copy), ann, copy);
  }
  assert.equal(nameSkeleton("paul"), nameSkeleton("PAUI"));
  assert.equal(nameSkeleton("bob0"), nameSkeleton("BOBO"));
  assert.notEqual(nameSkeleton("Ann"), nameSkeleton("Anna"));
  assert.notEqual(nameSkeleton("Bob"), nameSkeleton("Rob"));
});
