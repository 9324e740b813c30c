import assert from "node:assert/strict";
import * as v from "valibot";
import { type SignalData, SignalDataSchema } from "../../shared/lobby_protocol.ts";
import { createManualClock } from "./clock.ts";
import { createFakeRtcNetwork, type FakeRtcNetwork } from "./testing/fake_rtc.ts";
import type { ConnectionPath } from "./connection_path.ts";
import {
  createPeerConnection,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_RELAY_AFTER_MS,
  DEFAULT_RESTART_AFTER_MS,
  PATH_POLL_MS,
  type PeerConnection,
  type PeerConnectionOptions,
  type PeerState,
} from "./peer_connection.ts";

/** Lets the fake's queued events (setTimeout 0) run. */
const settle = (ms = 5) => new Promise((r) => setTimeout(r, ms));

interface Side {
  peer: PeerConnection;
  sent: SignalData[];
  states: PeerState[];
}

/**
 * Two peers whose signals reach each other the way the lobby relays them (in order, a task later).
 * `relay(from, signal)` may drop or hold a signal by returning false.
 */
function pair(
  net: FakeRtcNetwork,
  extra: Partial<PeerConnectionOptions> & {
    relay?: (from: "offerer" | "answerer", s: SignalData) => boolean;
    offerer?: Partial<PeerConnectionOptions>;
  } = {},
): { a: Side; b: Side } {
  const { relay, offerer, ...common } = extra;
  const make = (role: "offerer" | "answerer", own: Partial<PeerConnectionOptions>): Side => {
    const side = { sent: [] as SignalData[], states: [] as PeerState[] } as Side;
    side.peer = createPeerConnection({
      role,
      createRTCPeerConnection: net.factory,
      sendSignal: (s) => {
        // Everything sent must survive the lobby: JSON, then the protocol's own validation.
        const parsed = v.safeParse(SignalDataSchema, JSON.parse(JSON.stringify(s)));
        assert.ok(parsed.success, `invalid signal ${JSON.stringify(s)}`);
        side.sent.push(s);
        if (relay && !relay(role, s)) return;
        const other = role === "offerer" ? b : a;
        setTimeout(() => other.peer.handleSignal(s), 0);
      },
      ...common,
      ...own,
    });
    side.peer.onState = (s) => side.states.push(s);
    return side;
  };
  const a = make("offerer", offerer ?? {});
  const b = make("answerer", {});
  return { a, b };
}

const received = (ch: { onmessage: ((d: Uint8Array) => void) | null }) => {
  const got: number[][] = [];
  ch.onmessage = (d) => got.push([...d]);
  return got;
};

Deno.test("the offerer offers, ICE trickles both ways, and both channels open with the design's settings", async () => {
  const net = createFakeRtcNetwork();
  const { a, b } = pair(net, { iceServers: [{ urls: "stun:127.0.0.1:3478" }] });
  await Promise.all([a.peer.connect(), b.peer.connect()]);
  assert.equal(a.peer.state, "open");
  assert.equal(b.peer.state, "open");
  assert.deepEqual(a.states, ["connecting", "open"]);
  assert.deepEqual(b.states, ["connecting", "open"]);

  // Only the offerer offers; each side's description precedes its candidates; null ends them.
  assert.equal(a.sent[0].kind, "offer");
  assert.equal(b.sent[0].kind, "answer");
  assert.ok(!a.sent.some((s) => s.kind === "answer"));
  assert.ok(!b.sent.some((s) => s.kind === "offer"));
  for (const side of [a, b]) {
    const cands = side.sent.filter((s) => s.kind === "candidate");
    assert.ok(cands.length >= 2, "at least one candidate and the end marker");
    assert.equal(cands.at(-1)!.kind === "candidate" && cands.at(-1)!.candidate, null);
  }

  assert.deepEqual(net.peers[0].config.iceServers, [{ urls: "stun:127.0.0.1:3478" }]);
  for (const fake of net.peers) {
    const [control, input] = fake.channels;
    assert.equal(control.label, "control");
    assert.deepEqual(control.init, { negotiated: true, id: 0, ordered: true });
    assert.equal(input.label, "input");
    assert.deepEqual(input.init, { negotiated: true, id: 1, ordered: false, maxRetransmits: 0 });
    assert.equal(control.binaryType, "arraybuffer");
    assert.equal(input.binaryType, "arraybuffer");
  }

  const bControl = received(b.peer.control);
  const bInput = received(b.peer.input);
  const aInput = received(a.peer.input);
  a.peer.control.send(new Uint8Array([1, 2, 3]));
  a.peer.input.send(new Uint8Array([4]));
  b.peer.input.send(new Uint8Array([5, 6]));
  await settle();
  assert.deepEqual(bControl, [[1, 2, 3]]);
  assert.deepEqual(bInput, [[4]]);
  assert.deepEqual(aInput, [[5, 6]]);

  for (const side of [a, b]) {
    const t = side.peer.timings();
    assert.ok(t.start !== null && t.offer !== null && t.answer !== null && t.open !== null);
    assert.ok(t.start <= t.offer && t.offer <= t.answer && t.answer <= t.open);
    assert.ok(t.controlOpen !== null && t.inputOpen !== null && t.iceConnected !== null);
  }
  a.peer.close();
  b.peer.close();
  await settle();
});

