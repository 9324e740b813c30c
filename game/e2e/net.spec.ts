// The networking module in real Chromium: two pages pair through the real Deno lobby and talk over
// real WebRTC DataChannels on loopback. Run inside a loopback-only network namespace (README).
import { call, expect, test } from "./fixtures.ts";

const FRAMES = 600;
const DISCONNECT_MS = 3_000;
// game/net/match_connection.ts's MATCH_SILENCE_MS: a silent peer ends the match after this (the
// connection first tries to repair the path with an ICE restart).
const SILENCE_MS = 7_000;

test("two pages pair through the lobby, open both channels, and 600 frames cross the unreliable channel at 20% loss (with jitter, reordering, duplicates) complete and in order", async ({ openPlayer }) => {
  // Loss plus delay, jitter, reordering and duplication: the channel at its worst, seeded.
  const sim = "loss:20,delay:20,jitter:10,reorder:10,dup:5,seed:7";
  const a = await openPlayer(`/e2e/harness.html?sim=${sim}&name=Ann`);
  const b = await openPlayer(`/e2e/harness.html?sim=${sim}&name=Bob`);
  const [ca, cb] = await Promise.all([call(a, "connect"), call(b, "connect")]);

  expect([ca.role, cb.role].sort()).toEqual(["answerer", "offerer"]);
  expect(ca.player + cb.player).toBe(1);
  for (const c of [ca, cb]) {
    expect(c.timings.controlOpen).not.toBeNull();
    expect(c.timings.inputOpen).not.toBeNull();
  }
  const offerer = ca.role === "offerer" ? ca : cb;
  console.log(
    `connect: paired after ${offerer.pairedAfterMs.toFixed(0)} ms; from paired: offer ` +
      `${offerer.timings.offer?.toFixed(1)} ms, answer ${offerer.timings.answer?.toFixed(1)} ms, ` +
      `ICE ${offerer.timings.iceConnected?.toFixed(1)} ms, open ${
        offerer.timings.open?.toFixed(1)
      } ms`,
  );

  await Promise.all([call(a, "sendFrames", FRAMES), call(b, "sendFrames", FRAMES)]);
  for (const page of [a, b]) {
    // The last frames may still be in flight (or lost and awaiting the next keepalive).
    await expect.poll(async () => (await call(page, "snapshot")).received, { timeout: 5_000 })
      .toBe(FRAMES);
  }
  for (const page of [a, b]) {
    const snap = await call(page, "snapshot");
    expect(snap.match).toBe("open");
    expect(snap.outOfOrder).toBe(0);
    expect(await call(page, "received")).toEqual(await call(page, "expectedFromPeer", FRAMES));
    // The loss really happened: about a fifth of the peer's packets never arrived.
    const s = (await call(page, "stats"))!;
    const lossShare = s.packetsLost / (s.packetsLost + s.packetsReceived);
    expect(lossShare).toBeGreaterThan(0.1);
    expect(lossShare).toBeLessThan(0.3);
    expect(s.duplicates).toBeGreaterThan(0);
  }
});

test("a page that closes is seen as disconnected by the other within the disconnect timeout", async ({ openPlayer }) => {
  const a = await openPlayer();
  const b = await openPlayer();
  await Promise.all([call(a, "connect"), call(b, "connect")]);
  await Promise.all([call(a, "sendFrames", 30), call(b, "sendFrames", 30)]);
  await b.close();
  await expect.poll(async () => (await call(a, "snapshot")).match, {
    timeout: DISCONNECT_MS,
  }).toBe("disconnected");
  // The closing page said bye on pagehide: no need to wait out the silence timeout.
  expect((await call(a, "snapshot")).error).toBe("the peer left the match");
});

test("a page that dies without a word (renderer crash) is seen as disconnected after the silence timeout", async ({ openPlayer }) => {
  const a = await openPlayer();
  const b = await openPlayer();
  await Promise.all([call(a, "connect"), call(b, "connect")]);
  await Promise.all([call(a, "sendFrames", 30), call(b, "sendFrames", 30)]);
  const cdp = await b.context().newCDPSession(b);
  // The renderer dies mid-match: no bye, no channel close, just silence.
  // Page.crash never answers (its target is gone): wait for the crash event instead.
  const crashed = b.waitForEvent("crash");
  cdp.send("Page.crash").catch(() => {});
  await crashed;
  await expect.poll(async () => (await call(a, "snapshot")).match, {
    timeout: SILENCE_MS + 2_000,
  }).toBe("disconnected");
  const snap = await call(a, "snapshot");
  expect(snap.error).toMatch(/the peer (went silent|closed)/);
  const log = (await call(a, "log")).join("\n");
  expect(log).toContain("link interrupted");
});

test("ICE with no route fails with a clear error instead of hanging", async ({ openPlayer }) => {
  // A relay-only peer with no TURN server has no candidate that could ever pair: a real failure.
  const a = await openPlayer("/e2e/harness.html?relay&timeout=3000");
  const b = await openPlayer("/e2e/harness.html?timeout=3000");
  const settled = await Promise.allSettled([call(a, "connect"), call(b, "connect")]);
  for (const r of settled) {
    expect(r.status).toBe("rejected");
    expect(String((r as PromiseRejectedResult).reason)).toMatch(
      /ICE failed: no route to peer within 3 s/,
    );
  }
  for (const page of [a, b]) expect((await call(page, "snapshot")).match).toBe("failed");
});
