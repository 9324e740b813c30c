import assert from "node:assert/strict";
import { describePath, pathFromStats, samePath } from "./connection_path.ts";

// Trimmed from real getStats() reports in the NAT lab (game/e2e/net_lab.ts): every candidate pair
// and candidate kept, only the fields the reader looks at.

/** Firefox ESR 153 behind an endpoint-independent NAT, connected srflx to srflx. */
const FIREFOX_DIRECT = [
  {
    id: "6c8f",
    type: "candidate-pair",
    localCandidateId: "131d",
    remoteCandidateId: "2ec5",
    nominated: false,
    selected: false,
    state: "in-progress",
  },
  {
    id: "a360",
    type: "candidate-pair",
    localCandidateId: "1f79",
    remoteCandidateId: "77e9",
    nominated: true,
    selected: true,
    state: "succeeded",
  },
  // Also nominated and working, but not the one in use: the reader must not take it.
  {
    id: "6ea4",
    type: "candidate-pair",
    localCandidateId: "6151",
    remoteCandidateId: "77e9",
    nominated: true,
    selected: false,
    state: "succeeded",
  },
  {
    id: "131d",
    type: "local-candidate",
    address: "198.18.2.10",
    candidateType: "host",
    port: 47331,
    protocol: "udp",
  },
  {
    id: "1f79",
    type: "local-candidate",
    address: "203.0.113.12",
    candidateType: "srflx",
    port: 47331,
    protocol: "udp",
  },
  {
    id: "6151",
    type: "local-candidate",
    address: "203.0.113.1",
    candidateType: "relay",
    port: 40385,
    protocol: "udp",
    relayProtocol: "udp",
  },
  {
    id: "2ec5",
    type: "remote-candidate",
    address: "198.18.1.10",
    candidateType: "host",
    port: 56451,
    protocol: "udp",
  },
  {
    id: "77e9",
    type: "remote-candidate",
    address: "203.0.113.11",
    candidateType: "srflx",
    port: 56451,
    protocol: "udp",
  },
  { id: "339f", type: "transport", selectedCandidatePairId: "a360" },
];

/** Chromium behind a symmetric NAT, relayed: its own TURN allocation to the peer's mapping. */
const CHROMIUM_RELAYED = [
  {
    id: "CPuzWj",
    type: "candidate-pair",
    localCandidateId: "ICUD",
    remoteCandidateId: "ITRF",
    nominated: true,
    state: "succeeded",
  },
  {
    id: "CPyiJP",
    type: "candidate-pair",
    localCandidateId: "IyiJ",
    remoteCandidateId: "IInP",
    nominated: true,
    state: "succeeded",
  },
  {
    id: "ICUD",
    type: "local-candidate",
    address: "203.0.113.12",
    candidateType: "srflx",
    port: 1518,
    protocol: "udp",
  },
  // Chromium hides a peer-reflexive remote candidate's address.
  {
    id: "IInP",
    type: "remote-candidate",
    address: "",
    candidateType: "prflx",
    port: 21929,
    protocol: "udp",
  },
  {
    id: "ITRF",
    type: "remote-candidate",
    address: "203.0.113.1",
    candidateType: "relay",
    port: 40498,
    protocol: "udp",
  },
  {
    id: "IyiJ",
    type: "local-candidate",
    address: "203.0.113.1",
    candidateType: "relay",
    port: 40931,
    protocol: "udp",
    relayProtocol: "udp",
  },
  { id: "T01", type: "transport", selectedCandidatePairId: "CPyiJP" },
];

Deno.test("Firefox's selected pair is read as direct srflx to srflx over UDP", () => {
  assert.deepEqual(pathFromStats(FIREFOX_DIRECT), {
    kind: "direct",
    local: "srflx",
    remote: "srflx",
    protocol: "udp",
    relayProtocol: null,
    localAddress: "203.0.113.12:47331",
    remoteAddress: "203.0.113.11:56451",
  });
});

Deno.test("Chromium's transport names the selected pair: a relay with the TURN protocol", () => {
  assert.deepEqual(pathFromStats(CHROMIUM_RELAYED), {
    kind: "relay",
    local: "relay",
    remote: "prflx",
    protocol: "udp",
    relayProtocol: "udp",
    localAddress: "203.0.113.1:40931",
    remoteAddress: "",
  });
});

Deno.test("a remote relay candidate alone makes the path a relay, with no local TURN protocol", () => {
  const stats = CHROMIUM_RELAYED.map((s) =>
    s.type === "transport" ? { ...s, selectedCandidatePairId: "CPuzWj" } : s
  );
  const p = pathFromStats(stats)!;
  assert.equal(p.kind, "relay");
  assert.equal(p.local, "srflx");
  assert.equal(p.remote, "relay");
  assert.equal(p.relayProtocol, null);
});

Deno.test("without a transport or a selected flag, the nominated pair that succeeded is taken", () => {
  const stats = FIREFOX_DIRECT.filter((s) => s.type !== "transport" && s.id !== "6ea4")
    .map((s) => ({ ...s, selected: undefined }));
  assert.equal(pathFromStats(stats)?.local, "srflx");
});

Deno.test("no selected pair yet (still checking), or a pair whose candidates are missing: null", () => {
  assert.equal(pathFromStats([]), null);
  assert.equal(
    pathFromStats(FIREFOX_DIRECT.filter((s) =>
      s.id !== "339f" && s.id !== "a360" &&
      s.id !== "6ea4"
    )),
    null,
  );
  assert.equal(pathFromStats(FIREFOX_DIRECT.filter((s) => s.id !== "77e9")), null);
});

Deno.test("TCP candidates and TURN over TLS are reported as such; IPv6 addresses get brackets", () => {
  const p = pathFromStats([
    {
      id: "p",
      type: "candidate-pair",
      localCandidateId: "l",
      remoteCandidateId: "r",
      selected: true,
    },
    {
      id: "l",
      type: "local-candidate",
      candidateType: "relay",
      protocol: "tcp",
      relayProtocol: "tls",
      address: "2001:db8::1",
      port: 443,
    },
    {
      id: "r",
      type: "remote-candidate",
      candidateType: "host",
      protocol: "tcp",
      address: "2001:db8::2",
      port: 9,
    },
  ])!;
  assert.equal(p.protocol, "tcp");
  assert.equal(p.relayProtocol, "tls");
  assert.equal(p.localAddress, "[2001:db8::1]:443");
  assert.equal(describePath(p), "relay relay→host tcp (TURN tls)");
});

Deno.test("describePath says direct or relay in one short line, unknown before a pair", () => {
  assert.equal(describePath(pathFromStats(FIREFOX_DIRECT)), "direct srflx→srflx udp");
  assert.equal(describePath(pathFromStats(CHROMIUM_RELAYED)), "relay relay→prflx udp (TURN udp)");
  assert.equal(describePath(null), "unknown");
});

Deno.test("samePath tells a switch of pair from a re-read of the same one", () => {
  const a = pathFromStats(FIREFOX_DIRECT);
  assert.ok(samePath(a, pathFromStats(FIREFOX_DIRECT)));
  assert.ok(!samePath(a, pathFromStats(CHROMIUM_RELAYED)));
  assert.ok(!samePath(a, null));
  assert.ok(samePath(null, null));
});
