import assert from "node:assert/strict";
import {
  initialMatchLink,
  isLinkTerminal,
  type MatchLink,
  type MatchLinkEffect,
  type MatchLinkEvent,
  stepMatchLink,
} from "./match_link.ts";

const config = { silenceMs: 7000, repair: true };

function run(events: MatchLinkEvent[], l: MatchLink = initialMatchLink(), cfg = config) {
  const effects: MatchLinkEffect[] = [];
  for (const e of events) {
    const r = stepMatchLink(l, e, cfg);
    l = r.link;
    effects.push(...r.effects);
  }
  return { link: l, effects };
}

const opened: MatchLinkEvent[] = [
  { type: "peer", state: "connecting" },
  { type: "peer", state: "open" },
];

Deno.test("connecting until the peer connection opens; then open, told once", () => {
  const { link, effects } = run(opened);
  assert.equal(link.state, "open");
  assert.deepEqual(effects, [{ type: "state", state: "open" }]);
  assert.equal(isLinkTerminal(link.state), false);
});

Deno.test("a quiet transport interrupts the link and arms one repair; packets back cancel it", () => {
  const quiet = run([...opened, { type: "link", state: "interrupted", peerOpen: true }]);
  assert.equal(quiet.link.state, "interrupted");
  assert.deepEqual(quiet.effects.slice(1), [
    { type: "arm-repair" },
    { type: "state", state: "interrupted" },
  ]);
  // Still quiet: no second timer.
  const again = run([{ type: "link", state: "interrupted", peerOpen: true }], quiet.link);
  assert.deepEqual(again.effects, []);
  const back = run([{ type: "link", state: "open", peerOpen: true }], quiet.link);
  assert.equal(back.link.state, "open");
  assert.deepEqual(back.effects, [{ type: "cancel-repair" }, { type: "state", state: "open" }]);
  // A repair that comes due after the cancel does nothing.
  assert.deepEqual(run([{ type: "repair-due" }], back.link).effects, []);
});

Deno.test("the repair fires when the silence outlasts its delay; with restarts off none is armed", () => {
  const due = run([
    ...opened,
    { type: "link", state: "interrupted", peerOpen: true },
    { type: "repair-due" },
  ]);
  assert.deepEqual(due.effects.at(-1), { type: "repair" });
  assert.equal(due.link.state, "interrupted");
  const off = run(
    [...opened, { type: "link", state: "interrupted", peerOpen: true }],
    initialMatchLink(),
    { ...config, repair: false },
  );
  assert.ok(!off.effects.some((e) => e.type === "arm-repair"));
  assert.equal(off.link.state, "interrupted");
});

Deno.test("ICE back while the transport still hears nothing stays interrupted", () => {
  const { link } = run([
    ...opened,
    { type: "link", state: "interrupted", peerOpen: true },
    { type: "peer", state: "interrupted" },
    { type: "peer", state: "open" },
  ]);
  assert.equal(link.state, "interrupted");
  // Packets back while ICE is still down: interrupted until ICE says open too.
  const ice = run([
    ...opened,
    { type: "peer", state: "interrupted" },
    { type: "link", state: "open", peerOpen: false },
  ]);
  assert.equal(ice.link.state, "interrupted");
});

Deno.test("each ending has its state and reason; the transport's and peer's endings are told once", () => {
  const silent = run([...opened, { type: "link", state: "disconnected", peerOpen: true }]);
  assert.equal(silent.link.state, "disconnected");
  assert.match(silent.link.error!.message, /silent for 7 s/);
  assert.deepEqual(silent.effects.slice(-2), [{ type: "end" }, {
    type: "state",
    state: "disconnected",
  }]);

  const bye = run([...opened, { type: "link", state: "closed", peerOpen: true }]);
  assert.match(bye.link.error!.message, /left the match/);

  const ice = run([{ type: "peer", state: "failed", error: new Error("ICE failed: no route") }]);
  assert.equal(ice.link.state, "failed");
  assert.equal(ice.link.error!.message, "ICE failed: no route");

  // Nothing after the end changes anything.
  for (
    const e of [
      { type: "peer", state: "open" },
      { type: "link", state: "open", peerOpen: true },
      { type: "close", bye: "left" },
      { type: "repair-due" },
    ] as MatchLinkEvent[]
  ) {
    const r = stepMatchLink(ice.link, e, config);
    assert.equal(r.link, ice.link);
    assert.deepEqual(r.effects, []);
  }
});

Deno.test("an ending while a repair is armed cancels the timer first", () => {
  const { effects } = run([
    ...opened,
    { type: "link", state: "interrupted", peerOpen: true },
    { type: "peer", state: "closed" },
  ]);
  assert.deepEqual(effects.slice(-3), [
    { type: "cancel-repair" },
    { type: "end" },
    { type: "state", state: "disconnected" },
  ]);
});

Deno.test("close says bye with the reason; abandon (no bye) only ends; peer-left ends only before open", () => {
  const closed = run([...opened, { type: "close", bye: "left" }]);
  assert.equal(closed.link.state, "closed");
  assert.equal(closed.link.error, null);
  assert.deepEqual(closed.effects.slice(-2), [{ type: "end", bye: "left" }, {
    type: "state",
    state: "closed",
  }]);
  assert.deepEqual(run([{ type: "close" }]).effects[0], { type: "end" });

  const early = run([{ type: "peer", state: "connecting" }, { type: "peer-left" }]);
  assert.equal(early.link.state, "disconnected");
  assert.match(early.link.error!.message, /before the connection opened/);
  // Once open, the lobby's word is the match runner's business (a held seat may come back).
  const late = run([...opened, { type: "peer-left" }]);
  assert.equal(late.link.state, "open");
});
