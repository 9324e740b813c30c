// The glue, end to end in Deno: two signalling clients pair through the REAL lobby (a subprocess),
// WebRTC is the fake from testing/fake_rtc.ts (Deno has none), the transport and simulator are real.
import assert from "node:assert/strict";
import { createSignalingClient, type SignalingClient } from "./signaling_client.ts";
import {
  connectMatch,
  type MatchConnection,
  type MatchConnectionOptions,
} from "./match_connection.ts";
import { createFakeRtcNetwork, type FakeRtcNetwork } from "./testing/fake_rtc.ts";
import { type Lobby, startLobby } from "./testing/lobby_process.ts";
import { sleep, until } from "./testing/wait.ts";

function withTimeout<T>(what: string, p: Promise<T>, ms = 5_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fail = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([p, fail]).finally(() => clearTimeout(timer));
}

// Everything a step opened, closed after it whether it passed or not, so a failed step cannot
// leave a player in a room that the next step's quick match would join.
const opened: { close(): void }[] = [];

function guarded(fn: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await fn();
    } finally {
      for (const x of opened.splice(0).reverse()) x.close();
      await sleep(150);
    }
  };
}

function client(lobby: Lobby): SignalingClient {
  const c = createSignalingClient({ url: lobby.url });
  opened.push(c);
  return c;
}

async function pairedClients(lobby: Lobby): Promise<[SignalingClient, SignalingClient]> {
  const a = client(lobby);
  const b = client(lobby);
  await a.quick();
  await b.quick();
  await withTimeout("pairing", Promise.all([a.waitForPaired(), b.waitForPaired()]));
  // Player 0 (the offerer) first, whichever client that is.
  return a.paired!.player === 0 ? [a, b] : [b, a];
}

