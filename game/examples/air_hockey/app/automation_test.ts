import assert from "node:assert/strict";
import {
  createDuetApi,
  type DuetSource,
  duetStateOf,
  installDuet,
  type Screen,
} from "./automation.ts";
import {
  createInputTransport,
  createManualClock,
  createMatchRunner,
  type MatchRunner,
  type Spectated,
  TICK_MS,
} from "duet-netcode";
import { createHockeyMatch, GAME_ID, GAME_VERSION, hockeyIsOver } from "./hockey_match.ts";
import type { Hockey } from "../sim/hockey.ts";
import { createReliablePair, createSimulatedPair, NO_IMPAIRMENT } from "duet-netcode/testing";

function source(over: Partial<DuetSource> & { screen?: () => Screen } = {}): DuetSource {
  let shown = false;
  return {
    screen: () => "lobby",
    runner: () => null,
    replayPlayer: () => null,
    spectated: () => null,
    lastReplay: () => null,
    rooms: () => [],
    lobbyState: () => "open",
    lobbyRtt: () => null,
    room: () => null,
    overlay: (show) => (shown = show ?? shown),
    message: () => null,
    ...over,
  };
}

Deno.test("the four contract states from screen and lifecycle phase", () => {
  assert.equal(duetStateOf("lobby", null), "lobby");
  assert.equal(duetStateOf("lobby", "playing"), "lobby");
  assert.equal(duetStateOf("match", "connecting"), "connecting");
  assert.equal(duetStateOf("match", "handshake"), "connecting");
  assert.equal(duetStateOf("match", "playing"), "playing");
  for (const p of ["ended", "rematch", "closed", "left"] as const) {
    assert.equal(duetStateOf("match", p), "ended");
  }
});

Deno.test("in the lobby: state lobby, empty stats, no checksums, rooms copied", () => {
  const room = {
    id: "r1",
    name: "x",
    players: 1,
    capacity: 2 as const,
    state: "open" as const,
    locked: false,
    createdAt: 1,
  };
  const api = createDuetApi(source({ rooms: () => [room] }));
  assert.equal(api.state, "lobby");
  assert.equal(api.phase, null);
  const s = api.stats();
  assert.equal(s.state, "lobby");
  assert.equal(s.confirmedFrame, -1);
  assert.equal(s.player, null);
  assert.equal(api.checksum(0), null);
  assert.deepEqual(api.rooms(), [room]);
  assert.notEqual(api.rooms()[0], room);
  assert.equal(api.overlay(), false);
  assert.equal(api.overlay(true), true);
  assert.equal(api.overlay(), true);
});

Deno.test("during a match: live state, stats and checksums of confirmed frames; JSON-safe", () => {
  const clock = createManualClock();
  const [inA, inB] = createSimulatedPair({ ...NO_IMPAIRMENT, delayMs: 5 }, clock);
  const [ctlA, ctlB] = createReliablePair(clock, 5);
  const runners = [0, 1].map((p) =>
    createMatchRunner<Hockey>({
      localPlayer: p as 0 | 1,
      session: "s",
      me: { name: "n", game: GAME_ID, version: GAME_VERSION, options: { bot: true } },
      createGame: createHockeyMatch,
      readInput: () => 0,
      isOver: hockeyIsOver,
      clock,
    })
  ) as MatchRunner<Hockey>[];
  const api = createDuetApi(source({ screen: () => "match", runner: () => runners[0] }));
  assert.equal(api.state, "connecting");
  runners[0].connect(createInputTransport({ input: inA, control: ctlA, clock }));
  runners[1].connect(createInputTransport({ input: inB, control: ctlB, clock }));
  for (let i = 0; i < 300; i++) {
    clock.advance(TICK_MS);
    runners.forEach((r) => r.update(TICK_MS));
  }
  assert.equal(api.state, "playing");
  const s = api.stats();
  assert.equal(s.player, 0);
  assert.ok(s.frame > 250 && s.confirmedFrame > 200);
  assert.deepEqual(s.score, [0, 0]);
  assert.equal(s.inputDelay, 2);
  assert.equal(typeof api.checksum(100), "number");
  assert.equal(api.checksum(100), runners[1].checksum(100));
  assert.equal(api.checksum(s.frame + 100), null);
  assert.equal(api.checksum(-1), null);
  assert.equal(api.checksum(1.5), null);
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  assert.equal(api.mode, "player");
  const replay = api.replay();
  assert.ok(replay instanceof Uint8Array && replay.length > 10);
  api.leave();
  assert.equal(api.state, "ended");
});

Deno.test("installDuet defines window.duet", () => {
  const target = {} as { duet?: unknown };
  const api = createDuetApi(source());
  installDuet(api, target);
  assert.equal(target.duet, api);
});

Deno.test("watching: mode spectator, state from the spectator's phase, its checksums and frames", () => {
  let phase: "connecting" | "playing" | "ended" = "connecting";
  const spectated = {
    get phase() {
      return phase;
    },
    game: null,
    checksum: (f: number) => (f < 10 ? 1000 + f : undefined),
    stats: () => ({
      frame: 10,
      confirmedFrame: 9,
      received: 20,
      behind: 10,
      fastForwarding: false,
      rejected: 0,
    }),
  } as unknown as Spectated<Hockey>;
  const api = createDuetApi(source({ screen: () => "watch", spectated: () => spectated }));
  assert.equal(api.mode, "spectator");
  assert.equal(api.state, "connecting");
  phase = "playing";
  assert.equal(api.state, "playing");
  assert.equal(api.checksum(3), 1003);
  assert.equal(api.checksum(12), null);
  assert.equal(api.stats().confirmedFrame, 9);
  assert.equal(api.stats().state, "playing");
  phase = "ended";
  assert.equal(api.state, "ended");
  assert.equal(createDuetApi(source({ screen: () => "watch" })).state, "connecting");
});
