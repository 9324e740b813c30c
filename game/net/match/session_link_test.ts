import assert from "node:assert/strict";
import type { ControlMessage } from "../../../shared/peer_protocol.ts";
import { createManualClock } from "../clock.ts";
import type { InputTransport, LinkState, TransportStats } from "../input_transport.ts";
import { createSessionLink, type LinkHandlers, MAX_PENDING_CONTROL } from "./session_link.ts";

/** A transport that records what is sent on it; its handlers are the link's to set. */
function fakeTransport(state: LinkState = "open") {
  const sent: ControlMessage[] = [];
  const inputs: [number, number][] = [];
  const t = {
    state,
    onInput: null,
    onControl: null,
    onState: null,
    onPeerFrame: null,
    sendInput: (f: number, i: number) => void inputs.push([f, i]),
    sendControl: (m: ControlMessage) => void sent.push(m),
    setFrame: () => {},
    now: () => 0,
    poll: () => {},
    startAt: () => {},
    stats: () => ({ rttMs: 33, rttMinMs: 21 }) as TransportStats,
    close: () => {},
  } as InputTransport & { state: LinkState };
  return { t, sent, inputs };
}

/** Handlers that keep what they hear. */
function recorder() {
  const control: ControlMessage[] = [];
  const states: LinkState[] = [];
  const on: LinkHandlers = { control: (m) => control.push(m), state: (s) => states.push(s) };
  return { on, control, states };
}

const ping = (t: number): ControlMessage => ({ kind: "ping", t });

Deno.test("the proxy speaks to whichever transport is attached now", () => {
  const link = createSessionLink(createManualClock());
  const a = fakeTransport();
  const b = fakeTransport();
  link.attach(a.t, recorder().on);
  link.proxy.sendInput(0, 7);
  link.attach(b.t, recorder().on);
  link.proxy.sendInput(1, 8);
  link.proxy.sendControl(ping(1));
  assert.deepEqual(a.inputs, [[0, 7]]);
  assert.deepEqual(b.inputs, [[1, 8]]);
  assert.deepEqual(b.sent, [ping(1)]);
  assert.equal(link.transport, b.t);
});

Deno.test("a transport replaced by another is deaf to the runner and the session", () => {
  const link = createSessionLink(createManualClock());
  const a = fakeTransport();
  const heard = recorder();
  link.attach(a.t, heard.on);
  a.t.onControl!(ping(1));
  link.attach(fakeTransport().t, recorder().on);
  assert.equal(a.t.onControl, null);
  assert.equal(a.t.onState, null);
  assert.equal(a.t.onInput, null);
  assert.equal(a.t.onPeerFrame, null);
  assert.deepEqual(heard.control, [ping(1)]);
});

Deno.test("the runner hears every control message and state; the session's peer frames pass", () => {
  const link = createSessionLink(createManualClock());
  const a = fakeTransport();
  const heard = recorder();
  link.attach(a.t, heard.on);
  const frames: number[] = [];
  link.proxy.onPeerFrame = (f) => void frames.push(f);
  a.t.onControl!({ kind: "bye", reason: "left" });
  a.t.onState!("interrupted");
  a.t.onPeerFrame!(42, 0);
  assert.deepEqual(heard.control, [{ kind: "bye", reason: "left" }]);
  assert.deepEqual(heard.states, ["interrupted"]);
  assert.deepEqual(frames, [42]);
});

Deno.test("control for a session not yet there is kept, without hellos, and handed over first", () => {
  const link = createSessionLink(createManualClock());
  const a = fakeTransport();
  link.attach(a.t, recorder().on);
  link.toSession(ping(1));
  link.toSession({ kind: "hello", version: 1, name: "Ada" });
  link.toSession(ping(2));
  assert.equal(a.t.onInput, null, "inputs stay in the transport until play");
  const got: ControlMessage[] = [];
  link.proxy.onControl = (m) => void got.push(m);
  link.play();
  assert.deepEqual(got, [ping(1), ping(2)]);
  link.toSession(ping(3));
  assert.deepEqual(got, [ping(1), ping(2), ping(3)]);
  const inputs: number[] = [];
  link.proxy.onInput = (f) => void inputs.push(f);
  a.t.onInput!(5, 1);
  assert.deepEqual(inputs, [5]);
});

Deno.test("flowInputs lets the current transport's inputs through and leaves the kept control kept", () => {
  const link = createSessionLink(createManualClock());
  const a = fakeTransport();
  const b = fakeTransport();
  link.attach(a.t, recorder().on);
  link.toSession(ping(1)); // nobody listens yet: kept
  link.attach(b.t, recorder().on);
  const got: ControlMessage[] = [];
  link.proxy.onControl = (m) => void got.push(m);
  const inputs: [number, number][] = [];
  link.proxy.onInput = (f, i) => void inputs.push([f, i]);
  link.flowInputs();
  assert.equal(a.t.onInput, null, "the replaced transport is not given the inputs");
  b.t.onInput!(9, 3);
  assert.deepEqual(inputs, [[9, 3]]);
  assert.deepEqual(got, [], "the kept control is not handed over by flowInputs");
  link.play();
  assert.deepEqual(got, [ping(1)]);
});

Deno.test("the kept control is bounded", () => {
  const link = createSessionLink(createManualClock());
  for (let i = 0; i < MAX_PENDING_CONTROL + 10; i++) link.toSession(ping(i));
  let got = 0;
  link.proxy.onControl = () => void got++;
  link.play();
  assert.equal(got, MAX_PENDING_CONTROL);
});

Deno.test("link states reach the session only if it listens", () => {
  const link = createSessionLink(createManualClock());
  link.stateToSession("interrupted"); // nobody listens: nothing to throw
  const states: LinkState[] = [];
  link.proxy.onState = (s) => void states.push(s);
  link.stateToSession("open");
  assert.deepEqual(states, ["open"]);
});

Deno.test("trySend sends while the link is up and drops quietly otherwise", () => {
  const link = createSessionLink(createManualClock());
  link.trySend(ping(0)); // no transport yet
  const a = fakeTransport();
  link.attach(a.t, recorder().on);
  link.trySend(ping(1));
  a.t.state = "disconnected";
  link.trySend(ping(2));
  a.t.state = "interrupted";
  a.t.sendControl = () => {
    throw new Error("channel closing");
  };
  link.trySend(ping(3));
  assert.deepEqual(a.sent, [ping(1)]);
});

Deno.test("readRtt reads the transport's, from stats() when it has no readRtt", () => {
  const link = createSessionLink(createManualClock());
  const into = { rttMs: -1, rttMinMs: -1 };
  link.readRtt(into);
  assert.deepEqual(into, { rttMs: -1, rttMinMs: -1 });
  link.attach(fakeTransport().t, recorder().on);
  link.readRtt(into);
  assert.deepEqual(into, { rttMs: 33, rttMinMs: 21 });
});

Deno.test("the proxy's clock is the runner's", () => {
  const clock = createManualClock();
  const link = createSessionLink(clock);
  clock.advance(250);
  assert.equal(link.proxy.now!(), 250);
});