async function matchPair(
  lobby: Lobby,
  net: FakeRtcNetwork,
  extra: Partial<MatchConnectionOptions> = {},
): Promise<{ clients: SignalingClient[]; matches: MatchConnection[] }> {
  const clients = await pairedClients(lobby);
  const matches = clients.map((c) => {
    const m = connectMatch({ lobby: c, createRTCPeerConnection: net.factory, ...extra });
    opened.push(m);
    return m;
  });
  return { clients, matches };
}

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "match connection over the real lobby",
  ...opts,
  fn: async (t) => {
    const lobby = await startLobby();
    try {
      await t.step(
        "pairs, connects, and carries every input in order under 20% loss",
        guarded(async () => {
          const net = createFakeRtcNetwork();
          const p = await matchPair(lobby, net, { sim: "loss:20,seed:5" });
          const [m0, m1] = p.matches;
          assert.equal(m0.state, "connecting");
          assert.equal(m0.transport, null);
          const [t0, t1] = await Promise.all([m0.ready, m1.ready]);
          assert.equal(m0.state, "open");
          assert.equal(m0.player, 0);
          assert.equal(m1.player, 1);
          assert.equal(m0.peer.role, "offerer");
          assert.equal(m0.transport, t0);
          const timings = m0.timings();
          assert.ok(timings.open !== null && timings.open >= 0);

          const got: number[][] = [[], []];
          let outOfOrder = 0;
          [t0, t1].forEach((t, i) => {
            t.onInput = (frame, input) => {
              if (frame !== got[i].length) outOfOrder++;
              got[i].push(input);
            };
          });
          const N = 120;
          for (let f = 0; f < N; f++) {
            t0.sendInput(f, f & 0xff);
            t1.sendInput(f, (f * 3) & 0xff);
            t0.poll();
            t1.poll();
            await sleep(1);
          }
          await until("all inputs", () => {
            t0.poll();
            t1.poll();
            return got[0].length === N && got[1].length === N;
          });
          assert.equal(outOfOrder, 0);
          assert.deepEqual(got[1], Array.from({ length: N }, (_, f) => f & 0xff));
          assert.deepEqual(got[0], Array.from({ length: N }, (_, f) => (f * 3) & 0xff));
          assert.ok(t1.stats().packetsLost > 0, "the simulator really dropped packets");
        }),
      );

      await t.step(
        "closing one side says bye: the other sees disconnected",
        guarded(async () => {
          const net = createFakeRtcNetwork();
          const p = await matchPair(lobby, net);
          const [m0, m1] = p.matches;
          await Promise.all([m0.ready, m1.ready]);
          const states: string[] = [];
          m1.onState = (s) => states.push(s);
          m0.close("bye now");
          assert.equal(m0.state, "closed");
          assert.equal(m0.error, null);
          await until("m1 disconnected", () => m1.state === "disconnected");
          assert.deepEqual(states, ["disconnected"]);
          assert.equal(m1.error!.message, "the peer left the match");
        }),
      );

      await t.step(
        "pagehide says bye, except while the lobby holds the seat (the page may be reloading)",
        guarded(async () => {
          const net = createFakeRtcNetwork();
          let held = true;
          const p = await matchPair(lobby, net, { resumable: () => held });
          const [m0, m1] = p.matches;
          await Promise.all([m0.ready, m1.ready]);
          globalThis.dispatchEvent(new Event("pagehide"));
          await sleep(100);
          assert.deepEqual([m0.state, m1.state], ["open", "open"]);
          held = false;
          globalThis.dispatchEvent(new Event("pagehide"));
          assert.deepEqual([m0.state, m1.state], ["closed", "closed"]);
        }),
      );

      await t.step(
        "a silent peer is interrupted, then disconnected",
        guarded(async () => {
          const net = createFakeRtcNetwork();
          const p = await matchPair(lobby, net, {
            transport: { interruptedAfterMs: 40, disconnectedAfterMs: 150, pingIntervalMs: 20 },
          });
          const [m0, m1] = p.matches;
          const [t0] = await Promise.all([m0.ready, m1.ready]);
          const states: string[] = [];
          m0.onState = (s) => states.push(s);
          // Side 1 goes mute: whatever it sends is lost (it would otherwise still answer pings).
          for (const ch of net.peers[1].channels) {
            (ch as unknown as { send: (d: Uint8Array) => void }).send = () => {};
          }
          await until("disconnected", () => {
            t0.poll();
            return m0.state === "disconnected";
          });
          assert.deepEqual(states, ["interrupted", "disconnected"]);
          assert.match(m0.error!.message, /the peer went silent for 0.15 s/);
          assert.ok(net.peers[0].closed, "the dead RTCPeerConnection is released");
        }),
      );

      await t.step(
        "no route: ready rejects with the ICE error and the state is failed",
        guarded(async () => {
          const net = createFakeRtcNetwork();
          net.reachable = false;
          const p = await matchPair(lobby, net, { connectTimeoutMs: 300 });
          const [m0, m1] = p.matches;
          for (const m of [m0, m1]) {
            await assert.rejects(m.ready, /^Error: ICE failed: no route to peer within 0.3 s/);
            assert.equal(m.state, "failed");
          }
        }),
      );

      await t.step(
        "ICE failing mid-match reads as a dropped link to the game, not as the peer leaving",
        guarded(async () => {
          const net = createFakeRtcNetwork();
          // No ICE restart: the failure must reach the game as it is.
          const p = await matchPair(lobby, net, { restartAfterMs: 0 });
          const [m0, m1] = p.matches;
          const transports = await Promise.all([m0.ready, m1.ready]);
          const links: string[][] = [[], []];
          transports.forEach((t, i) => t.onState = (s) => links[i].push(s));
          // The channels can open before the fake network reports ICE connected; fail after it.
          await until(
            "ICE connected",
            () => [m0, m1].every((m) => m.peer.raw.iceConnectionState === "connected"),
          );
          // Both ends' ICE fails (the fake network's peers are not ordered by player).
          for (const peer of net.peers) peer.setTransportState("failed");
          await until("both failed", () => m0.state === "failed" && m1.state === "failed");
          assert.deepEqual(links, [["disconnected"], ["disconnected"]]);
          assert.deepEqual(transports.map((t) => t.state), ["disconnected", "disconnected"]);
          assert.match(m0.error!.message, /ICE failed/);
        }),
      );

      await t.step(
        "the peer leaving the lobby before open ends the attempt at once",
        guarded(async () => {
          const net = createFakeRtcNetwork();
          net.reachable = false;
          const p = await matchPair(lobby, net);
          const [m0, m1] = p.matches;
          p.clients[0].onPeerLeft = () => m0.peerLeft();
          p.clients[1].close();
          await assert.rejects(m0.ready, /the peer left the lobby before the connection opened/);
          assert.equal(m0.state, "disconnected");
          m1.close();
        }),
      );

      await t.step(
        "bad input is refused before anything is built",
        guarded(async () => {
          const net = createFakeRtcNetwork();
          const lone = client(lobby);
          await lone.ready();
          assert.throws(
            () => connectMatch({ lobby: lone, createRTCPeerConnection: net.factory }),
            /not paired/,
          );
          const [a, b] = await pairedClients(lobby);
          assert.throws(
            () =>
              connectMatch({ lobby: a, sim: "loss:lots", createRTCPeerConnection: net.factory }),
            /sim: /,
          );
          assert.equal(net.peers.length, 0);
          assert.ok(b.paired);
        }),
      );
    } finally {
      await lobby.stop();
    }
  },
});
