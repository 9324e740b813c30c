import assert from "node:assert/strict";
import {
  decodeControl,
  decodeInputPacket,
  encodeControl,
  encodeInputPacket,
  type InputPacket,
} from "../../shared/peer_protocol.ts";
import {
  createInputLink,
  type InputLink,
  inputLinkConfig,
  type InputLinkEffect,
  inputLinkStats,
  MAX_PINGS_PER_SECOND,
  readInputLinkRtt,
  stepInputLink,
} from "./input_link.ts";

const fresh = (opts = {}) => createInputLink(inputLinkConfig(opts), 0);
const kinds = (effects: InputLinkEffect[]) => effects.map((e) => e.kind);
const packet = (p: Partial<InputPacket>) =>
  encodeInputPacket({ start: 0, ack: -1, inputs: new Uint8Array(), seq: 0, frame: 0, ...p });
const sentPacket = (effects: InputLinkEffect[]): InputPacket => {
  const e = effects.find((e) => e.kind === "send-input");
  assert.ok(e && e.kind === "send-input", `no send-input in ${kinds(effects)}`);
  const d = decodeInputPacket(e.bytes);
  assert.ok(d.ok);
  return d.value;
};
const push = (link: InputLink, frame: number, input: number, now = 0) =>
  stepInputLink(link, { kind: "local-input", frame, input, now });

Deno.test("link: a local input sends the unacked window and schedules one resend", () => {
  const link = fresh();
  assert.deepEqual(kinds(push(link, 0, 7)), ["send-input", "schedule-resend"]);
  const e = push(link, 1, 9, 1);
  // The pending resend is cancelled: the new packet repeats the window already.
  assert.deepEqual(kinds(e), ["cancel-resend", "send-input", "schedule-resend"]);
  const p = sentPacket(e);
  assert.equal(p.start, 0);
  assert.deepEqual([...p.inputs], [7, 9]);
  assert.equal(p.seq, 1);
});

Deno.test("link: resendAfterMs 0 schedules no resend", () => {
  const link = fresh({ resendAfterMs: 0 });
  assert.deepEqual(kinds(push(link, 0, 1)), ["send-input"]);
});

Deno.test("link: the resend goes out while unacked and is skipped once the peer acked", () => {
  const link = fresh();
  push(link, 0, 1);
  const e = stepInputLink(link, { kind: "resend-due", now: 2 });
  assert.deepEqual(kinds(e), ["send-input"]);
  assert.equal(inputLinkStats(link).resends, 1);
  push(link, 1, 2, 16);
  stepInputLink(link, { kind: "input-packet", bytes: packet({ ack: 1 }), now: 17 });
  assert.deepEqual(stepInputLink(link, { kind: "resend-due", now: 18 }), []);
  assert.equal(inputLinkStats(link).ackedLocalFrame, 1);
});

Deno.test("link: remote inputs are offered from the next frame and acked only when accepted", () => {
  const link = fresh();
  const e = stepInputLink(link, {
    kind: "input-packet",
    bytes: packet({ start: 0, inputs: new Uint8Array([4, 5, 6]), frame: 3 }),
    now: 10,
  });
  assert.deepEqual(kinds(e), ["peer-frame", "deliver"]);
  const d = e[1];
  assert.ok(d.kind === "deliver");
  assert.equal(d.start, 0);
  assert.deepEqual([...d.inputs], [4, 5, 6]);
  assert.equal(link.lastRemoteFrame, -1, "offering is not acking");
  stepInputLink(link, { kind: "accepted", frame: 0 });
  stepInputLink(link, { kind: "refused", count: 2 });
  assert.equal(inputLinkStats(link).lastRemoteFrame, 0);
  assert.equal(inputLinkStats(link).rejected, 2);
  // The same frames again (a resend, new seq): only the ones not taken are offered.
  const again = stepInputLink(link, {
    kind: "input-packet",
    bytes: packet({ start: 0, inputs: new Uint8Array([4, 5, 6]), seq: 1, frame: 3 }),
    now: 11,
  });
  const d2 = again.find((x) => x.kind === "deliver");
  assert.ok(d2 && d2.kind === "deliver");
  assert.equal(d2.start, 1);
  assert.deepEqual([...d2.inputs], [5, 6]);
  // An out-of-order accept (not the next frame) changes nothing.
  stepInputLink(link, { kind: "accepted", frame: 5 });
  assert.equal(link.lastRemoteFrame, 0);
  // Our next packet acks what was accepted.
  assert.equal(sentPacket(push(link, 0, 0, 12)).ack, 0);
});