Deno.test("remote candidates that arrive before the offer wait for it instead of being lost", async () => {
  const net = createFakeRtcNetwork();
  const held: SignalData[] = [];
  let bSide: Side | null = null;
  const { a, b } = pair(net, {
    relay: (from, s) => {
      // The answerer's candidates never reach the offerer, so only the queued ones can connect.
      if (from === "answerer") return s.kind === "answer";
      if (s.kind === "offer") {
        held.push(s);
        return false;
      }
      if (s.kind === "candidate" && s.candidate === null) {
        // Every offerer candidate is now in; deliver the offer last.
        setTimeout(() => bSide!.peer.handleSignal(held[0]), 1);
      }
      return true;
    },
  });
  bSide = b;
  await Promise.all([a.peer.connect(), b.peer.connect()]);
  const d = b.peer.diagnostics();
  assert.equal(d.queuedCandidates, 1);
  assert.equal(d.remoteCandidates, 1);
  assert.equal(d.rejectedCandidates, 0);
  const added = net.peers[1].addedCandidates;
  assert.equal(added.length, 2);
  assert.match(added[0]!.candidate!, /^candidate:1 /);
  assert.equal(added[1], null);
  a.peer.close();
  b.peer.close();
  await settle();
});

const TURN = [{ urls: "turn:127.0.0.1:3478", username: "u", credential: "c" }];

Deno.test("no route to the peer fails after the timeout with a clear error, not a hang", async () => {
  const net = createFakeRtcNetwork();
  net.reachable = false;
  const clock = createManualClock(1000);
  const { a, b } = pair(net, { clock, iceServers: TURN });
  const pa = a.peer.connect();
  const pb = b.peer.connect();
  const results = Promise.allSettled([pa, pb]);
  await settle(20);
  clock.advance(9_999);
  assert.equal(a.peer.state, "connecting");
  clock.advance(1);
  const [ra, rb] = await results;
  for (const r of [ra, rb]) {
    assert.equal(r.status, "rejected");
    assert.match(
      (r as PromiseRejectedResult).reason.message,
      /^ICE failed: no route to peer within 10 s \(ice new, 1 local and 1 remote candidates\)$/,
    );
  }
  assert.equal(a.peer.state, "failed");
  assert.deepEqual(a.states, ["connecting", "failed"]);
  assert.match(a.peer.error!.message, /^ICE failed/);
  assert.ok(net.peers.every((p) => p.closed), "a failed connection releases the RTCPeerConnection");
  await settle();
});

