// Players behind NATs: two Chromiums in the two homes of a namespace lab (net_lab.ts), the lobby
// and coturn on its internet. Endpoint-independent NATs connect directly (server-reflexive
// candidates, not through the relay); one or two symmetric NATs go through coturn's relay without
// anybody asking for it; with no TURN configured, symmetric NATs give an error that says a relay
// would be needed. Each test plays a short bot match and compares checksums, and checks the path
// the page reports against what the lab forces. One lab, lobby pair and coturn for the file; fresh
// browsers per test. Needs root, iptables and coturn (CI has them); skipped with the reason
// otherwise.
import { expect, test } from "@playwright/test";
import { haveTurnserver } from "./services.ts";
import { createNetLab, LAB, labUnavailable, type NatKind, type NetLab } from "./net_lab.ts";
import { type LabCoturn, type LabLobby, startLabCoturn, startLabLobby } from "./lab_services.ts";
import { type LabPage, launchLabChromium } from "./lab_browsers.ts";
import {
  closeLabPages,
  cutDirectAndRecover,
  playAndCompare,
  startBotMatch,
  waitForDuetState,
} from "./lab_match.ts";

const unavailable = labUnavailable() ??
  (haveTurnserver() ? null : "coturn (/usr/bin/turnserver) is not installed");

test.describe.configure({ mode: "serial", timeout: 60_000 });
test.skip(unavailable !== null, unavailable ?? "");

let lab: NetLab;
let turn: LabCoturn;
/** STUN and TURN (the lobby's REST credentials for coturn). */
let withTurn: LabLobby;
/** STUN only: what an operator who set up no relay has. */
let stunOnly: LabLobby;
let pages: LabPage[] = [];

test.beforeAll(async () => {
  lab = createNetLab(["eim", "eim"]);
  turn = await startLabCoturn(lab);
  [withTurn, stunOnly] = await Promise.all([
    startLabLobby(lab, 8000, {
      ICE_STUN_URLS: turn.stunUrl,
      TURN_URLS: turn.turnUrls,
      TURN_SECRET: turn.secret,
    }),
    startLabLobby(lab, 8001, { ICE_STUN_URLS: turn.stunUrl }),
  ]);
});

test.afterAll(async () => {
  await Promise.all([withTurn?.stop(), stunOnly?.stop(), turn?.stop()]);
  lab?.destroy();
});

// Playwright requires the fixtures argument to be an object pattern, even an empty one.
// deno-lint-ignore no-empty-pattern
test.afterEach(async ({}, testInfo) => {
  await closeLabPages(pages, testInfo, { "coturn log": () => turn.output().slice(-20_000) });
  pages = [];
});

/** Sets the NATs and opens one Chromium in each home. */
async function players(nats: [NatKind, NatKind]): Promise<[LabPage, LabPage]> {
  lab.setNats(nats);
  const origins = [withTurn.http, stunOnly.http];
  pages = await Promise.all([
    launchLabChromium(lab, "home1", origins, `chromium@home1 (${nats[0]})`),
    launchLabChromium(lab, "home2", origins, `chromium@home2 (${nats[1]})`),
  ]);
  return [pages[0], pages[1]];
}

/** Users that allocated a relay on coturn so far (the lobby's `<expiry>:<player id>` names). */
function allocations(): Set<string> {
  const re = /user <(\d+:[0-9a-z]+)>: incoming packet ALLOCATE processed, success/g;
  return new Set([...turn.output().matchAll(re)].map((m) => m[1]));
}

test("behind two endpoint-independent NATs the players connect directly (srflx), play and agree", async () => {
  const [a, b] = await players(["eim", "eim"]);
  const { connectMs } = await startBotMatch(withTurn.http, a, b);
  const [sa, sb] = await playAndCompare(a, b);
  for (const s of [sa, sb]) {
    expect(s.path?.kind).toBe("direct");
    // Each side talks from its router's public address: a server-reflexive mapping (or the same
    // mapping learnt from the peer's checks first, prflx), never a host or relay candidate.
    expect(["srflx", "prflx"]).toContain(s.path?.local);
    expect(["srflx", "prflx"]).toContain(s.path?.remote);
    expect(s.path?.protocol).toBe("udp");
  }
  expect(LAB.routers).toContain(sa.path!.localAddress.split(":")[0]);
  console.log(`direct through two EIM NATs: playing ${connectMs} ms after the second page opened`);
});

for (const nats of [["eim", "symmetric"], ["symmetric", "symmetric"]] as [NatKind, NatKind][]) {
  test(`behind ${nats.join(" and ")} NATs the players end up on coturn's relay by themselves, play and agree`, async () => {
    const before = allocations().size;
    const [a, b] = await players(nats);
    const { connectMs } = await startBotMatch(withTurn.http, a, b);
    const [sa, sb] = await playAndCompare(a, b);
    for (const s of [sa, sb]) {
      expect(s.path?.kind).toBe("relay");
      expect(s.path?.protocol).toBe("udp");
    }
    // At least one side sends through its own TURN allocation, over UDP to coturn.
    const relayed = [sa, sb].filter((s) => s.path?.local === "relay");
    expect(relayed.length).toBeGreaterThan(0);
    for (const s of relayed) {
      expect(s.path?.relayProtocol).toBe("udp");
      expect(s.path?.localAddress.split(":")[0]).toBe(LAB.wan);
    }
    expect(allocations().size).toBeGreaterThan(before);
    console.log(
      `relay through ${nats.join("+")} NATs: playing ${connectMs} ms after the second page opened`,
    );
  });
}

test("a direct path cut mid-match moves to coturn's relay by itself and the match goes on", async () => {
  const [a, b] = await players(["eim", "eim"]);
  await startBotMatch(withTurn.http, a, b);
  await playAndCompare(a, b, 120);
  const ms = await cutDirectAndRecover(lab, a, b);
  console.log(`Chromium-Chromium direct path cut: both relayed after ${ms} ms`);
});

test("behind symmetric NATs with no TURN configured, both players are told a relay would be needed", async () => {
  const [a, b] = await players(["symmetric", "symmetric"]);
  await a.goto(`${stunOnly.http}/?quick&bot=1&renderer=canvas`);
  await expect.poll(() => a.evaluate(() => globalThis.duet?.room() != null, null)).toBe(true);
  await b.goto(`${stunOnly.http}/?quick&bot=2&renderer=canvas`);
  for (const p of [a, b]) {
    await waitForDuetState(p, "ended", 30_000);
    const message = await p.evaluate(() => globalThis.duet.message, null);
    expect(message).toMatch(/Could not connect/);
    expect(message).toMatch(/no direct path works and the lobby offers no TURN relay/);
  }
});