Deno.test("link: a packet past a gap offers nothing; a duplicate is counted, not re-timed", () => {
  const link = fresh();
  const gap = stepInputLink(link, {
    kind: "input-packet",
    bytes: packet({ start: 5, inputs: new Uint8Array([1]) }),
    now: 0,
  });
  assert.deepEqual(kinds(gap), ["peer-frame"]);
  const dup = stepInputLink(link, {
    kind: "input-packet",
    bytes: packet({ start: 5, inputs: new Uint8Array([1]) }),
    now: 1,
  });
  assert.deepEqual(kinds(dup), []);
  assert.equal(inputLinkStats(link).duplicates, 1);
  assert.equal(inputLinkStats(link).packetsReceived, 1);
});

Deno.test("link: garbage and acks of frames never sent are malformed and change no state", () => {
  const link = fresh();
  assert.deepEqual(
    stepInputLink(link, { kind: "input-packet", bytes: new Uint8Array([1, 2, 3]), now: 0 }),
    [],
  );
  assert.deepEqual(
    stepInputLink(link, { kind: "input-packet", bytes: packet({ ack: 0 }), now: 0 }),
    [],
  );
  assert.deepEqual(
    stepInputLink(link, { kind: "control-packet", bytes: new Uint8Array([0xc1]), now: 0 }),
    [],
  );
  assert.equal(inputLinkStats(link).malformed, 3);
  assert.equal(inputLinkStats(link).ackedLocalFrame, -1);
});

Deno.test("link: silence makes it interrupted, a packet open again, longer silence disconnected", () => {
  const link = fresh({ interruptedAfterMs: 100, disconnectedAfterMs: 300 });
  const first = stepInputLink(link, { kind: "poll", now: 0 });
  assert.deepEqual(kinds(first), ["send-control", "send-input"], "a ping and a keepalive");
  assert.ok(kinds(stepInputLink(link, { kind: "poll", now: 100 })).includes("state"));
  assert.equal(link.state, "interrupted");
  const back = stepInputLink(link, { kind: "input-packet", bytes: packet({}), now: 150 });
  assert.deepEqual(back[0], { kind: "state", state: "open" });
  stepInputLink(link, { kind: "poll", now: 250 });
  assert.equal(link.state, "interrupted");
  assert.deepEqual(stepInputLink(link, { kind: "poll", now: 450 }), [
    { kind: "state", state: "disconnected" },
    { kind: "detach" },
  ]);
  // Terminal: nothing more happens, and a late input is not an error.
  assert.deepEqual(stepInputLink(link, { kind: "poll", now: 500 }), []);
  assert.deepEqual(push(link, 0, 1, 500), []);
});

Deno.test("link: a peer that keeps talking but never acks is disconnected after ackTimeoutMs", () => {
  const link = fresh({ ackTimeoutMs: 1000 });
  push(link, 0, 1, 0);
  for (let t = 100; t < 1000; t += 100) {
    stepInputLink(link, {
      kind: "control-packet",
      bytes: encodeControl({ kind: "ping", t }),
      now: t,
    });
    stepInputLink(link, { kind: "poll", now: t });
    assert.equal(link.state, "open", `at ${t}`);
  }
  stepInputLink(link, {
    kind: "control-packet",
    bytes: encodeControl({ kind: "ping", t: 1 }),
    now: 1000,
  });
  const e = stepInputLink(link, { kind: "poll", now: 1000 });
  assert.deepEqual(kinds(e), ["state", "detach"]); // the keepalives already cancelled the resend
  assert.equal(link.state, "disconnected");
});

