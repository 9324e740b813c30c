import assert from "node:assert/strict";
import { RESUME_CHUNK_BYTES } from "../../../shared/peer_protocol.ts";
import type { ResumeChunk } from "../../../shared/resume_chunks.ts";
import { MAX_RESUME_BYTES } from "../../../shared/resume_format.ts";
import { type Intro, LIFECYCLE_VERSION } from "./match_lifecycle.ts";
import type { ControlMessage } from "../../../shared/peer_protocol.ts";
import type { SessionTransport } from "../sessions/p2p_session.ts";
import { createResumeIntake, handOver, handoverMessages } from "./resume_handover.ts";

const intro: Intro = {
  t: "intro",
  v: LIFECYCLE_VERSION,
  name: "A",
  game: "g",
  version: "1",
  options: null,
};

/** `n` bytes counting up (mod 256). */
function bytesOf(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => i & 0xff);
}

function chunksOf(messages: ReturnType<typeof handoverMessages>): ResumeChunk[] {
  return messages.filter((m): m is ResumeChunk => m.kind === "resume");
}

Deno.test("the survivor sends its intro first, then the snapshot in order", () => {
  const snapshot = bytesOf(RESUME_CHUNK_BYTES * 2 + 5);
  const messages = handoverMessages(intro, snapshot);
  assert.deepEqual(messages[0], { kind: "app", data: intro });
  const chunks = chunksOf(messages);
  assert.equal(messages.length, 1 + chunks.length);
  assert.deepEqual(chunks.map((c) => [c.index, c.count]), [[0, 3], [1, 3], [2, 3]]);
});

Deno.test("the returner puts the survivor's chunks back together, and hands them over once", () => {
  const snapshot = bytesOf(RESUME_CHUNK_BYTES + 7);
  const intake = createResumeIntake();
  const [first, second] = chunksOf(handoverMessages(intro, snapshot));
  assert.deepEqual(intake.add(first), { type: "partial" });
  assert.equal(intake.ready, false);
  assert.equal(intake.take(), null);
  assert.deepEqual(intake.add(second), { type: "ready" });
  assert.equal(intake.ready, true);
  assert.deepEqual(intake.take(), snapshot);
  assert.equal(intake.ready, false);
  assert.equal(intake.take(), null);
});

Deno.test("a waiting snapshot is not replaced by later chunks", () => {
  const intake = createResumeIntake();
  const [only] = chunksOf(handoverMessages(intro, bytesOf(10)));
  assert.deepEqual(intake.add(only), { type: "ready" });
  const [other] = chunksOf(handoverMessages(intro, bytesOf(20)));
  assert.deepEqual(intake.add(other), { type: "ignored" });
  assert.equal(intake.take()?.length, 10);
});

Deno.test("chunks out of order are a damaged hand-over, and the intake starts over", () => {
  const intake = createResumeIntake();
  const chunks = chunksOf(handoverMessages(intro, bytesOf(RESUME_CHUNK_BYTES * 2)));
  const step = intake.add(chunks[1]);
  assert.equal(step.type, "error");
  assert.match((step as { error: string }).error, /^the match handed over is damaged: /);
  assert.equal(intake.ready, false);
  assert.deepEqual(intake.add(chunks[0]), { type: "partial" });
  assert.deepEqual(intake.add(chunks[1]), { type: "ready" });
});

const proxy = {} as SessionTransport;

Deno.test("the survivor moves its session onto the link, then sends the intro and snapshot", () => {
  const snapshot = bytesOf(RESUME_CHUNK_BYTES + 1);
  const movedTo: SessionTransport[] = [];
  const sent: ControlMessage[] = [];
  const r = handOver(
    {
      resume: (t) => {
        movedTo.push(t);
        return snapshot;
      },
    },
    proxy,
    { sendControl: (m) => void sent.push(m) },
    intro,
  );
  assert.deepEqual(r, { ok: true });
  assert.deepEqual(movedTo, [proxy]);
  assert.deepEqual(sent[0], { kind: "app", data: intro });
  const chunks = sent.slice(1) as ResumeChunk[];
  assert.deepEqual(chunks.map((c) => [c.kind, c.index, c.count]), [
    ["resume", 0, 2],
    ["resume", 1, 2],
  ]);
  assert.equal(chunks[0].data.length, RESUME_CHUNK_BYTES);
  const joined = new Uint8Array(chunks.reduce((n, c) => n + c.data.length, 0));
  let at = 0;
  for (const c of chunks) {
    joined.set(c.data, at);
    at += c.data.length;
  }
  assert.deepEqual(joined, snapshot);
});

Deno.test("a snapshot over MAX_RESUME_BYTES fails the hand-over before anything is sent", () => {
  const sent: ControlMessage[] = [];
  const r = handOver(
    { resume: () => bytesOf(MAX_RESUME_BYTES + 1) },
    proxy,
    { sendControl: (m) => void sent.push(m) },
    intro,
  );
  assert.equal(r.ok, false);
  assert.match((r as { error: string }).error, /^could not resume: .*exceeds/);
  // Not even the intro: the returner must not start a handshake with a hand-over that failed.
  assert.deepEqual(sent, []);
});

Deno.test("a session that cannot resume is an error, and nothing is sent", () => {
  const sent: ControlMessage[] = [];
  const r = handOver(
    {
      resume: () => {
        throw new Error("no running match");
      },
    },
    proxy,
    { sendControl: (m) => void sent.push(m) },
    intro,
  );
  assert.deepEqual(r, { ok: false, error: "could not resume: no running match" });
  assert.equal(sent.length, 0);
});

Deno.test("a link that refuses the hand-over is an error, not a throw", () => {
  const r = handOver({ resume: () => bytesOf(3) }, proxy, {
    sendControl: () => {
      throw new Error("channel closed");
    },
  }, intro);
  assert.deepEqual(r, { ok: false, error: "could not resume: channel closed" });
});
