import assert from "node:assert/strict";
import { encodeClientMessage } from "../shared/lobby_protocol.ts";
import { readRelayCandidateBytes } from "../signal/relay_signal_bytes.ts";
import {
  duetCreate,
  duetJoin,
  duetJoinTarget,
  duetProtocol,
  FLOOR_SESSION,
  parseType,
  peerjsProtocol,
  protocolFor,
  RELAY_PAYLOAD,
} from "./load_protocol.ts";

Deno.test("relay messages are about 100-150 bytes and carry the same candidate for both servers", () => {
  const d = duetProtocol.relay("ignored");
  const p = peerjsProtocol.relay("peer-7");
  for (const m of [d, p]) {
    assert.ok(m.length >= 100 && m.length <= 180, `${m.length} bytes`);
    assert.ok(m.includes("typ host generation 0"));
  }
  assert.deepEqual(JSON.parse(d).data.kind, "candidate");
  assert.equal(JSON.parse(p).dst, "peer-7");
  assert.equal(JSON.parse(p).type, "CANDIDATE");
});

Deno.test("ready, id and relay recognition follow each server's protocol", () => {
  const welcome = JSON.stringify({ type: "welcome", id: "abc", name: "x", protocol: 1 });
  assert.ok(duetProtocol.isReady(welcome));
  assert.equal(duetProtocol.idFrom(welcome, "label"), "abc");
  assert.ok(!duetProtocol.isReady(JSON.stringify({ type: "rooms", rooms: [] })));
  assert.ok(duetProtocol.isRelay(JSON.stringify({ type: "signal", from: "a", data: {} })));
  assert.ok(!duetProtocol.isRelay(JSON.stringify({ type: "pong", t: 1 })));
  assert.ok(peerjsProtocol.isReady('{"type":"OPEN"}'));
  assert.equal(peerjsProtocol.idFrom('{"type":"OPEN"}', "me"), "me");
  assert.ok(peerjsProtocol.isRelay('{"type":"CANDIDATE","src":"a","dst":"b","payload":{}}'));
  assert.ok(!peerjsProtocol.isRelay('{"type":"ERROR","payload":{"msg":"x"}}'));
  assert.match(
    peerjsProtocol.url("ws://h:1", "a b"),
    /^ws:\/\/h:1\/peerjs\?key=peerjs&id=a%20b&token=/,
  );
  assert.equal(protocolFor("peerjs"), peerjsProtocol);
});

Deno.test("duet pairing messages: private create, join by invite code", () => {
  assert.deepEqual(JSON.parse(duetCreate()), { type: "create", name: "bench", private: true });
  assert.equal(
    duetJoinTarget(JSON.stringify({ type: "joined", room: { id: "r1" }, code: "C0DE" })),
    "C0DE",
  );
  assert.equal(duetJoinTarget(JSON.stringify({ type: "joined", room: { id: "r1" } })), "r1");
  assert.equal(duetJoinTarget(JSON.stringify({ type: "paired" })), "");
  assert.equal(duetJoinTarget("not json"), "");
  assert.deepEqual(JSON.parse(duetJoin("C0DE")), { type: "join", room: "C0DE" });
  assert.equal(parseType("{"), "");
});

Deno.test("duet's relay message is what the browser client sends, session included", () => {
  const data = { kind: "candidate" as const, candidate: { ...RELAY_PAYLOAD } };
  const m = duetProtocol.relay("ignored", "ABCDEFGHJKMNPQRS");
  assert.equal(m, encodeClientMessage({ type: "signal", data, session: "ABCDEFGHJKMNPQRS" }));
  // The lobby's byte path takes it, as it takes the client's (no slower path in the bench).
  assert.equal(readRelayCandidateBytes(new TextEncoder().encode(m))?.session, "ABCDEFGHJKMNPQRS");
  // The floor's stand-in is as long as duet's session, so both relay the same bytes.
  assert.equal(FLOOR_SESSION.length, 16);
});
