import assert from "node:assert/strict";
import { parseUrlParams } from "./url_params.ts";

Deno.test("no parameters: nothing asked, no errors", () => {
  assert.deepEqual(parseUrlParams(""), {
    quick: false,
    room: null,
    name: null,
    sim: null,
    bot: null,
    inputDelay: null,
    overlay: false,
    renderer: "auto",
    replay: null,
    watch: null,
    errors: [],
  });
});

Deno.test("the automation contract: ?quick&bot=1&name=&sim=", () => {
  const p = parseUrlParams("?quick&bot=2&name=%20Ada%20%20L%20&sim=loss:15,delay:40,jitter:10");
  assert.equal(p.quick, true);
  assert.equal(p.bot, 2);
  assert.equal(p.name, "Ada L");
  assert.equal(p.sim?.loss, 0.15);
  assert.equal(p.sim?.delayMs, 40);
  assert.equal(p.sim?.jitterMs, 10);
  assert.deepEqual(p.errors, []);
});

Deno.test("room, overlay, delay and a bare bot", () => {
  const p = parseUrlParams("room=AbC-12_x&overlay&delay=3&bot");
  assert.equal(p.room, "AbC-12_x");
  assert.equal(p.overlay, true);
  assert.equal(p.inputDelay, 3);
  assert.equal(p.bot, 1);
  assert.equal(parseUrlParams("quick=0").quick, false);
  assert.equal(parseUrlParams("delay=0").inputDelay, 0);
  assert.equal(parseUrlParams("renderer=Canvas").renderer, "canvas");
  assert.equal(parseUrlParams("renderer=webgl").renderer, "webgl");
  assert.equal(parseUrlParams("renderer=vulkan").renderer, "auto");
  assert.match(parseUrlParams("renderer=vulkan").errors[0], /auto, canvas or webgl/);
});

Deno.test("bad values are dropped with a sentence each, never thrown", () => {
  const p = parseUrlParams(
    "room=../../etc&name=" + "x".repeat(30) + "&sim=loss:lots&bot=-3&delay=99",
  );
  assert.equal(p.room, null);
  assert.equal(p.name, null);
  assert.equal(p.sim, null);
  assert.equal(p.bot, null);
  assert.equal(p.inputDelay, null);
  assert.equal(p.errors.length, 5);
  assert.match(p.errors.join("\n"), /room:.*not a room id/);
  assert.match(p.errors.join("\n"), /sim:/);
  assert.match(p.errors.join("\n"), /delay: input delay must be 0\.\.10/);
  assert.equal(parseUrlParams("name=%20%20").name, null);
  assert.equal(parseUrlParams("delay=").inputDelay, null);
});

Deno.test("a room wins over quick", () => {
  const p = parseUrlParams("quick&room=abc");
  assert.equal(p.quick, false);
  assert.equal(p.room, "abc");
  assert.match(p.errors[0], /joining the room/);
});

Deno.test("?replay= takes a URL and turns off quick and room", () => {
  const p = parseUrlParams("?replay=/replays/a.duet&quick&room=ABC");
  assert.equal(p.replay, "/replays/a.duet");
  assert.equal(p.quick, false);
  assert.equal(p.room, null);
  assert.equal(parseUrlParams("?replay=javascript:alert(1)").replay, null);
  assert.match(parseUrlParams("?replay=").errors.join(), /replay/);
});

Deno.test("?watch= takes a room id and turns off quick and room; a replay wins over it", () => {
  const p = parseUrlParams("?watch=k3j5h2g6f7&quick&room=ABC");
  assert.equal(p.watch, "k3j5h2g6f7");
  assert.equal(p.quick, false);
  assert.equal(p.room, null);
  assert.equal(parseUrlParams("?watch=a%20b").watch, null);
  assert.match(parseUrlParams("?watch=a%20b").errors.join(), /watch/);
  const both = parseUrlParams("?watch=abc&replay=/r.duet");
  assert.equal(both.watch, null);
  assert.equal(both.replay, "/r.duet");
  assert.match(both.errors.join(), /playing the replay/);
});