Deno.test("link: pings are answered up to the rate limit, the rest rejected", () => {
  const link = fresh();
  let pongs = 0;
  for (let i = 0; i < MAX_PINGS_PER_SECOND + 5; i++) {
    const e = stepInputLink(link, {
      kind: "control-packet",
      bytes: encodeControl({ kind: "ping", t: i }),
      now: 0,
    });
    for (const x of e) {
      if (x.kind !== "send-control") continue;
      const d = decodeControl(x.bytes);
      assert.ok(d.ok && d.value.kind === "pong");
      pongs++;
    }
  }
  assert.equal(pongs, MAX_PINGS_PER_SECOND);
  assert.equal(inputLinkStats(link).rejected, 5);
});

Deno.test("link: a pong gives the RTT until the input channel's echoes do", () => {
  const link = fresh();
  stepInputLink(link, {
    kind: "control-packet",
    bytes: encodeControl({ kind: "pong", t: 10 }),
    now: 50,
  });
  assert.equal(inputLinkStats(link).rttMs, 40);
  // A pong from the future answers no ping of ours.
  stepInputLink(link, {
    kind: "control-packet",
    bytes: encodeControl({ kind: "pong", t: 99 }),
    now: 60,
  });
  assert.equal(inputLinkStats(link).malformed, 1);
  // Our packet seq 0 at t=100, echoed 30 ms later after a 10 ms hold: 20 ms.
  push(link, 0, 1, 100);
  stepInputLink(link, {
    kind: "input-packet",
    bytes: packet({ echo: 0, holdMs: 10, ack: 0 }),
    now: 130,
  });
  assert.equal(inputLinkStats(link).rttLastMs, 20);
  assert.equal(inputLinkStats(link).rttMinMs, 20);
  // What the session reads per tick is the stats' two figures, into its own object.
  const into = { rttMs: -1, rttMinMs: -1 };
  readInputLinkRtt(link, into);
  const s = inputLinkStats(link);
  assert.deepEqual(into, { rttMs: s.rttMs, rttMinMs: s.rttMinMs });
  assert.notEqual(s.rttMs, s.rttMinMs);
});

Deno.test("link: a bye is passed on and closes; our close sends one and later steps do nothing", () => {
  const a = fresh();
  push(a, 0, 1);
  const bye = stepInputLink(a, {
    kind: "control-packet",
    bytes: encodeControl({ kind: "bye", reason: "quit" }),
    now: 1,
  });
  assert.deepEqual(kinds(bye), ["control", "cancel-resend", "detach", "state"]);
  assert.equal(a.state, "closed");

  const b = fresh();
  const e = stepInputLink(b, { kind: "close", reason: "x".repeat(1000) });
  assert.deepEqual(kinds(e), ["send-control", "detach", "state"]);
  const sent = e[0];
  assert.ok(sent.kind === "send-control");
  const d = decodeControl(sent.bytes);
  assert.ok(d.ok && d.value.kind === "bye" && d.value.reason.length === 256);
  assert.deepEqual(stepInputLink(b, { kind: "close", reason: "again" }), []);
  assert.deepEqual(stepInputLink(b, { kind: "send-control", bytes: new Uint8Array(1) }), []);
});

Deno.test("link: the loss rate is sampled once a second from sequence-number gaps", () => {
  const link = fresh();
  // Packets 0..9 sent by the peer, 2 of them lost.
  for (const seq of [0, 1, 2, 4, 5, 6, 8, 9]) {
    stepInputLink(link, { kind: "input-packet", bytes: packet({ seq }), now: seq });
  }
  assert.equal(inputLinkStats(link).packetsLost, 2);
  assert.equal(inputLinkStats(link).lossRate, 0);
  stepInputLink(link, { kind: "poll", now: 1000 });
  assert.equal(inputLinkStats(link).lossRate, 0.2);
});

Deno.test("link: bad settings get a RangeError naming them", () => {
  assert.throws(() => inputLinkConfig({ window: 0 }), /window/);
  assert.throws(() => inputLinkConfig({ keepaliveMs: -1 }), /keepaliveMs/);
  assert.throws(() => inputLinkConfig({ resendAfterMs: NaN }), /resendAfterMs/);
  assert.throws(
    () => inputLinkConfig({ interruptedAfterMs: 500, disconnectedAfterMs: 100 }),
    /disconnectedAfterMs/,
  );
  assert.throws(() => push(fresh(), 1, 0), /expected frame 0/);
  assert.throws(() => push(fresh(), 0, 256), /0\.\.255/);
});