Deno.test("a relay-only peer with no TURN server gathers nothing and fails by the timeout", async () => {
  const net = createFakeRtcNetwork();
  const clock = createManualClock();
  const { a, b } = pair(net, {
    clock,
    connectTimeoutMs: 2_500,
    offerer: { iceTransportPolicy: "relay" },
  });
  const results = Promise.allSettled([a.peer.connect(), b.peer.connect()]);
  await settle(20);
  assert.equal(net.peers[0].config.iceTransportPolicy, "relay");
  assert.equal(a.peer.diagnostics().localCandidates, 0);
  clock.advance(2_500);
  const [ra] = await results;
  assert.equal(ra.status, "rejected");
  assert.match(
    (ra as PromiseRejectedResult).reason.message,
    /^ICE failed: no route to peer within 2.5 s \(ice new, 0 local/,
  );
  await settle();
});

Deno.test("the candidate filter keeps filtered candidates from the peer", async () => {
  const net = createFakeRtcNetwork();
  const clock = createManualClock();
  const { a, b } = pair(net, { clock, candidateFilter: () => false });
  const results = Promise.allSettled([a.peer.connect(), b.peer.connect()]);
  await settle(20);
  for (const side of [a, b]) {
    const sentCandidates = side.sent.filter((s) => s.kind === "candidate");
    assert.deepEqual(sentCandidates, [{ kind: "candidate", candidate: null }]);
  }
  clock.advance(10_000);
  assert.deepEqual((await results).map((r) => r.status), ["rejected", "rejected"]);
  await settle();
});

Deno.test("with no TURN server configured, the error says a relay would be needed", async () => {
  for (const iceServers of [[], [{ urls: ["stun:127.0.0.1:3478"] }]]) {
    const net = createFakeRtcNetwork();
    net.reachable = false;
    const clock = createManualClock();
    const { a, b } = pair(net, { clock, iceServers });
    const results = Promise.allSettled([a.peer.connect(), b.peer.connect()]);
    await settle(20);
    clock.advance(10_000);
    for (const r of await results) {
      assert.equal(r.status, "rejected");
      assert.match(
        (r as PromiseRejectedResult).reason.message,
        /^ICE failed: no route to peer within 10 s: no direct path works and the lobby offers no TURN relay, which these networks need \(ice /,
      );
    }
  }
  await settle();
});

Deno.test("ICE reporting failure before open fails at once", async () => {
  const net = createFakeRtcNetwork();
  net.reachable = false;
  const clock = createManualClock();
  const { a, b } = pair(net, { clock });
  const results = Promise.allSettled([a.peer.connect(), b.peer.connect()]);
  await settle(20);
  net.peers[0].setTransportState("failed");
  await settle();
  assert.equal(a.peer.state, "failed");
  assert.match(a.peer.error!.message, /^ICE failed: no route to peer: no direct path works/);
  b.peer.close();
  await results;
  await settle();
});

Deno.test("an open connection whose ICE path drops is interrupted, then open again", async () => {
  const net = createFakeRtcNetwork();
  // Restarts off: this is about the states alone (restarts have their own tests below).
  const { a, b } = pair(net, { restartAfterMs: 0 });
  await Promise.all([a.peer.connect(), b.peer.connect()]);
  net.peers[0].setTransportState("disconnected");
  await settle();
  assert.equal(a.peer.state, "interrupted");
  net.peers[0].setTransportState("connected");
  await settle();
  assert.equal(a.peer.state, "open");
  assert.deepEqual(a.states, ["connecting", "open", "interrupted", "open"]);
  net.peers[0].setTransportState("failed");
  await settle();
  assert.equal(a.peer.state, "failed");
  assert.match(a.peer.error!.message, /^connection lost/);
  b.peer.close();
  await settle();
});

Deno.test("closing one side is seen as closed by the other", async () => {
  const net = createFakeRtcNetwork();
  const { a, b } = pair(net);
  await Promise.all([a.peer.connect(), b.peer.connect()]);
  a.peer.close();
  assert.equal(a.peer.state, "closed");
  assert.equal(a.peer.error, null);
  await settle();
  assert.equal(b.peer.state, "closed");
  assert.equal(b.peer.error?.message, "the peer closed the connection");
  assert.deepEqual(b.states, ["connecting", "open", "closed"]);
  // Sending on a closed connection drops, it does not throw into the game loop.
  b.peer.input.send(new Uint8Array([1]));
  b.peer.control.send(new Uint8Array([1]));
  a.peer.close();
  assert.deepEqual(a.states, ["connecting", "open", "closed"]);
});

Deno.test("close() before connect() makes connect() reject instead of hanging", async () => {
  const net = createFakeRtcNetwork();
  const peer = createPeerConnection({
    role: "answerer",
    sendSignal: () => {},
    createRTCPeerConnection: net.factory,
  });
  assert.equal(peer.state, "new");
  peer.close();
  await assert.rejects(peer.connect(), /closed/);
  assert.ok(net.peers[0].closed);
});

Deno.test("close() while connecting rejects the pending connect()", async () => {
  const net = createFakeRtcNetwork();
  const peer = createPeerConnection({
    role: "answerer",
    sendSignal: () => {},
    createRTCPeerConnection: net.factory,
  });
  const p = peer.connect();
  peer.close();
  await assert.rejects(p, /closed before it opened/);
});

for (
  const [what, role, signal, pattern] of [
    [
      "an offer to the offerer",
      "offerer",
      { kind: "offer", sdp: "fake-offer 9" },
      /offerer received an offer/,
    ],
    [
      "an answer to the answerer",
      "answerer",
      { kind: "answer", sdp: "x" },
      /answerer received an answer/,
    ],
    ["a non-object", "answerer", 42, /must be an object/],
    ["an offer without sdp", "answerer", { kind: "offer" }, /has no sdp/],
    ["an unknown kind", "answerer", { kind: "bye" }, /unknown signal kind "bye"/],
    ["an unparsable offer", "answerer", { kind: "offer", sdp: "v=garbage" }, /offer was rejected/],
  ] as const
) {
  Deno.test(`${what} fails the connection with a signalling error`, async () => {
    const net = createFakeRtcNetwork();
    const peer = createPeerConnection({
      role,
      sendSignal: () => {},
      createRTCPeerConnection: net.factory,
      clock: createManualClock(),
    });
    const p = peer.connect();
    peer.handleSignal(signal as unknown as SignalData);
    await assert.rejects(p, pattern);
    assert.equal(peer.state, "failed");
    assert.match(peer.error!.message, /^signalling error: /);
    await settle();
  });
}

Deno.test("a garbled remote candidate is ignored and the connection still opens", async () => {
  const net = createFakeRtcNetwork();
  const { a, b } = pair(net);
  b.peer.handleSignal({ kind: "candidate", candidate: 7 } as unknown as SignalData);
  b.peer.handleSignal({ kind: "candidate", candidate: { candidate: "garbage" } });
  await Promise.all([a.peer.connect(), b.peer.connect()]);
  assert.equal(b.peer.diagnostics().rejectedCandidates, 2);
  a.peer.close();
  b.peer.close();
  await settle();
});

Deno.test("timings count from pairedAt", async () => {
  const net = createFakeRtcNetwork();
  const clock = createManualClock(500);
  const { a, b } = pair(net, { clock, pairedAt: 400 });
  await Promise.all([a.peer.connect(), b.peer.connect()]);
  // The manual clock does not move while the fake connects, so every step is 100 ms after paired.
  assert.deepEqual(a.peer.timings(), {
    start: 100,
    offer: 100,
    answer: 100,
    iceConnected: 100,
    controlOpen: 100,
    inputOpen: 100,
    open: 100,
  });
  a.peer.close();
  b.peer.close();
  await settle();
});

Deno.test("bad options are rejected clearly", () => {
  const net = createFakeRtcNetwork();
  const base = { sendSignal: () => {}, createRTCPeerConnection: net.factory };
  assert.throws(
    () => createPeerConnection({ ...base, role: "host" as "offerer" }),
    /peer role must be "offerer" or "answerer", got host/,
  );
  assert.throws(
    () => createPeerConnection({ ...base, role: "offerer", connectTimeoutMs: 0 }),
    /connectTimeoutMs must be > 0/,
  );
});

Deno.test("the path comes from getStats once open, and only a change of pair is reported again", async () => {
  const net = createFakeRtcNetwork();
  const clock = createManualClock();
  // What each peer's getStats() currently says: one selected pair, local and remote candidate.
  const report = (local: string, remote: string) =>
    new Map(Object.entries({
      t: { id: "t", type: "transport", selectedCandidatePairId: "p" },
      p: { id: "p", type: "candidate-pair", localCandidateId: "l", remoteCandidateId: "r" },
      l: { id: "l", type: "local-candidate", candidateType: local, protocol: "udp" },
      r: { id: "r", type: "remote-candidate", candidateType: remote, protocol: "udp" },
    }));
  let current = report("srflx", "srflx");
  let reads = 0;
  const { a, b } = pair(net, {
    clock,
    createRTCPeerConnection: (config) => {
      const pc = net.factory(config);
      (pc as { getStats: () => Promise<unknown> }).getStats = () => {
        reads++;
        return Promise.resolve(current);
      };
      return pc;
    },
  });
  const paths: ConnectionPath[] = [];
  a.peer.onPath = (p) => paths.push(p);
  // A getter: assert.equal(path, null) would narrow the property to null for the type checker.
  const path = () => a.peer.path;
  assert.equal(path(), null);
  await Promise.all([a.peer.connect(), b.peer.connect()]);
  await settle();
  assert.equal(path()?.kind, "direct");
  assert.equal(path()?.local, "srflx");
  assert.equal(paths.length, 1);

  // The same pair on the next polls: no new report.
  clock.advance(PATH_POLL_MS);
  await settle();
  assert.equal(paths.length, 1);
  // ICE switched to the relay: the next poll reports it.
  current = report("relay", "prflx");
  clock.advance(PATH_POLL_MS);
  await settle();
  assert.equal(paths.length, 2);
  assert.equal(path()?.kind, "relay");
  assert.equal(path()?.remote, "prflx");

  // Closed: no more reads.
  a.peer.close();
  b.peer.close();
  const before = reads;
  clock.advance(PATH_POLL_MS * 3);
  await settle();
  assert.equal(reads, before);
});

Deno.test("a connection whose ICE stays disconnected is restarted by the offerer, relay-only with TURN, and opens again", async () => {
  const net = createFakeRtcNetwork();
  const clock = createManualClock();
  const { a, b } = pair(net, { clock, iceServers: TURN });
  await Promise.all([a.peer.connect(), b.peer.connect()]);
  for (const p of net.peers) p.setTransportState("disconnected");
  await settle();
  assert.equal(a.peer.state, "interrupted");
  clock.advance(DEFAULT_RESTART_AFTER_MS - 1);
  await settle();
  assert.equal(a.sent.filter((s) => s.kind === "offer").length, 1, "not restarted yet");
  clock.advance(1);
  await settle(20);
  // A second offer, a second answer, fresh candidates after each; the offerer is now relay-only.
  assert.equal(a.sent.filter((s) => s.kind === "offer").length, 2);
  assert.equal(b.sent.filter((s) => s.kind === "answer").length, 2);
  const afterRestart = a.sent.slice(a.sent.findLastIndex((s) => s.kind === "offer"));
  assert.ok(afterRestart.some((s) => s.kind === "candidate"));
  assert.equal(net.peers[0].config.iceTransportPolicy, "relay");
  assert.equal(a.peer.diagnostics().restarts, 1);
  assert.equal(b.peer.diagnostics().restarts, 0);
  assert.equal(b.peer.state, "interrupted", "the answerer waits instead of failing");
  for (const p of net.peers) p.setTransportState("connected");
  await settle();
  assert.equal(a.peer.state, "open");
  assert.equal(b.peer.state, "open");
  // Recovered: the deadline for the restart is gone.
  clock.advance(DEFAULT_CONNECT_TIMEOUT_MS * 2);
  await settle();
  assert.deepEqual([a.peer.state, b.peer.state], ["open", "open"]);
  a.peer.close();
  b.peer.close();
  await settle();
});

Deno.test("ICE failing mid-match restarts at once; if no path comes back, both sides fail within the connect timeout", async () => {
  const net = createFakeRtcNetwork();
  const clock = createManualClock();
  const { a, b } = pair(net, { clock, iceServers: TURN });
  await Promise.all([a.peer.connect(), b.peer.connect()]);
  for (const p of net.peers) p.setTransportState("failed");
  await settle();
  clock.advance(0); // "at once": the restart's timer is due now
  await settle(20);
  assert.equal(a.sent.filter((s) => s.kind === "offer").length, 2, "restarted at once");
  assert.deepEqual([a.peer.state, b.peer.state], ["interrupted", "interrupted"]);
  clock.advance(DEFAULT_CONNECT_TIMEOUT_MS);
  await settle();
  for (const side of [a, b]) {
    assert.equal(side.peer.state, "failed");
    assert.match(side.peer.error!.message, /^connection lost: ICE found no path again/);
  }
  await settle();
});

Deno.test("with TURN configured and no path 5 s after connect, the offerer retries relay-only; without TURN it does not", async () => {
  for (const iceServers of [TURN, []]) {
    const net = createFakeRtcNetwork();
    net.reachable = false;
    const clock = createManualClock();
    const { a, b } = pair(net, { clock, iceServers });
    const results = Promise.allSettled([a.peer.connect(), b.peer.connect()]);
    await settle(20);
    clock.advance(DEFAULT_RELAY_AFTER_MS);
    await settle(20);
    const offers = a.sent.filter((s) => s.kind === "offer").length;
    assert.equal(offers, iceServers.length ? 2 : 1);
    assert.equal(net.peers[0].config.iceTransportPolicy, iceServers.length ? "relay" : undefined);
    clock.advance(DEFAULT_CONNECT_TIMEOUT_MS - DEFAULT_RELAY_AFTER_MS);
    for (const r of await results) assert.equal(r.status, "rejected");
    assert.match(a.peer.error!.message, /^ICE failed: no route to peer within 10 s/);
    await settle();
  }
});
