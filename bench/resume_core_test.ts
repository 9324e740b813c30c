import assert from "node:assert/strict";
import { resumeCase, resumedAt } from "./resume_core.ts";

Deno.test("a try has resumed once the page plays 30 confirmed frames past the start", () => {
  const r = [
    { t: 10, state: "playing", confirmedFrame: 100 },
    { t: 60, state: "playing", confirmedFrame: 129 },
    { t: 110, state: "lobby", confirmedFrame: 140 },
    { t: 160, state: "playing", confirmedFrame: 130 },
  ];
  assert.equal(resumedAt(r, 100), 160);
  assert.equal(resumedAt(r, 120), null);
  assert.equal(resumedAt([], 0), null);
});

Deno.test("a case counts the failed tries and summarizes the others", () => {
  const c = resumeCase("outage", [300, null, 100, 200], true);
  assert.equal(c.tries, 4);
  assert.equal(c.failed, 1);
  assert.equal(c.ms?.n, 3);
  assert.equal(c.ms?.p50, 200);
  assert.equal(c.inSync, true);
  const none = resumeCase("reload", [null], true);
  assert.equal(none.ms, null);
  assert.equal(none.inSync, null, "no resumed try, nothing compared");
});
