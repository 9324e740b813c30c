import assert from "node:assert/strict";
import {
  createPeerLifecycle,
  type IceView,
  MAX_RESTARTS,
  type PeerLifecycle,
  type PeerLifecycleConfig,
  type PeerLifecycleEffect,
  type PeerLifecycleEvent,
  stepPeerLifecycle,
} from "./peer_lifecycle.ts";

const config = (over: Partial<PeerLifecycleConfig> = {}): PeerLifecycleConfig => ({
  role: "offerer",
  hasTurn: false,
  relayOnly: false,
  connectTimeoutMs: 10_000,
  relayAfterMs: 5_000,
  restartAfterMs: 1_000,
  ...over,
});
const v = (over: Partial<IceView> = {}): IceView => ({
  ice: "new",
  conn: "new",
  signalingState: "stable",
  bothOpen: false,
  ...over,
});
const kinds = (effects: PeerLifecycleEffect[]) => effects.map((e) => e.kind);
const step = (l: PeerLifecycle, e: PeerLifecycleEvent) => stepPeerLifecycle(l, e);
const CAND: RTCIceCandidateInit = { candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host" };

/** A lifecycle that connected: both channels open, ICE connected. */
function opened(over: Partial<PeerLifecycleConfig> = {}): PeerLifecycle {
  const l = createPeerLifecycle(config(over));
  step(l, { kind: "connect", view: v() });
  step(l, { kind: "transport-change", view: v({ ice: "connected", conn: "connected" }) });
  step(l, { kind: "channel-open", channel: "controlOpen", view: v() });
  step(l, { kind: "channel-open", channel: "inputOpen", view: v({ bothOpen: true }) });
  assert.equal(l.state, "open");
  return l;
}

Deno.test("lifecycle: the offerer's connect arms the timeout and makes the offer", () => {
  const l = createPeerLifecycle(config());
  assert.deepEqual(step(l, { kind: "connect", view: v() }), [
    { kind: "mark", name: "start" },
    { kind: "state", state: "connecting" },
    { kind: "set-timer", timer: "connect", afterMs: 10_000 },
    { kind: "make-offer" },
  ]);
  assert.deepEqual(step(l, { kind: "connect", view: v() }), [], "connect is idempotent");
});

Deno.test("lifecycle: the answerer's connect makes no offer; with TURN the offerer arms the relay check", () => {
  const a = createPeerLifecycle(config({ role: "answerer", hasTurn: true }));
  assert.deepEqual(kinds(step(a, { kind: "connect", view: v() })), ["mark", "state", "set-timer"]);
  const o = createPeerLifecycle(config({ hasTurn: true }));
  const e = step(o, { kind: "connect", view: v() });
  assert.deepEqual(e.at(-1), { kind: "set-timer", timer: "recovery", afterMs: 5_000 });
  assert.equal(o.recovery, "relay-check");
  // Already relay-only: no retry to make.
  const r = createPeerLifecycle(config({ hasTurn: true, relayOnly: true }));
  step(r, { kind: "connect", view: v() });
  assert.equal(r.recovery, null);
});

Deno.test("lifecycle: both channels open resolves the connect, clears its timers and watches the path", () => {
  const l = createPeerLifecycle(config({ hasTurn: true }));
  step(l, { kind: "connect", view: v() });
  assert.deepEqual(step(l, { kind: "channel-open", channel: "controlOpen", view: v() }), [
    { kind: "mark", name: "controlOpen" },
  ]);
  assert.deepEqual(
    step(l, { kind: "channel-open", channel: "inputOpen", view: v({ bothOpen: true }) }),
    [
      { kind: "mark", name: "inputOpen" },
      { kind: "mark", name: "open" },
      { kind: "watch-path" },
      { kind: "clear-timer", timer: "connect" },
      { kind: "clear-timer", timer: "recovery" },
      { kind: "state", state: "open" },
      { kind: "opened" },
    ],
  );
});

Deno.test("lifecycle: channels open before connect() open the connection at connect()", () => {
  const l = createPeerLifecycle(config({ role: "answerer" }));
  assert.deepEqual(
    kinds(step(l, { kind: "channel-open", channel: "inputOpen", view: v({ bothOpen: true }) })),
    [
      "mark",
    ],
  );
  assert.equal(l.state, "new");
  assert.ok(kinds(step(l, { kind: "connect", view: v({ bothOpen: true }) })).includes("opened"));
  assert.equal(l.state, "open");
});

Deno.test("lifecycle: the connect timeout fails with a clear error that says a relay is needed", () => {
  const l = createPeerLifecycle(config({ connectTimeoutMs: 2500 }));
  step(l, { kind: "connect", view: v() });
  step(l, { kind: "local-candidate", candidate: CAND });
  const e = step(l, { kind: "timer", timer: "connect", view: v({ ice: "checking" }) });
  assert.deepEqual(kinds(e), ["teardown", "state"]);
  assert.equal(l.state, "failed");
  assert.match(l.error!.message, /^ICE failed: no route to peer within 2.5 s: .*TURN relay/);
  assert.match(l.error!.message, /ice checking, 1 local and 0 remote candidates/);
  const t = e[0];
  assert.ok(t.kind === "teardown" && t.error === l.error);
  // With TURN the hint is left out.
  const turn = createPeerLifecycle(config({ hasTurn: true }));
  step(turn, { kind: "connect", view: v() });
  step(turn, { kind: "timer", timer: "connect", view: v() });
  assert.doesNotMatch(turn.error!.message, /TURN/);
});

Deno.test("lifecycle: ICE failing before open fails at once; after open the offerer restarts", () => {
  const l = createPeerLifecycle(config());
  step(l, { kind: "connect", view: v() });
  step(l, { kind: "transport-change", view: v({ ice: "failed", conn: "failed" }) });
  assert.equal(l.state, "failed");
  assert.match(l.error!.message, /^ICE failed: no route to peer/);

  const o = opened();
  const e = step(o, {
    kind: "transport-change",
    view: v({ ice: "failed", conn: "failed", bothOpen: true }),
  });
  assert.deepEqual(e, [
    { kind: "set-timer", timer: "recovery", afterMs: 0 },
    { kind: "state", state: "interrupted" },
  ]);
  assert.equal(o.recovery, "restart");
});

Deno.test("lifecycle: a disconnected path is restarted after restartAfterMs, then given the connect timeout", () => {
  const l = opened();
  const d = step(l, {
    kind: "transport-change",
    view: v({ ice: "disconnected", conn: "disconnected", bothOpen: true }),
  });
  assert.deepEqual(d, [
    { kind: "set-timer", timer: "recovery", afterMs: 1_000 },
    { kind: "state", state: "interrupted" },
  ]);
  // A second disconnected report does not re-arm (the restart would be pushed back forever).
  assert.deepEqual(
    step(l, { kind: "transport-change", view: v({ ice: "disconnected", bothOpen: true }) }),
    [],
  );
  assert.deepEqual(step(l, { kind: "timer", timer: "recovery", view: v() }), [
    { kind: "restart-ice" },
    { kind: "set-timer", timer: "recovery", afterMs: 10_000 },
  ]);
  // The shell asks before it offers: granted once, in a stable signalling state only.
  assert.deepEqual(
    step(l, {
      kind: "restart-begin",
      view: v({ signalingState: "have-local-offer" }),
      canSetConfiguration: true,
    }),
    [],
  );
  assert.deepEqual(step(l, { kind: "restart-begin", view: v(), canSetConfiguration: true }), [
    { kind: "begin-restart", relayOnly: false },
  ]);
  assert.equal(l.restarts, 1);
  assert.equal(l.descriptionSent, false, "new candidates wait for the restart offer");
  // No path again by the deadline: the match is over, with the reason.
  step(l, { kind: "timer", timer: "recovery", view: v() });
  assert.equal(l.state, "failed");
  assert.match(l.error!.message, /connection lost: ICE found no path again/);
});

Deno.test("lifecycle: ICE coming back clears the recovery and reopens", () => {
  const l = opened();
  step(l, {
    kind: "transport-change",
    view: v({ ice: "disconnected", conn: "disconnected", bothOpen: true }),
  });
  const e = step(l, {
    kind: "transport-change",
    view: v({ ice: "connected", conn: "connected", bothOpen: true }),
  });
  assert.deepEqual(e, [
    { kind: "mark", name: "iceConnected" },
    { kind: "read-path" },
    { kind: "clear-timer", timer: "recovery" },
    { kind: "state", state: "open" },
  ]);
  assert.equal(l.recovery, null);
});

Deno.test("lifecycle: the answerer waits for the offerer's restart, then fails", () => {
  const l = opened({ role: "answerer" });
  const e = step(l, { kind: "transport-change", view: v({ ice: "disconnected", bothOpen: true }) });
  assert.deepEqual(e[0], { kind: "set-timer", timer: "recovery", afterMs: 11_000 });
  assert.deepEqual(step(l, { kind: "repair" }), [], "the answerer never restarts");
  step(l, { kind: "timer", timer: "recovery", view: v() });
  assert.equal(l.state, "failed");
});

Deno.test("lifecycle: restarts stop at MAX_RESTARTS, then ICE failure ends the match", () => {
  const l = opened({ hasTurn: true });
  for (let i = 0; i < MAX_RESTARTS; i++) {
    assert.deepEqual(step(l, { kind: "repair" }), [{ kind: "restart-ice" }]);
    const b = step(l, { kind: "restart-begin", view: v(), canSetConfiguration: true });
    // The first restart moves to the relay; the second is already there.
    assert.deepEqual(b, [{ kind: "begin-restart", relayOnly: i === 0 }]);
  }
  assert.deepEqual(step(l, { kind: "repair" }), []);
  assert.deepEqual(step(l, { kind: "restart-begin", view: v(), canSetConfiguration: true }), []);
  step(l, { kind: "transport-change", view: v({ ice: "failed", conn: "failed", bothOpen: true }) });
  assert.equal(l.state, "failed");
  assert.match(l.error!.message, /connection lost: ICE failed after the peer went silent/);
});

Deno.test("lifecycle: restartAfterMs 0 turns recovery off; repair before open does nothing", () => {
  const l = opened({ restartAfterMs: 0 });
  assert.deepEqual(
    step(l, { kind: "transport-change", view: v({ ice: "disconnected", bothOpen: true }) }),
    [
      { kind: "state", state: "interrupted" },
    ],
  );
  const n = createPeerLifecycle(config());
  step(n, { kind: "connect", view: v() });
  assert.deepEqual(step(n, { kind: "repair" }), []);
});

Deno.test("lifecycle: the relay check restarts only while unopened and stable", () => {
  const l = createPeerLifecycle(config({ hasTurn: true }));
  step(l, { kind: "connect", view: v() });
  assert.deepEqual(
    step(l, { kind: "timer", timer: "recovery", view: v({ signalingState: "have-local-offer" }) }),
    [],
  );
  const m = createPeerLifecycle(config({ hasTurn: true }));
  step(m, { kind: "connect", view: v() });
  assert.deepEqual(step(m, { kind: "timer", timer: "recovery", view: v() }), [{
    kind: "restart-ice",
  }]);
});

Deno.test("lifecycle: local candidates wait for our description, then go out in order", () => {
  const l = createPeerLifecycle(config());
  step(l, { kind: "connect", view: v() });
  assert.deepEqual(step(l, { kind: "local-candidate", candidate: CAND }), []);
  assert.deepEqual(step(l, { kind: "local-candidate", candidate: null }), []);
  assert.deepEqual(step(l, { kind: "description-sent" }), [
    { kind: "send-candidate", candidate: CAND },
    { kind: "send-candidate", candidate: null },
  ]);
  assert.deepEqual(step(l, { kind: "local-candidate", candidate: CAND }), [
    { kind: "send-candidate", candidate: CAND },
  ]);
  assert.equal(l.localCandidates, 2);
});

Deno.test("lifecycle: remote candidates wait for the remote description; garbled ones are counted", () => {
  const l = createPeerLifecycle(config({ role: "answerer" }));
  assert.deepEqual(
    step(l, { kind: "signal", data: { kind: "candidate", candidate: CAND }, view: v() }),
    [],
  );
  assert.deepEqual(
    step(l, { kind: "signal", data: { kind: "candidate", candidate: { x: 1 } }, view: v() }),
    [],
  );
  assert.deepEqual(
    step(l, { kind: "signal", data: { kind: "candidate", candidate: null }, view: v() }),
    [],
  );
  assert.deepEqual(
    step(l, { kind: "signal", data: { kind: "offer", sdp: "v=0" }, view: v() }),
    [{ kind: "apply-description", type: "offer", sdp: "v=0", renegotiation: false }],
  );
  step(l, { kind: "remote-description-set", type: "offer", renegotiation: false });
  assert.deepEqual(step(l, { kind: "remote-ready" }), [
    { kind: "add-candidate", candidate: CAND },
    { kind: "add-candidate", candidate: null },
  ]);
  assert.deepEqual(
    step(l, { kind: "signal", data: { kind: "candidate", candidate: CAND }, view: v() }),
    [
      { kind: "add-candidate", candidate: CAND },
    ],
  );
  step(l, { kind: "candidate-rejected" });
  assert.deepEqual(
    [l.remoteCandidates, l.queuedCandidates, l.rejectedCandidates],
    [2, 1, 2],
  );
  assert.equal(l.state, "new", "nothing here is fatal");
});

Deno.test("lifecycle: signals out of place fail with a signalling error", () => {
  const cases: [PeerLifecycleConfig["role"], unknown, RegExp][] = [
    ["offerer", { kind: "offer", sdp: "v=0" }, /the offerer received an offer/],
    ["answerer", { kind: "answer", sdp: "v=0" }, /the answerer received an answer/],
    ["answerer", "offer", /a signal must be an object/],
    ["answerer", [1], /a signal must be an object/],
    ["answerer", { kind: "offer" }, /the offer has no sdp/],
    ["answerer", { kind: "offer", sdp: "" }, /the offer has no sdp/],
    ["answerer", { kind: "hello" }, /unknown signal kind "hello"/],
  ];
  for (const [role, data, re] of cases) {
    const l = createPeerLifecycle(config({ role }));
    const e = step(l, { kind: "signal", data, view: v() });
    assert.deepEqual(kinds(e), ["teardown", "state"], JSON.stringify(data));
    assert.equal(l.state, "failed");
    assert.match(l.error!.message, /^signalling error: /);
    assert.match(l.error!.message, re);
  }
});

Deno.test("lifecycle: a second description is accepted only as an ICE restart", () => {
  const a = createPeerLifecycle(config({ role: "answerer" }));
  step(a, { kind: "remote-description-set", type: "offer", renegotiation: false });
  // A restart offer arrives when stable: renegotiation.
  assert.deepEqual(step(a, { kind: "signal", data: { kind: "offer", sdp: "v=1" }, view: v() }), [
    { kind: "apply-description", type: "offer", sdp: "v=1", renegotiation: true },
  ]);
  a.descriptionSent = true;
  step(a, { kind: "remote-description-set", type: "offer", renegotiation: true });
  assert.equal(a.descriptionSent, false, "the restart's candidates wait for the new answer");
  // Mid-negotiation: out of order.
  step(a, {
    kind: "signal",
    data: { kind: "offer", sdp: "v=2" },
    view: v({ signalingState: "have-remote-offer" }),
  });
  assert.match(a.error!.message, /a second offer arrived/);

  const o = createPeerLifecycle(config());
  step(o, { kind: "remote-description-set", type: "answer", renegotiation: false });
  assert.equal(
    step(o, {
      kind: "signal",
      data: { kind: "answer", sdp: "v=1" },
      view: v({ signalingState: "have-local-offer" }),
    })[0]
      .kind,
    "apply-description",
  );
  step(o, { kind: "signal", data: { kind: "answer", sdp: "v=1" }, view: v() });
  assert.match(o.error!.message, /a second answer arrived/);
});

Deno.test("lifecycle: close and a peer close are terminal; nothing after them has an effect", () => {
  const l = opened();
  const e = step(l, { kind: "close" });
  assert.deepEqual(kinds(e), ["teardown", "state"]);
  assert.equal(l.state, "closed");
  assert.equal(l.error, null, "a local close is no error");
  const events: PeerLifecycleEvent[] = [
    { kind: "close" },
    { kind: "channel-close" },
    { kind: "fail", message: "x" },
    { kind: "timer", timer: "connect", view: v() },
    { kind: "transport-change", view: v({ ice: "failed" }) },
    { kind: "signal", data: 1, view: v() },
    { kind: "local-candidate", candidate: CAND },
    { kind: "repair" },
    { kind: "connect", view: v() },
  ];
  for (const ev of events) assert.deepEqual(step(l, ev), [], ev.kind);

  const p = opened();
  step(p, { kind: "channel-close" });
  assert.equal(p.state, "closed");
  assert.equal(p.error!.message, "the peer closed the connection");
  const q = opened();
  step(q, { kind: "transport-change", view: v({ conn: "closed", ice: "closed" }) });
  assert.equal(q.state, "closed");
  // Closing before open rejects the pending connect with a reason.
  const n = createPeerLifecycle(config());
  step(n, { kind: "connect", view: v() });
  const t = step(n, { kind: "close" })[0];
  assert.ok(t.kind === "teardown");
  assert.match(t.error.message, /closed before it opened/);
});
