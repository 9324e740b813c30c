import assert from "node:assert/strict";
import { errorText } from "./error_text.ts";

Deno.test("an Error gives its message, anything else its text", () => {
  assert.equal(errorText(new RangeError("too big")), "too big");
  assert.equal(errorText("plain"), "plain");
  assert.equal(errorText(42), "42");
  assert.equal(errorText(undefined), "undefined");
});
